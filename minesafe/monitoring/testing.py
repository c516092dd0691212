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


def add_minutes(point: SensorPoint, start: dt.datetime, values: list[tuple[float, float]]) -> None:
    """1-minute statistics of ``point`` from ``start``: one (max, min) pair a minute."""
    from minesafe.monitoring.choices import StatPeriod
    from minesafe.monitoring.models import ReadingStat

    ReadingStat.objects.bulk_create(
        ReadingStat(
            mine_id=point.mine_id,
            point_code=point.code,
            period=StatPeriod.MINUTE,
            bucket=start + i * dt.timedelta(minutes=1),
            max=hi,
            min=lo,
            avg=round((hi + lo) / 2, 3),
            count=6,
        )
        for i, (hi, lo) in enumerate(values)
    )


def furnish_status(mine: Any, now: dt.datetime) -> dict[str, Any]:
    """A mine whose open alarm rows tell three stories (MON-1, MON-2):

    - ``active``: over-limit (III) on methane point 1, which still reads above 1.0 %;
    - ``cleared``: power-off-failed (II) on methane point 2, which now reads 0.27 %;
    - ``silent``: line break (IV) on wind point 3, whose data stopped 30 minutes ago.
    """
    minute = now.replace(second=0, microsecond=0)
    active = SensorPoint.objects.filter(mine=mine, code=point_code(mine)).first()
    if active is None:
        active = make_sensor_point(mine)
    gas = make_sensor_point(mine, 2, location="掘进工作面甲烷")
    wind = make_sensor_point(
        mine, 3, sensor_type="0006", unit="m/s", location="采煤工作面回风巷风速",
        alarm_high=6.0, restore_high=6.0, alarm_low=0.25, restore_low=0.25,
        power_off_high=None, power_on_high=None, range_high=15.0,
    )  # fmt: skip
    add_minutes(active, minute - dt.timedelta(minutes=40), [(0.5, 0.4)] * 20 + [(1.3, 1.1)] * 20)
    add_minutes(gas, minute - dt.timedelta(minutes=40), [(0.4, 0.3)] * 25 + [(1.7, 1.6)] * 5
                + [(0.28, 0.27)] * 10)  # fmt: skip
    add_minutes(wind, minute - dt.timedelta(minutes=90), [(2.2, 2.0)] * 60)
    active_alarm = make_alarm(
        mine,
        minute - dt.timedelta(minutes=19, seconds=-20),
        level=AlarmLevel.III,
        closed_at=None,
        peak=1.3,
    )
    details = {
        "alarm_hi": 1.0,
        "poweroff_hi": 1.5,
        "location": "掘进工作面甲烷",
        "sensor_type": "0001",
        "unit": "%CH4",
        "source": "规程 2025 第五百二十八条",
    }
    cleared = make_alarm(
        mine,
        minute - dt.timedelta(minutes=14, seconds=-10),
        level=AlarmLevel.II,
        closed_at=None,
        kind=AlarmKind.POWER_OFF_FAILED,
        point_code=gas.code,
        peak=1.7,
        details=details,
    )
    silent = make_alarm(
        mine,
        minute - dt.timedelta(minutes=29),
        level=AlarmLevel.IV,
        closed_at=None,
        kind=AlarmKind.LINE_BREAK,
        point_code=wind.code,
        peak=None,
        last_value=None,
    )
    return {
        "points": (active, gas, wind),
        "active": active_alarm,
        "cleared": cleared,
        "silent": silent,
        "gas_cleared_at": minute - dt.timedelta(minutes=10),
        "wind_last": minute - dt.timedelta(minutes=31),  # its newest minute
    }
