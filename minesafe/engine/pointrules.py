"""The point rules over one sorted batch (issue 3 §1; MON-2, MON-3), vectorised with NumPy.

Each rule turns the batch into ``on`` / ``off`` masks and hands them to the episode kernel
(:mod:`minesafe.engine.kernel`); the data-quality rules that depend on silence (line_break,
network_down, missing_point) close here when data comes back and open in the engine's timer.
Every rule's parameters come from ``data/rules.yaml``; its scalar twin is in
:mod:`minesafe.engine.reference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from minesafe.engine.config import EngineConfig
from minesafe.engine.events import Action, AlarmKind
from minesafe.engine.kernel import Episodes, Layout, layout, run_sparse
from minesafe.engine.model import F64, I32, Bool, RawEvents, ReadingBatch
from minesafe.engine.registry import GAS_CODE, PointRegistry
from minesafe.engine.state import PointState
from minesafe.engine.timers import line_break_due, min_gap, mine_kept_reporting, network_down_due
from minesafe.engine.timeutil import local_seconds_of_day


@dataclass(slots=True)
class Rows:
    """The judged batch: sorted, deduplicated, with per-row thresholds gathered."""

    lay: Layout
    v: F64
    status: I32
    judged: Bool
    gas: Any
    a_hi: F64
    r_hi: F64


def prepare(
    batch: ReadingBatch, ps: PointState, stats: dict[str, int]
) -> tuple[Layout, I32] | None:
    """Sort by (point, time), drop unknown points, duplicates and readings older than the state.

    A reading at or before the last judged time of its point is dropped and counted: replaying
    a file twice or receiving a late duplicate never double-counts an episode.
    """
    known = batch.point >= 0
    stats["unknown"] += int((~known).sum())
    p, t = batch.point[known], batch.t[known]
    fresh = ~(t <= ps.track.last_t[p])
    stats["late"] += int((~fresh).sum())
    sel: I32 = np.flatnonzero(known)[fresh].astype(np.int32)
    p, t = batch.point[sel], batch.t[sel]
    dup = np.zeros(p.shape[0], bool)
    if p.shape[0] > 1 and not bool(np.all(p[1:] > p[:-1])):
        # Not one reading per point in point order (a poll): sort by (point, time).
        order = np.lexsort((t, p))
        sel, p, t = sel[order], p[order], t[order]
        dup[1:] = (p[1:] == p[:-1]) & (t[1:] == t[:-1])
    stats["duplicate"] += int(dup.sum())
    keep = ~dup
    if not keep.any():
        return None
    lay = layout(p[keep].astype(np.int32), t[keep])
    rows: I32 = sel[keep]
    stats["judged"] += int(rows.shape[0])
    return lay, rows


def evaluate(
    batch: ReadingBatch,
    reg: PointRegistry,
    ps: PointState,
    config: EngineConfig,
    windows: dict[int, list[tuple[float, float]]],
    stats: dict[str, int],
) -> list[RawEvents]:
    """All point rules over one batch; updates ``ps`` and returns the raw events."""
    prepared = prepare(batch, ps, stats)
    if prepared is None:
        return []
    lay, sel = prepared
    p = lay.point
    v = batch.value[sel]
    status = batch.status[sel]
    rules = config.rules
    judged = reg.analog[p] & ((status & (int(rules["status_unjudged_mask"]) | 4)) == 0)
    th = reg.th
    a_hi, r_hi = th["alarm_hi"][p], th["restore_hi"][p]
    r_hi = np.where(np.isnan(r_hi), a_hi, r_hi)
    gas = reg.gas[p]
    out: list[RawEvents] = []
    ol = _over_limit(lay, v, judged, th, p, a_hi, r_hi, ps, config, out)
    _high_value(lay, v, judged, gas, ps, config, out)
    _long_duration(lay, v, ol, ps, config, out)
    _power_off_failed(lay, v, status, judged, th, p, ps, config, out)
    prev = _shift(lay, v, ps.track.last_v)
    _flat_line(lay, v, prev, judged, ps, config, out)
    _air_blown(lay, v, judged, prev, a_hi, ps, config, out)
    _out_of_range(lay, v, status, judged, th, p, ps, config, out)
    _negative(lay, v, judged, th["range_lo"][p], ps, config, out)
    _calibration(lay, v, status, reg, ps, config, windows, out)
    _gaps_seen(lay, reg, ps, config, out)
    _silence_ends(lay, reg, ps, out)
    _track(lay, v, ps, config)
    return out


def _kernel(
    kind: AlarmKind,
    lay: Layout,
    v: F64,
    on: Bool,
    off: Bool,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> tuple[Episodes, I32 | None]:
    ep, rows = run_sparse(ps.kinds[kind], lay, v, on, off, min_gap(config, kind))
    nan = np.full(ep.open_point.shape[0], np.nan)
    if ep.open_point.shape[0]:
        out.append(
            RawEvents(kind, Action.OPEN, ep.open_point, ep.open_at, nan, ep.open_peak, ep.open_at)
        )
    if ep.close_point.shape[0]:
        out.append(
            RawEvents(
                kind,
                Action.CLOSE,
                ep.close_point,
                ep.close_opened,
                ep.close_at,
                ep.close_peak,
                ep.close_at,
            )
        )
    act = ep.touched_active
    if act.any():
        tp = ep.touched_point[act]
        st = ps.kinds[kind]
        out.append(
            RawEvents(
                kind,
                Action.UPDATE,
                tp,
                st.opened_at[tp],
                np.full(tp.shape[0], np.nan),
                ep.touched_peak[act],
                ep.touched_at[act],
            )
        )
    return ep, rows


def _over_limit(
    lay: Layout,
    v: F64,
    judged: Bool,
    th: dict[str, F64],
    p: I32,
    a_hi: F64,
    r_hi: F64,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> tuple[Episodes, I32 | None]:
    """MON-2 over_limit: on at >= alarm (or <= a lower alarm), off below restore (hysteresis)."""
    a_lo, r_lo, lo_rng = th["alarm_lo"][p], th["restore_lo"][p], th["range_lo"][p]
    lo_on = (a_lo > lo_rng) & (v <= a_lo)
    r_lo = np.where(np.isnan(r_lo), a_lo, r_lo)
    on = judged & ((v >= a_hi) | lo_on)
    off = judged & ~(v >= r_hi) & ~((a_lo > lo_rng) & (v <= r_lo))
    return _kernel(AlarmKind.OVER_LIMIT, lay, v, on, off, ps, config, out)


def _high_value(
    lay: Layout,
    v: F64,
    judged: Bool,
    gas: Any,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """MON-2 high_value: CH4 >= 2 % (configurable) until it falls below the restore value."""
    prm = config.rules["high_value"]
    is_gas = np.isin(gas, [GAS_CODE[g] for g in prm["gases"]])
    on = judged & is_gas & (v >= float(prm["at_least"]))
    off = judged & is_gas & (v < float(prm["restore_below"]))
    _kernel(AlarmKind.HIGH_VALUE, lay, v, on, off, ps, config, out)


def _long_duration(
    lay: Layout,
    v: F64,
    ol: tuple[Episodes, I32 | None],
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """MON-2 long_duration: an over_limit episode older than T; ends with the episode."""
    ep, rows = ol
    n = lay.point.shape[0]
    up = ep.raw == 1
    t = lay.t if rows is None else lay.t[rows]
    limit = float(config.rules["long_duration"]["at_least_s"])
    old = up & (t - ep.row_opened >= limit)
    if rows is None:
        on, off = old, ~up
    else:
        on, off = np.zeros(n, bool), np.ones(n, bool)
        on[rows], off[rows] = old, ~up
    _kernel(AlarmKind.LONG_DURATION, lay, v, on, off, ps, config, out)


def _power_off_failed(
    lay: Layout,
    v: F64,
    status: I32,
    judged: Bool,
    th: dict[str, F64],
    p: I32,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """At or above the power-off threshold while status bit 2 (power cut) is not set."""
    poff, pon = th["poweroff_hi"][p], th["poweron_hi"][p]
    pon = np.where(np.isnan(pon), poff, pon)
    cut = (status & 2) != 0
    on = judged & (v >= poff) & ~cut
    off = judged & (~(v >= pon) | cut)
    _kernel(AlarmKind.POWER_OFF_FAILED, lay, v, on, off, ps, config, out)


def _shift(lay: Layout, x: F64, seed: F64) -> F64:
    """x of the previous reading of the same point (``seed`` for a segment's first row)."""
    if lay.single:
        out: F64 = seed[lay.point]
        return out
    prev = np.empty_like(x)
    prev[1:] = x[:-1]
    prev[lay.first] = seed[lay.point[lay.first]]
    return prev


def _flat_runs(lay: Layout, brk: Bool, flat_since: F64, changes_in: I32) -> tuple[F64, I32]:
    """Per row: when the current flat run began, and the point's count of value changes."""
    idx = np.where(brk | lay.start, np.arange(brk.shape[0]), 0)
    np.maximum.accumulate(idx, out=idx)
    since = np.where(brk, lay.t, np.nan)
    since[lay.first] = np.where(brk[lay.first], lay.t[lay.first], flat_since[lay.seg_point])
    cum = np.cumsum(brk)
    base: I32 = cum[lay.first] - brk[lay.first]
    seg_of = np.cumsum(lay.start) - 1
    changes: I32 = changes_in[lay.point] + cum - base[seg_of]
    return since[idx], changes


def _flat_line(
    lay: Layout,
    v: F64,
    prev: F64,
    judged: Bool,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """MON-3 flat_line: a point that has varied stays within ε for T (wrapped/covered)."""
    prm = config.rules["flat_line"]
    eps = float(prm["epsilon"])
    tr = ps.track
    brk = ~(np.abs(v - prev) <= eps)
    if lay.single:
        since = np.where(brk, lay.t, tr.flat_since[lay.point])
        changes = tr.changes[lay.point] + brk
    else:
        since, changes = _flat_runs(lay, brk, tr.flat_since, tr.changes)
    varied = changes - 1 >= int(prm["min_changes"])
    on = judged & varied & (lay.t - since >= float(prm["at_least_s"])) & (np.abs(v) > eps)
    off = brk
    _kernel(AlarmKind.FLAT_LINE, lay, v, on, off, ps, config, out)
    last = lay.last
    tr.flat_since[lay.point[last]] = since[last]
    tr.changes[lay.point[last]] = changes[last]


def _air_blown(
    lay: Layout,
    v: F64,
    judged: Bool,
    prev: F64,
    a_hi: F64,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """MON-3 air_blown: rising values then, at the next poll, a drop to near zero."""
    prm = config.rules["air_blown"]
    tr = ps.track
    prev2 = _shift(lay, prev, tr.prev_v)
    near = float(prm["near_zero_ratio"]) * a_hi
    on = judged & (prev >= float(prm["rise_floor_ratio"]) * a_hi) & (prev > prev2) & (v <= near)
    off = judged & (v > near)
    _kernel(AlarmKind.AIR_BLOWN, lay, v, on, off, ps, config, out)


def _out_of_range(
    lay: Layout,
    v: F64,
    status: I32,
    judged: Bool,
    th: dict[str, F64],
    p: I32,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """Outside the declared measuring range, or status bit 8 (超量程). Negatives: see below."""
    hi, lo = th["range_hi"][p], th["range_lo"][p]
    # A negative value of a sensor whose range starts at or above zero is negative_value's.
    negative = (v < 0) & ~(lo < 0)
    cond = ((status & 8) != 0) | (v > hi) | ((v < lo) & ~negative)
    _kernel(
        AlarmKind.OUT_OF_RANGE,
        lay,
        v,
        judged & cond,
        judged & ~cond,
        ps,
        config,
        out,
    )


def _negative(
    lay: Layout,
    v: F64,
    judged: Bool,
    lo: F64,
    ps: PointState,
    config: EngineConfig,
    out: list[RawEvents],
) -> None:
    """A concentration below zero: a faulty or tampered sensor (not for sensors whose declared
    range goes below zero, such as temperature or differential pressure)."""
    below = float(config.rules["negative_value"]["below"])
    judged = judged & ~(lo < 0)
    _kernel(
        AlarmKind.NEGATIVE_VALUE,
        lay,
        v,
        judged & (v < below),
        judged & (v >= below),
        ps,
        config,
        out,
    )


def _calibration(
    lay: Layout,
    v: F64,
    status: I32,
    reg: PointRegistry,
    ps: PointState,
    config: EngineConfig,
    windows: dict[int, list[tuple[float, float]]],
    out: list[RawEvents],
) -> None:
    """Status bit 4 (标校) outside the mine's declared windows (default: the day shift)."""
    cal = (status & 4) != 0
    outside = cal.copy()
    rows = np.flatnonzero(cal)
    if rows.shape[0]:
        a, b = (
            _hhmm(x) for x in config.rules["calibration_outside_window"]["default_daily_window"]
        )
        mines = reg.mine[lay.point[rows]]
        for r, m in zip(rows.tolist(), mines.tolist(), strict=True):
            t = float(lay.t[r])
            declared = windows.get(m)
            if declared is None:
                outside[r] = not a <= local_seconds_of_day(t) < b
            else:
                outside[r] = not any(s <= t < e for s, e in declared)
    _kernel(
        AlarmKind.CALIBRATION_OUTSIDE_WINDOW,
        lay,
        v,
        outside,
        ~cal,
        ps,
        config,
        out,
    )


def _hhmm(text: str) -> float:
    h, m = text.split(":")
    return int(h) * 3600.0 + int(m) * 60.0


def _silence_ends(lay: Layout, reg: PointRegistry, ps: PointState, out: list[RawEvents]) -> None:
    """Data came back: close line_break and missing_point at the point's first reading."""
    tr = ps.track
    sp = lay.point[lay.first]
    t0 = lay.t[lay.first]
    for kind, flag, opened in (
        (AlarmKind.LINE_BREAK, tr.lb_open, tr.lb_opened),
        (AlarmKind.MISSING_POINT, tr.missing_open, tr.missing_opened),
    ):
        hit = flag[sp]
        if hit.any():
            pts = sp[hit]
            out.append(
                RawEvents(
                    kind,
                    Action.CLOSE,
                    pts,
                    opened[pts].copy(),
                    t0[hit],
                    np.full(pts.shape[0], np.nan),
                    t0[hit],
                )
            )
            flag[pts] = False
            opened[pts] = np.nan


def _gaps_seen(
    lay: Layout, reg: PointRegistry, ps: PointState, config: EngineConfig, out: list[RawEvents]
) -> None:
    """Silences visible in the data itself (no timer ran meanwhile): open-and-close pairs.

    A point silent for more than k polls while its mine kept reporting is a line_break; a mine
    silent for more than T is a network_down. Then each mine's first and last times advance.
    """
    tr, mt = ps.track, ps.mines
    sp, t0 = lay.point[lay.first], lay.t[lay.first]
    seg_mine = reg.mine[sp]
    due = line_break_due(config, tr.last_t[sp], tr.dt_est[sp])
    alive = mine_kept_reporting(mt.last_t[seg_mine], tr.last_t[sp], tr.dt_est[sp])
    lb = ~tr.lb_open[sp] & (t0 > due) & alive
    if lb.any():
        pts = sp[lb]
        out.append(
            RawEvents(
                AlarmKind.LINE_BREAK,
                Action.OPEN,
                pts,
                due[lb],
                t0[lb],
                np.full(pts.shape[0], np.nan),
                due[lb],
            )
        )
        out.append(
            RawEvents(
                AlarmKind.LINE_BREAK,
                Action.CLOSE,
                pts,
                due[lb],
                t0[lb],
                np.full(pts.shape[0], np.nan),
                t0[lb],
            )
        )
    n_mines = mt.first_t.shape[0]
    first_all = np.full(n_mines, np.inf)
    np.minimum.at(first_all, seg_mine, t0)
    latest_all = np.full(n_mines, -np.inf)
    np.maximum.at(latest_all, seg_mine, lay.t[lay.last])
    mines = np.flatnonzero(np.isfinite(first_all))
    first, latest = first_all[mines], latest_all[mines]
    net_due = network_down_due(config, mt.last_t[mines])
    seen = ~mt.net_open[mines] & (first > net_due)
    if seen.any():
        nan = np.full(int(seen.sum()), np.nan)
        m = mines[seen].astype(np.int32)
        minus = np.full(m.shape[0], -1, np.int32)
        out.append(
            RawEvents(
                AlarmKind.NETWORK_DOWN,
                Action.OPEN,
                minus,
                net_due[seen],
                first[seen],
                nan,
                net_due[seen],
                m,
            )
        )
        out.append(
            RawEvents(
                AlarmKind.NETWORK_DOWN,
                Action.CLOSE,
                minus,
                net_due[seen],
                first[seen],
                nan,
                first[seen],
                m,
            )
        )
    back = mt.net_open[mines]
    if back.any():
        m = mines[back].astype(np.int32)
        out.append(
            RawEvents(
                AlarmKind.NETWORK_DOWN,
                Action.CLOSE,
                np.full(m.shape[0], -1, np.int32),
                mt.net_opened[m].copy(),
                first[back],
                np.full(m.shape[0], np.nan),
                first[back],
                m,
            )
        )
        mt.net_open[m] = False
        mt.net_opened[m] = np.nan
    mt.first_t[mines] = np.fmin(mt.first_t[mines], first)
    mt.last_t[mines] = np.fmax(mt.last_t[mines], latest)


def _track(lay: Layout, v: F64, ps: PointState, config: EngineConfig) -> None:
    """Remember last time/value and learn each point's polling interval from its gaps."""
    tr = ps.track
    last, first = lay.last, lay.first
    sp = lay.seg_point
    if lay.single:
        gap = lay.t - tr.last_t[sp]
        tr.prev_v[sp] = tr.last_v[sp]
    else:
        prev_t = np.where(last > first, lay.t[np.maximum(last - 1, 0)], tr.last_t[sp])
        gap = lay.t[last] - prev_t
        tr.prev_v[sp] = np.where(last > first, v[np.maximum(last - 1, 0)], tr.last_v[sp])
    est = tr.dt_est[sp]
    accept = ~(gap > 2 * est) & (gap > 0)
    max_poll = float(config.rules["line_break"]["max_poll_s"])
    tr.dt_est[sp] = np.where(accept, np.clip(gap, 1.0, max_poll), est)
    tr.last_v[sp] = v[last]
    tr.last_t[sp] = lay.t[last]
