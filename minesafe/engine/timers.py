"""The engine's timing rules, stated once: when silence becomes an alarm and when an episode
may close (MON-2, MON-3).

- A **line break** is due ``polling_cycles`` polling intervals after a point's last reading,
  and only while its mine kept reporting for at least one interval after the point went quiet
  (when the whole mine stops it is a **network_down**, due ``silence_s`` after the mine's last
  reading, not a line break at every point).
- A **missing point** (defined, never reported) is due ``grace_s`` after its mine's first
  reading.
- An episode below its restore threshold closes only after the kind's **minimum gap**
  (``min_gap_s``, anti-flapping); long_duration is the same episode as over_limit and follows
  its gap.

The readings path (silences visible in the data, :mod:`minesafe.engine.pointrules`), the timers
(:func:`timer_events`) and the deadlines the runner sleeps until (:func:`deadlines`) all read
these functions, so the three can never disagree. Pure: no I/O, ``now`` comes from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from minesafe.engine import kernel
from minesafe.engine.config import EngineConfig
from minesafe.engine.events import Action, AlarmKind
from minesafe.engine.model import F64, Bool, RawEvents
from minesafe.engine.registry import PointRegistry
from minesafe.engine.state import KERNEL_KINDS, PointState


def min_gap(config: EngineConfig, kind: AlarmKind) -> float:
    """Seconds an episode must stay below its restore threshold before it closes."""
    rule = AlarmKind.OVER_LIMIT if kind is AlarmKind.LONG_DURATION else kind
    return float(config.rules.get(rule.value, {}).get("min_gap_s", 0))


def line_break_due(config: EngineConfig, last_t: F64, dt_est: F64) -> F64:
    """When each point's silence becomes a line break."""
    return last_t + float(config.rules["line_break"]["polling_cycles"]) * dt_est


def mine_kept_reporting(mine_last_t: F64, last_t: F64, dt_est: F64) -> Bool:
    """Whether each point's mine reported a polling interval after the point went quiet."""
    kept: Bool = mine_last_t >= last_t + dt_est
    return kept


def network_down_due(config: EngineConfig, mine_last_t: F64) -> F64:
    """When each mine's silence becomes a network_down."""
    return mine_last_t + float(config.rules["network_down"]["silence_s"])


def missing_point_due(config: EngineConfig, mine_first_t: F64) -> F64:
    """When a defined point that never reported becomes a missing_point."""
    return mine_first_t + float(config.rules["missing_point"]["grace_s"])


@dataclass(frozen=True, slots=True)
class Silences:
    """The due times of every silence rule over the current registry, and the conditions the
    timers and the deadlines read alongside."""

    line_break: F64  # per point
    alive: Bool  # per point: its mine kept reporting after it went quiet
    missing_point: F64  # per point
    never_reported: Bool  # per point
    network_down: F64  # per mine


def _silences(state: PointState, registry: PointRegistry, config: EngineConfig) -> Silences:
    tr, mt = state.track, state.mines
    n, m = len(registry), len(registry.mines)
    mine, lt = registry.mine[:n], tr.last_t[:n]
    return Silences(
        line_break=line_break_due(config, lt, tr.dt_est[:n]),
        alive=mine_kept_reporting(mt.last_t[mine], lt, tr.dt_est[:n]),
        missing_point=missing_point_due(config, mt.first_t[mine]),
        never_reported=np.isnan(lt),
        network_down=network_down_due(config, mt.last_t[:m]),
    )


def timer_events(
    state: PointState, registry: PointRegistry, config: EngineConfig, now: float
) -> list[RawEvents]:
    """Everything due by ``now``: silences that open and episodes whose gap ran out."""
    out: list[RawEvents] = []
    tr, mt = state.track, state.mines
    n, m = len(registry), len(registry.mines)
    s = _silences(state, registry, config)
    lb = ~tr.lb_open[:n] & (s.line_break <= now) & s.alive
    _open_silence(
        out, AlarmKind.LINE_BREAK, np.flatnonzero(lb), s.line_break, tr.lb_open, tr.lb_opened
    )
    mdue = s.missing_point
    miss = s.never_reported & ~tr.missing_open[:n] & (mdue <= now)
    _open_silence(
        out, AlarmKind.MISSING_POINT, np.flatnonzero(miss), mdue, tr.missing_open, tr.missing_opened
    )
    ndue = s.network_down
    down = np.flatnonzero(~mt.net_open[:m] & (ndue <= now)).astype(np.int32)
    if down.shape[0]:
        mt.net_open[down] = True
        mt.net_opened[down] = ndue[down]
        nan = np.full(down.shape[0], np.nan)
        minus = np.full(down.shape[0], -1, np.int32)
        out.append(
            RawEvents(
                AlarmKind.NETWORK_DOWN, Action.OPEN, minus, ndue[down], nan, nan, ndue[down], down
            )
        )
    for kind in KERNEL_KINDS:
        gap = min_gap(config, kind)
        pts, opened, closed, peak = kernel.close_due(state.kinds[kind], now, gap)
        if pts.shape[0]:
            out.append(RawEvents(kind, Action.CLOSE, pts, opened, closed, peak, closed))
    return out


def deadlines(
    state: PointState, registry: PointRegistry, config: EngineConfig, clock: float
) -> list[F64]:
    """The times at which :func:`timer_events` (or the high-frequency window) will have
    something to do; a line break already due at ``clock`` waits for its mine to report."""
    tr, mt = state.track, state.mines
    n, m = len(registry), len(registry.mines)
    s = _silences(state, registry, config)
    due = s.line_break
    out = [due[~tr.lb_open[:n] & ((due > clock) | s.alive) & np.isfinite(due)]]
    mdue = s.missing_point
    out.append(mdue[s.never_reported & ~tr.missing_open[:n] & np.isfinite(mdue)])
    ndue = s.network_down
    out.append(ndue[~mt.net_open[:m] & np.isfinite(ndue)])
    for kind in KERNEL_KINDS:
        st = state.kinds[kind]
        pend = st.below_since[:n][st.active[:n] & ~np.isnan(st.below_since[:n])]
        out.append(pend + min_gap(config, kind))
    hf = state.hf_times[:n][tr.hf_open[:n]]
    out.append(hf[:, 0] + float(config.rules["high_frequency"]["window_s"]))
    return out


def _open_silence(
    out: list[RawEvents], kind: AlarmKind, pts: Any, due: F64, flag: Any, opened: F64
) -> None:
    if not pts.shape[0]:
        return
    pts = pts.astype(np.int32)
    flag[pts] = True
    opened[pts] = due[pts]
    nan = np.full(pts.shape[0], np.nan)
    out.append(RawEvents(kind, Action.OPEN, pts, due[pts], nan, nan, due[pts]))
