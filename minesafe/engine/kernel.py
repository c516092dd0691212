"""The vectorised episode kernel: hysteresis and a minimum gap over sorted columnar batches.

Every value rule reduces to two masks per reading, ``on`` (the condition starts or holds) and
``off`` (it has ended); readings with neither hold the previous state (hysteresis: over_limit is
on at >= alarm and off below the restore threshold). An episode opens at the first ``on``
reading and closes at the first ``off`` reading of a quiet spell, but only once the spell has
lasted ``min_gap`` seconds: a point flapping around its threshold stays in one episode.

The batch is sorted by (point, time); a *segment* is one point's readings, a *run* a maximal
stretch of one raw state inside a segment. All work is NumPy over rows, runs and segments;
the scalar twin of this logic is :class:`minesafe.engine.reference.EpisodeRef`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from minesafe.engine.model import F64, I32, U8, Bool


@dataclass(slots=True)
class EpisodeState:
    """Per point: raw condition, whether an episode is open, its start, peak, pending close."""

    raw: U8
    active: Bool
    opened_at: F64
    peak: F64
    below_since: F64
    level: U8

    @classmethod
    def new(cls, n: int) -> EpisodeState:
        return cls(
            np.zeros(n, np.uint8),
            np.zeros(n, bool),
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.zeros(n, np.uint8),
        )

    def grow(self, n: int) -> None:
        fresh = EpisodeState.new(n)
        for f in fields(self):
            old = getattr(self, f.name)
            new = getattr(fresh, f.name)
            new[: old.shape[0]] = old
            setattr(self, f.name, new)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.{f.name}": getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_arrays(cls, prefix: str, arrays: dict[str, np.ndarray]) -> EpisodeState:
        return cls(*(arrays[f"{prefix}.{f.name}"] for f in fields(cls)))

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).itemsize for f in fields(self))


@dataclass(slots=True)
class Layout:
    """A batch sorted by (point, time): segment starts and the run structure helpers."""

    point: I32
    t: F64
    start: Bool
    first: I32
    last: I32
    seg_point: I32

    @property
    def single(self) -> bool:
        """One reading per point (a poll): every row starts its own segment."""
        return bool(self.first.shape[0] == self.point.shape[0])


@dataclass(slots=True)
class Episodes:
    """What one kernel pass found: opens, closes, and per-row episode facts."""

    open_point: I32
    open_at: F64
    open_peak: F64
    close_point: I32
    close_opened: F64
    close_at: F64
    close_peak: F64
    raw: U8
    row_opened: F64
    touched_point: I32
    touched_peak: F64
    touched_active: Bool
    touched_at: F64


def layout(point: I32, t: F64) -> Layout:
    """Segments of a batch already sorted by (point, time)."""
    n = point.shape[0]
    start = np.empty(n, bool)
    if n:
        start[0] = True
        np.not_equal(point[1:], point[:-1], out=start[1:])
    first = np.flatnonzero(start).astype(np.int32)
    last = np.empty_like(first)
    if first.shape[0]:
        last[:-1] = first[1:] - 1
        last[-1] = n - 1
    return Layout(point, t, start, first, last, point[first])


def run_episodes(
    st: EpisodeState, lay: Layout, v: F64, on: Bool, off: Bool, min_gap: float
) -> Episodes:
    """Advance one kind's episodes over a sorted batch; updates ``st`` in place."""
    n = lay.point.shape[0]
    if n == 0:
        return _no_episodes()
    p, t = lay.point, lay.t
    sig = np.full(n, -1, np.int8)
    sig[off] = 0
    sig[on] = 1
    seed = sig[lay.first]
    sig[lay.first] = np.where(seed < 0, st.raw[p[lay.first]], seed)
    idx = np.where(sig >= 0, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    raw = sig[idx].astype(np.uint8)

    change = np.empty(n, bool)
    if n:
        change[0] = True
        np.not_equal(raw[1:], raw[:-1], out=change[1:])
        change |= lay.start
    rs = np.flatnonzero(change)
    run_raw = raw[rs].astype(bool)
    run_t0 = t[rs]
    run_p = p[rs]
    run_first = lay.start[rs]
    run_last = np.append(run_first[1:], True)
    run_end = np.append(rs[1:], n) - 1
    next_t0 = np.append(run_t0[1:], np.nan)
    end_t = np.where(run_last, t[run_end], next_t0)

    st_active = st.active[run_p] & run_first
    st_below = np.where(st_active, st.below_since[run_p], np.nan)
    pending_in = st_active & ~np.isnan(st_below)

    low = ~run_raw
    ctx = low & (~run_first | st_active)
    b = np.where(run_first & pending_in, st_below, run_t0)
    closes = ctx & (end_t - b >= min_gap)
    pending = ctx & ~closes & run_last

    carried_close = run_raw & pending_in & (run_t0 - st_below >= min_gap)
    # A high run inside a segment follows a low run: it opens unless that run bridged a gap.
    prev_closes = np.append(False, (closes | ~ctx)[:-1]) & ~run_first
    opens = run_raw & ((run_first & (~st_active | carried_close)) | (~run_first & prev_closes))

    gstart = run_first | opens
    gid = np.cumsum(gstart) - 1
    gfirst = np.flatnonzero(gstart)
    g_carried = st_active[gfirst] & ~carried_close[gfirst]
    g_opened = np.where(g_carried, st.opened_at[run_p[gfirst]], run_t0[gfirst])
    run_max = np.maximum.reduceat(v, rs) if n else np.empty(0)
    run_max = np.where(run_raw, run_max, -np.inf)
    g_peak = np.maximum.reduceat(run_max, gfirst) if n else np.empty(0)
    g_peak = np.where(g_carried, np.fmax(g_peak, st.peak[run_p[gfirst]]), g_peak)

    oc = np.flatnonzero(opens)
    cl = np.flatnonzero(closes)
    cc = np.flatnonzero(carried_close)
    close_point = np.concatenate([run_p[cc], run_p[cl]])
    close_opened = np.concatenate([st.opened_at[run_p[cc]], g_opened[gid[cl]]])
    close_at = np.concatenate([st_below[cc], b[cl]])
    close_peak = np.concatenate([st.peak[run_p[cc]], g_peak[gid[cl]]])

    row_run = np.cumsum(change) - 1
    row_opened = g_opened[gid[row_run]]

    lr = np.flatnonzero(run_last)
    seg_p = run_p[lr]
    lg = gid[lr]
    active_end = run_raw[lr] | pending[lr]
    st.raw[seg_p] = run_raw[lr]
    st.active[seg_p] = active_end
    st.below_since[seg_p] = np.where(pending[lr], b[lr], np.nan)
    st.opened_at[seg_p] = np.where(active_end, g_opened[lg], np.nan)
    st.peak[seg_p] = np.where(active_end, g_peak[lg], np.nan)
    return Episodes(
        run_p[oc],
        run_t0[oc],
        g_peak[gid[oc]],
        close_point,
        close_opened,
        close_at,
        close_peak,
        raw,
        row_opened,
        seg_p,
        st.peak[seg_p],
        active_end,
        t[run_end[lr]],
    )


def _no_episodes() -> Episodes:
    i, f, b = np.empty(0, np.int32), np.empty(0), np.empty(0, bool)
    return Episodes(i, f, f, i, f, f, f, np.empty(0, np.uint8), f, i, f, b, f)


def hot_rows(st: EpisodeState, lay: Layout, on: Bool) -> I32 | None:
    """Rows of the segments that can change anything: a point with an ``on`` reading, or one
    whose episode or raw condition is already up. None means every row (no subsetting).

    Most points are quiet most of the time, so the kernel usually runs on a few rows only.
    """
    if not lay.first.shape[0]:
        return None
    sp = lay.seg_point
    single = lay.single  # a poll: one row per segment, no reduction needed
    hot = (on if single else np.logical_or.reduceat(on, lay.first)) | st.active[sp]
    hot |= st.raw[sp] != 0
    n_hot = int(np.count_nonzero(hot))
    if n_hot == hot.shape[0]:
        return None
    if single:
        few: I32 = np.flatnonzero(hot).astype(np.int32)
        return few
    lengths = lay.last - lay.first + 1
    rows: I32 = np.flatnonzero(np.repeat(hot, lengths)).astype(np.int32)
    return rows


def run_sparse(
    st: EpisodeState, lay: Layout, v: F64, on: Bool, off: Bool, min_gap: float
) -> tuple[Episodes, I32 | None]:
    """:func:`run_episodes` on the hot rows only; returns the rows used (None: all)."""
    rows = hot_rows(st, lay, on)
    if rows is None:
        return run_episodes(st, lay, v, on, off, min_gap), None
    sub = layout(lay.point[rows], lay.t[rows])
    return run_episodes(st, sub, v[rows], on[rows], off[rows], min_gap), rows


def close_due(st: EpisodeState, now: float, min_gap: float) -> tuple[I32, F64, F64, F64]:
    """Pending closes whose quiet spell has lasted ``min_gap`` by ``now`` (timer path)."""
    due = np.flatnonzero(st.active & (now - st.below_since >= min_gap)).astype(np.int32)
    out = (due, st.opened_at[due].copy(), st.below_since[due].copy(), st.peak[due].copy())
    st.active[due] = False
    st.below_since[due] = np.nan
    st.opened_at[due] = np.nan
    st.peak[due] = np.nan
    return out
