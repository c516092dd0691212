"""A year of monitoring history for the demo county: sensor points, alarms, minute statistics.

Plausible rows rather than a year of simulated readings through the engine (a year of 40 mines ×
300 points is ~38 billion readings): each mine gets the sensors of its working face, alarm
episodes arrive as a seeded Poisson process per kind (more methane trouble in high-gas mines),
levels come from the engine's own grading table, the last few episodes are still open, and the
most recent methane episodes carry their 1-minute curve. Idempotent: if the demo alarms are
there, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from minesafe.engine.config import EngineConfig
from minesafe.engine.events import AlarmKind as EngineKind
from minesafe.engine.grading import Grader
from minesafe.monitoring.choices import AlarmKind, StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint
from minesafe.registry.choices import MineStatus
from minesafe.registry.demo import BULK_PREFIX, DEMO_COUNTIES
from minesafe.registry.models import Mine

KEY_PREFIX = "demo-monitoring|"
DAYS = 365
#: (serial, sensor type, unit, location, range high, alarm, power-off) of every demo mine.
SENSORS = [
    (1, "0001", "%CH4", "1201采煤工作面回风隅角甲烷T0", 4.0, 1.0, 1.5),
    (2, "0001", "%CH4", "1201采煤工作面甲烷T1", 4.0, 1.0, 1.5),
    (3, "0001", "%CH4", "1201回风巷甲烷T2", 4.0, 1.0, 1.0),
    (4, "0001", "%CH4", "2302掘进工作面甲烷T1", 4.0, 1.0, 1.5),
    (5, "0004", "ppm", "1201回风巷一氧化碳", 500.0, 24.0, None),
    (6, "0009", "m/s", "1201回风巷风速", 15.0, 8.0, None),
]
#: Episodes a year per mine, by kind (high-gas and outburst mines have twice the methane rate).
RATES = {
    AlarmKind.OVER_LIMIT: 18.0,
    AlarmKind.LINE_BREAK: 14.0,
    AlarmKind.FLAT_LINE: 3.0,
    AlarmKind.NETWORK_DOWN: 3.0,
    AlarmKind.HIGH_VALUE: 0.8,
    AlarmKind.POWER_OFF_FAILED: 0.6,
    AlarmKind.AIR_BLOWN: 0.5,
    AlarmKind.OVER_STAFFING: 1.0,
    AlarmKind.OVERTIME_UNDERGROUND: 5.0,
}
GAS_KINDS = {AlarmKind.OVER_LIMIT, AlarmKind.HIGH_VALUE, AlarmKind.POWER_OFF_FAILED}
CURVES = 25  # the most recent methane episodes get their 1-minute statistics


def _code(mine: Mine, serial: int) -> str:
    return f"{mine.code}01MN{serial:012d}"[:28]


def _points(mine: Mine, now: dt.datetime) -> list[SensorPoint]:
    return [
        SensorPoint(
            mine=mine,
            code=_code(mine, n),
            sensor_type=kind,
            unit=unit,
            location=where,
            range_low=0.0,
            range_high=high,
            alarm_high=alarm,
            restore_high=alarm,
            power_off_high=off,
            power_on_high=alarm if off else None,
            defined_at=now - dt.timedelta(days=DAYS + 30),
            created_at=now,
            updated_at=now,
        )
        for n, kind, unit, where, high, alarm, off in SENSORS
    ]


def _episode(
    rng: random.Random, mine: Mine, kind: str, opened: dt.datetime, grader: Grader
) -> dict[str, Any]:
    """Subject, peak, duration, level and details of one plausible episode."""
    details: dict[str, Any] = {"source": "演示数据"}
    subject, peak, value = _code(mine, rng.choice([1, 2, 4])), None, None
    minutes = rng.lognormvariate(1.6, 0.8)
    ratio = 1.0
    if kind in GAS_KINDS:
        ratio = 1.0 + rng.expovariate(4.0)
        if kind == AlarmKind.HIGH_VALUE:
            ratio = max(ratio, 2.0 + rng.random())
        peak = value = round(ratio, 2)
        details.update(alarm_high=1.0, power_off_high=1.5, location=SENSORS[0][3])
    elif kind in (AlarmKind.LINE_BREAK, AlarmKind.FLAT_LINE, AlarmKind.AIR_BLOWN):
        subject = _code(mine, rng.randint(1, len(SENSORS)))
        minutes = rng.lognormvariate(2.5, 1.0)
    elif kind == AlarmKind.NETWORK_DOWN:
        subject, minutes = "", rng.lognormvariate(2.8, 0.9)
    else:  # personnel
        subject = "" if kind == AlarmKind.OVER_STAFFING else f"{mine.code}{rng.randint(1, 400):05d}"
        peak = value = float(rng.randint(31, 45)) if kind == AlarmKind.OVER_STAFFING else None
        ratio = (peak or 30) / 30
        minutes = rng.lognormvariate(3.5, 0.6)
        details["approved"] = 30 if kind == AlarmKind.OVER_STAFFING else None
    level = int(grader.grade(EngineKind(str(kind)), mine.gas_grade, ratio, value or 0.0))
    return {
        "point_code": subject,
        "level": level,
        "peak": peak,
        "last_value": value,
        "minutes": minutes,
        "details": details,
    }


def _alarms(mine: Mine, rng: random.Random, now: dt.datetime, grader: Grader) -> list[Alarm]:
    gassy = mine.gas_grade in ("high", "outburst")
    rows = []
    for kind, rate in RATES.items():
        per_day = rate * (2 if gassy and kind in GAS_KINDS else 1) / 365
        t = now - dt.timedelta(days=DAYS)
        while True:
            t += dt.timedelta(days=rng.expovariate(per_day))
            if t >= now:
                break
            ep = _episode(rng, mine, kind, t, grader)
            opened = t.replace(microsecond=0)
            closed = opened + dt.timedelta(minutes=ep.pop("minutes"))
            rows.append(
                Alarm(
                    mine=mine,
                    kind=kind,
                    opened_at=opened,
                    closed_at=closed if closed < now else None,
                    key=f"{KEY_PREFIX}{mine.code}|{ep['point_code']}|{kind}|{opened.timestamp():.0f}",
                    created_at=opened,
                    updated_at=min(closed, now),
                    **ep,
                )
            )
    return rows


def _curve(alarm: Alarm, now: dt.datetime) -> list[ReadingStat]:
    """The 1-minute max/min/avg of an over-limit episode's point, ±30 minutes around it."""
    start = alarm.opened_at.replace(second=0) - dt.timedelta(minutes=30)
    end = min(alarm.closed_at or now, now) + dt.timedelta(minutes=30)
    peak = alarm.peak or 1.2
    span = max(60.0, ((alarm.closed_at or now) - alarm.opened_at).total_seconds())
    rows, t = [], start
    while t <= min(end, now):
        x = (t - alarm.opened_at).total_seconds() / span
        bump = math.exp(-((x - 0.5) ** 2) / 0.18) if -0.5 < x < 1.5 else 0.0
        avg = 0.35 + (peak - 0.35) * bump
        rows.append(
            ReadingStat(
                mine_id=alarm.mine_id,
                point_code=alarm.point_code,
                period=StatPeriod.MINUTE,
                bucket=t,
                max=round(avg * 1.04, 3),
                min=round(avg * 0.96, 3),
                avg=round(avg, 3),
                count=6,
                created_at=now,
                updated_at=now,
            )
        )
        t += dt.timedelta(minutes=1)
    return rows


