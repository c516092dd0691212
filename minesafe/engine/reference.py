"""Scalar reference implementation of the point rules: one Python object per point, one
reading at a time, written for clarity (issue 3 §1).

It is the specification the vectorised path (:mod:`minesafe.engine.pointrules`) is tested
against with hypothesis, and the logic the simulator's Bytewax peer runs. Contract: feed each
point's readings in time order; a reading at or before the last one seen is ignored (as the
engine drops late duplicates). Events are :class:`RefEvent` tuples; the silence rules
(line_break, network_down, missing_point) need a whole mine's view and live in the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from minesafe.engine.config import EngineConfig
from minesafe.engine.events import Action, AlarmKind
from minesafe.engine.model import PointDef
from minesafe.engine.registry import gas_of
from minesafe.engine.timeutil import local_seconds_of_day

NAN = math.nan


class RefEvent(NamedTuple):
    kind: AlarmKind
    action: Action
    opened_at: float
    closed_at: float | None
    peak: float | None


@dataclass(slots=True)
class EpisodeRef:
    """One kind at one point: hysteresis on/off, anti-flapping gap, peak."""

    kind: AlarmKind
    min_gap: float
    raw: bool = False
    active: bool = False
    opened_at: float = NAN
    peak: float = NAN
    below_since: float = NAN

    def step(self, t: float, v: float, on: bool, off: bool) -> list[RefEvent]:
        if on:
            self.raw = True
        elif off:
            self.raw = False
        out: list[RefEvent] = []
        if self.raw:
            if self.active and not math.isnan(self.below_since):
                if t - self.below_since >= self.min_gap:
                    out.append(self._close(self.below_since))
                else:
                    self.below_since = NAN
            if not self.active:
                self.active, self.opened_at, self.peak = True, t, v
                out.append(RefEvent(self.kind, Action.OPEN, t, None, v))
            self.peak = max(self.peak, v)
        elif self.active:
            if math.isnan(self.below_since):
                self.below_since = t
            if t - self.below_since >= self.min_gap:
                out.append(self._close(self.below_since))
        return out

    def timer(self, now: float) -> list[RefEvent]:
        pending = self.active and not math.isnan(self.below_since)
        if pending and now - self.below_since >= self.min_gap:
            return [self._close(self.below_since)]
        return []

    def _close(self, at: float) -> RefEvent:
        ev = RefEvent(self.kind, Action.CLOSE, self.opened_at, at, self.peak)
        self.active, self.opened_at, self.peak, self.below_since = False, NAN, NAN, NAN
        return ev


@dataclass(slots=True)
class PointRef:
    """Every value rule of one point, reading by reading."""

    point: PointDef
    config: EngineConfig
    windows: list[tuple[float, float]] | None = None
    gas: str = ""
    episodes: dict[AlarmKind, EpisodeRef] = field(default_factory=dict)
    last_t: float = NAN
    last_v: float = NAN
    prev_v: float = NAN
    flat_since: float = NAN
    changes: int = 0
    hf_times: list[float] = field(default_factory=list)
    hf_open: bool = False
    hf_opened: float = NAN

    def __post_init__(self) -> None:
        self.gas = gas_of(self.point, self.config.sensor_types)
        rules = self.config.rules
        for kind in (
            AlarmKind.OVER_LIMIT,
            AlarmKind.HIGH_VALUE,
            AlarmKind.POWER_OFF_FAILED,
            AlarmKind.AIR_BLOWN,
            AlarmKind.OUT_OF_RANGE,
            AlarmKind.NEGATIVE_VALUE,
            AlarmKind.CALIBRATION_OUTSIDE_WINDOW,
        ):
            self.episodes[kind] = EpisodeRef(kind, float(rules[kind.value].get("min_gap_s", 0)))
        gap = float(rules["over_limit"]["min_gap_s"])
        self.episodes[AlarmKind.LONG_DURATION] = EpisodeRef(AlarmKind.LONG_DURATION, gap)
        self.episodes[AlarmKind.FLAT_LINE] = EpisodeRef(AlarmKind.FLAT_LINE, 0.0)

    def on_reading(self, t: float, v: float, status: int) -> list[RefEvent]:
        if not math.isnan(self.last_t) and t <= self.last_t:
            return []
        p, rules = self.point, self.config.rules
        out = self._hf_due(t)
        unjudged = int(rules["status_unjudged_mask"]) | 4
        judged = p.value_type != "KG" and not status & unjudged
        ep = self.episodes
        out += self._over_limit(t, v, judged)
        out += self._high_value(t, v, judged)
        ol = ep[AlarmKind.OVER_LIMIT]
        age_ok = ol.raw and t - ol.opened_at >= float(rules["long_duration"]["at_least_s"])
        out += ep[AlarmKind.LONG_DURATION].step(t, v, age_ok, not ol.raw)
        out += self._power_off(t, v, status, judged)
        out += self._flat(t, v, judged)
        out += self._air_blown(t, v, judged)
        out += self._range(t, v, status, judged)
        below = float(rules["negative_value"]["below"])
        neg_judged = judged and not p.range_lo < 0
        out += ep[AlarmKind.NEGATIVE_VALUE].step(
            t, v, neg_judged and v < below, neg_judged and v >= below
        )
        out += self._calibration(t, v, status)
        self.prev_v, self.last_v, self.last_t = self.last_v, v, t
        return out

    def on_timer(self, now: float) -> list[RefEvent]:
        out = self._hf_due(now)
        for ep in self.episodes.values():
            out += ep.timer(now)
        return out

    # -- rules ---------------------------------------------------------------------------------
    def _over_limit(self, t: float, v: float, judged: bool) -> list[RefEvent]:
        p = self.point
        restore = p.alarm_hi if math.isnan(p.restore_hi) else p.restore_hi
        lo_on_enabled = p.alarm_lo > p.range_lo
        r_lo = p.alarm_lo if math.isnan(p.restore_lo) else p.restore_lo
        on = judged and (v >= p.alarm_hi or (lo_on_enabled and v <= p.alarm_lo))
        off = judged and not v >= restore and not (lo_on_enabled and v <= r_lo)
        out = self.episodes[AlarmKind.OVER_LIMIT].step(t, v, on, off)
        for ev in out:
            if ev.action is Action.OPEN:
                out = out + self._hf_open(t)
        return out

    def _high_value(self, t: float, v: float, judged: bool) -> list[RefEvent]:
        prm = self.config.rules["high_value"]
        is_gas = self.gas in prm["gases"]
        on = judged and is_gas and v >= float(prm["at_least"])
        off = judged and is_gas and v < float(prm["restore_below"])
        return self.episodes[AlarmKind.HIGH_VALUE].step(t, v, on, off)

    def _power_off(self, t: float, v: float, status: int, judged: bool) -> list[RefEvent]:
        p = self.point
        pon = p.poweroff_hi if math.isnan(p.poweron_hi) else p.poweron_hi
        cut = bool(status & 2)
        on = judged and v >= p.poweroff_hi and not cut
        off = judged and (not v >= pon or cut)
        return self.episodes[AlarmKind.POWER_OFF_FAILED].step(t, v, on, off)

    def _flat(self, t: float, v: float, judged: bool) -> list[RefEvent]:
        prm = self.config.rules["flat_line"]
        eps = float(prm["epsilon"])
        brk = not abs(v - self.last_v) <= eps
        if brk:
            self.flat_since = t
            self.changes += 1
        varied = self.changes - 1 >= int(prm["min_changes"])
        on = judged and varied and t - self.flat_since >= float(prm["at_least_s"]) and abs(v) > eps
        return self.episodes[AlarmKind.FLAT_LINE].step(t, v, on, brk)

    def _air_blown(self, t: float, v: float, judged: bool) -> list[RefEvent]:
        prm = self.config.rules["air_blown"]
        a = self.point.alarm_hi
        near = float(prm["near_zero_ratio"]) * a
        on = (
            judged
            and self.last_v >= float(prm["rise_floor_ratio"]) * a
            and self.last_v > self.prev_v
            and v <= near
        )
        return self.episodes[AlarmKind.AIR_BLOWN].step(t, v, on, judged and v > near)

    def _range(self, t: float, v: float, status: int, judged: bool) -> list[RefEvent]:
        p = self.point
        negative = v < 0 and not p.range_lo < 0
        cond = bool(status & 8) or v > p.range_hi or (v < p.range_lo and not negative)
        return self.episodes[AlarmKind.OUT_OF_RANGE].step(
            t, v, judged and cond, judged and not cond
        )

    def _calibration(self, t: float, v: float, status: int) -> list[RefEvent]:
        cal = bool(status & 4)
        outside = cal
        if cal:
            if self.windows is None:
                a, b = (
                    _hhmm(x)
                    for x in self.config.rules["calibration_outside_window"]["default_daily_window"]
                )
                outside = not a <= local_seconds_of_day(t) < b
            else:
                outside = not any(s <= t < e for s, e in self.windows)
        return self.episodes[AlarmKind.CALIBRATION_OUTSIDE_WINDOW].step(t, v, outside, not cal)

    def _hf_open(self, t: float) -> list[RefEvent]:
        prm = self.config.rules["high_frequency"]
        n, window = int(prm["episodes"]), float(prm["window_s"])
        self.hf_times = [*self.hf_times, t][-n:]
        if not self.hf_open and len(self.hf_times) == n and t - self.hf_times[0] <= window:
            self.hf_open, self.hf_opened = True, t
            return [RefEvent(AlarmKind.HIGH_FREQUENCY, Action.OPEN, t, None, None)]
        return []

    def _hf_due(self, now: float) -> list[RefEvent]:
        window = float(self.config.rules["high_frequency"]["window_s"])
        if self.hf_open and self.hf_times[0] + window <= now:
            end = self.hf_times[0] + window
            self.hf_open = False
            return [RefEvent(AlarmKind.HIGH_FREQUENCY, Action.CLOSE, self.hf_opened, end, None)]
        return []


def _hhmm(text: str) -> float:
    h, m = text.split(":")
    return int(h) * 3600.0 + int(m) * 60.0
