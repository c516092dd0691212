"""Factories for the monitoring area: one sensor point, one alarm and one late reading per mine
(STYLE 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.models import Alarm, LateReading, SensorPoint


def point_code(mine: Any, n: int = 1) -> str:
    """A 28-character point code of ``mine`` (mine code, system 01, MN, serial)."""
    return f"{mine.code}01MN{n:012d}"[:28]


def make_sensor_point(mine: Any, n: int = 1, **extra: Any) -> SensorPoint:
    fields: dict[str, Any] = {
        "sensor_type": "0001",
        "unit": "%CH4",
        "location": "采煤工作面回风隅角甲烷T0",
        "range_low": 0.0,
        "range_high": 4.0,
        "alarm_high": 1.0,
        "restore_high": 1.0,
        "power_off_high": 1.5,
        "power_on_high": 1.0,
        **extra,
    }
    return SensorPoint.objects.create(mine=mine, code=point_code(mine, n), **fields)


def make_alarm(mine: Any, opened_at: dt.datetime, **extra: Any) -> Alarm:
    code = extra.pop("point_code", point_code(mine))
    kind = extra.pop("kind", AlarmKind.OVER_LIMIT)
    fields: dict[str, Any] = {
        "level": AlarmLevel.II,
        "closed_at": opened_at + dt.timedelta(minutes=4),
        "peak": 1.32,
        "last_value": 0.8,
        "details": {"alarm_high": 1.0, "location": "采煤工作面回风隅角甲烷T0"},
        **extra,
    }
    key = f"{mine.code}|{code}|{kind}|{opened_at.timestamp():.3f}"
    return Alarm.objects.create(
        mine=mine, point_code=code, kind=kind, opened_at=opened_at, key=key, **fields
    )


def make_late_reading(mine: Any, read_at: dt.datetime, **extra: Any) -> LateReading:
    fields: dict[str, Any] = {"value": 0.42, "status": 0, "worker": "engine", **extra}
    arrived_at = fields.pop("arrived_at", read_at + dt.timedelta(hours=1))
    return LateReading.objects.create(
        mine=mine, point_code=point_code(mine), read_at=read_at, arrived_at=arrived_at, **fields
    )


def furnish_monitoring(mine: Any, today: dt.date) -> None:
    """Give a mine a sensor point, an alarm and a late reading, so every monitoring route has
    one to open."""
    make_sensor_point(mine)
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12, 0)))
    make_alarm(mine, noon)
    make_late_reading(mine, noon)