def _summary() -> str:
    alarms = Alarm.objects.filter(key__startswith=KEY_PREFIX)
    return (
        f"实时监测：{SensorPoint.objects.count()} 个测点，近一年报警 {alarms.count()} 条，"
        f"未结束 {alarms.filter(closed_at__isnull=True).count()} 条"
    )


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the demo county's monitoring history once; returns a one-line Chinese summary."""
    if Alarm.objects.filter(key__startswith=KEY_PREFIX).exists():
        return _summary()
    now = timezone.now()
    if today is not None and today != timezone.localdate(now):
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(16, 0)))
    rng = random.Random(f"{seed}-monitoring")
    grader = Grader(EngineConfig.load(today).grading)
    mines = (
        Mine.objects.filter(county__code__in=DEMO_COUNTIES)
        .exclude(name__startswith=BULK_PREFIX)
        .exclude(status=MineStatus.CLOSED)
        .order_by("code")
    )
    with transaction.atomic():
        points, alarms = [], []
        for mine in mines:
            if not SensorPoint.objects.filter(mine=mine).exists():
                points += _points(mine, now)
            alarms += _alarms(mine, rng, now, grader)
        SensorPoint.objects.bulk_create(points, batch_size=500)
        Alarm.objects.bulk_create(alarms, batch_size=500)
        recent = sorted(
            (a for a in alarms if a.kind == AlarmKind.OVER_LIMIT), key=lambda a: a.opened_at
        )[-CURVES:]
        saved = {a.key: a for a in Alarm.objects.filter(key__in=[a.key for a in recent])}
        stats = [row for a in recent for row in _curve(saved[a.key], now)]
        ReadingStat.objects.bulk_create(stats, batch_size=1000, ignore_conflicts=True)
    return _summary()
