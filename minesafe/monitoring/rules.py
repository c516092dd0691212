"""When an alarm stops being current, and how a point's live state reads (MON-1..MON-3).

Pure functions, no database and no clock: the services feed them the stored 1-minute
statistics of the alarm's point and the point's own thresholds, the same thresholds the engine
judges readings by (``minesafe.engine.pointrules``). The engine closes the episodes it raised
from its own state; an open alarm it does not hold (one loaded with the demo, or one whose
engine state was lost) would otherwise stay open for ever. :func:`cleared_at` applies the
engine's closing rule of each kind to the stored data instead, so such an alarm ends exactly
when its condition stopped holding:

- over_limit / long_duration: a whole minute below the restore threshold (解报门限; the alarm
  threshold when none is set) and, for a lower alarm, above the lower restore threshold;
- high_value: a whole minute below ``restore_below`` of the engine's rules (甲烷 1.5 %);
- power_off_failed: a whole minute below the power-on threshold (复电门限, else 断电门限);
- out_of_range / negative_value: a whole minute back inside the range / not negative;
- line_break / missing_point: the point's data came back (a minute after the opening);
- network_down (the whole mine): any point of the mine reported again;
- flat_line: a minute whose values moved by more than the engine's ``epsilon``.

Other kinds (personnel, frequency, configuration) are judged on data these statistics do not
hold: only the engine closes them, and :func:`cleared_at` answers None ("not decided here").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The kinds whose closing this module decides from stored statistics.
VALUE_KINDS = frozenset(
    {
        "over_limit",
        "long_duration",
        "high_value",
        "power_off_failed",
        "out_of_range",
        "negative_value",
    }
)
DATA_BACK_KINDS = frozenset({"line_break", "missing_point"})
MINE_DATA_BACK_KINDS = frozenset({"network_down"})
FLAT_KINDS = frozenset({"flat_line"})
DECIDED_KINDS = VALUE_KINDS | DATA_BACK_KINDS | MINE_DATA_BACK_KINDS | FLAT_KINDS
MINUTE = dt.timedelta(minutes=1)

NORMAL, ALARM, NO_DATA = "normal", "alarm", "nodata"


@dataclass(frozen=True)
class Minute:
    """One stored 1-minute statistic: its bucket start, maximum and minimum."""

    bucket: dt.datetime
    max: float
    min: float


@dataclass(frozen=True)
class Limits:
    """A point's thresholds as the mine defined them (None when not configured)."""

    alarm_high: float | None = None
    restore_high: float | None = None
    alarm_low: float | None = None
    restore_low: float | None = None
    power_off_high: float | None = None
    power_on_high: float | None = None
    range_low: float | None = None
    range_high: float | None = None


@dataclass(frozen=True)
class ClosingRules:
    """The engine's parameters the closing rules need (``engine/data/rules.yaml``)."""

    high_value_restore_below: float
    flat_epsilon: float

    @classmethod
    def of(cls, rules: Mapping[str, Any]) -> ClosingRules:
        return cls(
            high_value_restore_below=float(rules["high_value"]["restore_below"]),
            flat_epsilon=float(rules["flat_line"]["epsilon"]),
        )


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _first(*values: float | None) -> float | None:
    for value in values:
        if _num(value) is not None:
            return value
    return None


def value_cleared(kind: str, minute: Minute, limits: Limits, rules: ClosingRules) -> bool | None:
    """Whether the whole minute satisfies the closing condition of a value kind; None when the
    point lacks the threshold the rule needs (the rule cannot be applied)."""
    if kind in ("over_limit", "long_duration"):
        high = _first(limits.restore_high, limits.alarm_high)
        low_alarm = _num(limits.alarm_low)
        low = _first(limits.restore_low, low_alarm)
        has_low = low_alarm is not None and low_alarm > (_num(limits.range_low) or -math.inf)
        if high is None and not has_low:
            return None
        below = high is None or minute.max < high
        above = not has_low or low is None or minute.min > low
        return below and above
    if kind == "high_value":
        return minute.max < rules.high_value_restore_below
    if kind == "power_off_failed":
        on = _first(limits.power_on_high, limits.power_off_high)
        return None if on is None else minute.max < on
    if kind == "negative_value":
        return minute.min >= 0
    if kind == "out_of_range":
        lo, hi = _num(limits.range_low), _num(limits.range_high)
        if lo is None and hi is None:
            return None
        return (lo is None or minute.min >= lo) and (hi is None or minute.max <= hi)
    return None


def cleared_at(
    kind: str,
    opened_at: dt.datetime,
    minutes: Iterable[Minute],
    limits: Limits,
    rules: ClosingRules,
) -> dt.datetime | None:
    """When the alarm's condition stopped holding, by the stored minutes of its subject (the
    point's, or for network_down any point's of the mine), oldest first; None while it holds,
    when the data does not tell, or when the kind is not decided from statistics.

    Value kinds look at minutes from the one the alarm opened in (that minute holds the reading
    that opened it, so it never clears by itself); data-back kinds need a minute starting at or
    after the opening. The time returned is the start of the first minute that satisfies the
    rule (the condition had ended by then)."""
    if kind not in DECIDED_KINDS:
        return None
    opening_minute = opened_at.replace(second=0, microsecond=0)
    for minute in minutes:
        if minute.bucket < opening_minute:
            continue
        if kind in VALUE_KINDS:
            if value_cleared(kind, minute, limits, rules):
                return max(minute.bucket, opened_at)
            continue
        after = minute.bucket >= opened_at
        moved = minute.max - minute.min > rules.flat_epsilon
        if after and (kind not in FLAT_KINDS or moved):
            return minute.bucket
    return None


def point_state(
    newest_bucket: dt.datetime | None,
    current_levels: Sequence[int],
    now: dt.datetime,
    no_data_minutes: int,
) -> tuple[str, int | None]:
    """A point's state on the live pages and its level: 无数据 when its newest minute ended more
    than ``no_data_minutes`` ago (or never) — whatever alarm is open on it, since nothing says
    what it reads now; else 报警 at the worst level of the alarms still current on it; else
    正常."""
    if newest_bucket is None or now - (newest_bucket + MINUTE) > dt.timedelta(
        minutes=no_data_minutes
    ):
        return NO_DATA, None
    if current_levels:
        return ALARM, min(current_levels)
    return NORMAL, None


def sensor_group(code: str, names: Mapping[str, str]) -> str:
    """The Chinese group heading of a sensor type code; an unknown code is named as such."""
    name = names.get(code)
    if name:
        return name
    return f"其他（代码 {code}）" if code else "其他（未填类型）"
