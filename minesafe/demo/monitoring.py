"""A year of monitoring history for the demo county: sensor points, alarms, minute statistics.

Plausible rows rather than a year of simulated readings through the engine (a year of 40 mines ×
300 points is ~38 billion readings): each mine gets the sensors of its working face, alarm
episodes arrive as a seeded Poisson process per kind (more methane trouble in high-gas mines),
levels come from the engine's own grading table, and the most recent methane episodes carry
their 1-minute curve. Episodes of the year's history have all ended: an episode still running
would claim a condition (a gas level, a person underground) the stored data does not show.
For the live pages a few scripted open alarms of every level, with data that shows their
condition, and fresh statistics (every point's last two hours of 1-minute rows; a day of
1-minute and a week of 5-minute rows at the featured mines; a year of 5-minute rows for one
methane point) make the board, the real-time page and the history charts look alive right
after loading; once the live feed's data shows a condition ended, the monitoring clock closes
the alarm by the same rule as a live one.
Idempotent: if the demo alarms are there, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.demo import feed
from minesafe.demo.registry import BULK_PREFIX, DEMO_COUNTIES
from minesafe.engine.config import EngineConfig
from minesafe.engine.events import AlarmKind as EngineKind
from minesafe.engine.grading import Grader
from minesafe.engine.model import PointDef
from minesafe.localtime import local_date
from minesafe.monitoring.choices import AlarmKind, StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint
from minesafe.monitoring.pipeline import point_fields
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.simulator.catalogue import mine_layout

KEY_PREFIX = "demo-monitoring|"
DAYS = 365
#: The featured points of every demo mine (history, curves, scripted alarms), by their position
#: in the simulator's layout; serial n is FEATURED[n - 1]. Every demo mine has all
#: ``feed.POINTS_PER_MINE`` points of the layout, defined exactly as the live feed streams them
#: (docs/demo.md), so history and live data share codes, locations and thresholds.
FEATURED = (
    "coal_face_corner_ch4",
    "coal_face_ch4",
    "coal_face_return_ch4",
    "dev_face_ch4",
    "coal_face_return_co",
    "coal_face_return_wind",
)


def _layout() -> tuple[list[PointDef], list[int]]:
    """The layout's definitions for a place-holder mine, and the index of each featured one."""
    defs = feed.layout_definitions("0" * 12, "", "low", 0.0)
    slots = mine_layout(feed.POINTS_PER_MINE)
    index = [next(i for i, s in enumerate(slots) if s.position == p) for p in FEATURED]
    return defs, index


_DEFS, _FEATURED_INDEX = _layout()
#: (serial, sensor type, unit, location, range high, alarm, power-off) of the featured points.
SENSORS = [
    (n, d.sensor_type, d.unit, d.location, d.range_hi, d.alarm_hi,
     None if math.isnan(d.poweroff_hi) else d.poweroff_hi)
    for n, d in enumerate((_DEFS[i] for i in _FEATURED_INDEX), start=1)
]  # fmt: skip
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
    """The code of featured point ``serial`` at ``mine`` (the simulator's code scheme)."""
    return f"{mine.code}{_DEFS[_FEATURED_INDEX[serial - 1]].point_code[12:]}"


def feed_mines() -> list[Mine]:
    """The demo mines with monitoring: the demo counties' mines, not the benchmark's bulk
    mines, not closed ones. The live feed streams exactly these."""
    return list(
        Mine.objects.filter(county__code__in=DEMO_COUNTIES)
        .exclude(name__startswith=BULK_PREFIX)
        .exclude(status=MineStatus.CLOSED)
        .order_by("code")
    )


def _points(mine: Mine, now: dt.datetime) -> list[SensorPoint]:
    defined = (now - dt.timedelta(days=DAYS + 30)).timestamp()
    defs = feed.layout_definitions(mine.code, mine.name, mine.gas_grade or "low", defined)
    return [
        SensorPoint(mine=mine, code=d.point_code, created_at=now, updated_at=now, **point_fields(d))
        for d in defs
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
            if closed >= now:  # the scripted open alarms, with their data, are the open ones
                continue
            rows.append(
                Alarm(
                    mine=mine,
                    kind=kind,
                    opened_at=opened,
                    closed_at=closed,
                    key=f"{KEY_PREFIX}{mine.code}|{ep['point_code']}|{kind}|{opened.timestamp():.0f}",
                    created_at=opened,
                    updated_at=closed,
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
    alarms = Alarm.objects.filter(
        Q(key__startswith=KEY_PREFIX) | Q(key__startswith=LIVE_KEY_PREFIX)
    )
    return (
        f"实时监测：{SensorPoint.objects.count()} 个测点，近一年报警 {alarms.count()} 条，"
        f"未结束 {alarms.filter(closed_at__isnull=True).count()} 条，"
        f"统计记录 {ReadingStat.objects.count()} 条"
    )


# --- the live pages' demo (issue 6 §4) ------------------------------------------------------------

LIVE_KEY_PREFIX = "demo-monitoring-live|"
#: Every featured point gets 1-minute statistics for this long before now (value and sparkline).
RECENT = dt.timedelta(hours=2)
#: ... and the layout's points other than the featured ones this long (the live feed, started
#: by ``make run``, continues them; demo load time stays small).
OTHER_RECENT = dt.timedelta(minutes=30)
#: The featured mines (the demo mine users' and those with scripted open alarms) get a whole
#: day of 1-minute statistics; the demo mine users' mines a week of 5-minute ones, and mine1's
#: first methane point a year of them.
FEATURED_MINUTES = dt.timedelta(days=1)
FEATURED_FIVE = dt.timedelta(days=7)
YEAR_FIVE = dt.timedelta(days=365)
#: (baseline, daily swing, noise) of a point's value by sensor type (the simulator's codes:
#: methane, CO, wind, temperature, O₂; switches read 1 = running / powered, air doors 0 = shut).
PROFILES = {
    "0001": (0.30, 0.08, 0.025),
    "0004": (6.0, 2.0, 0.6),
    "0006": (2.0, 0.2, 0.08),
    "0008": (21.0, 1.0, 0.15),
    "0010": (20.75, 0.02, 0.04),
    "1003": (1.0, 0.0, 0.0),
    "1008": (0.0, 0.0, 0.0),
    "1010": (1.0, 0.0, 0.0),
}
#: Scripted open alarms so the board shows all four levels: (who, serial, kind, level, peak,
#: minutes ago). ``who`` is a demo user whose mine it is, or an index into the other mines.
OPEN_ALARMS: list[tuple[str | int, int, str, int, float | None, int]] = [
    ("mine1", 2, AlarmKind.OVER_LIMIT, 3, 1.18, 9),
    ("mine2", 5, AlarmKind.LINE_BREAK, 4, None, 40),
    (0, 1, AlarmKind.HIGH_VALUE, 1, 2.26, 25),
    (1, 4, AlarmKind.POWER_OFF_FAILED, 2, 1.64, 14),
    (2, 3, AlarmKind.OVER_LIMIT, 3, 1.12, 6),
    (3, 6, AlarmKind.FLAT_LINE, 4, None, 180),
    (4, 5, AlarmKind.OVER_LIMIT, 4, 27.0, 5),
]


def _series(
    rng: np.random.Generator, sensor_type: str, start: dt.datetime, minutes: int, step: int
) -> npt.NDArray[np.float64]:
    """Plausible averages of one sensor over ``minutes`` at ``step``-minute buckets: a level,
    the day shift's swing, slower weekly and monthly drifts (mining advances, then moves on)
    and noise; bounded whatever the length, unlike a random walk."""
    base, swing, noise = PROFILES.get(sensor_type, PROFILES["0001"])
    t = np.arange(0, minutes, step, dtype=np.float64)
    hour = (start.hour * 60 + start.minute + t) / 60.0
    daily = swing * np.sin((hour - 9.0) / 24.0 * 2 * np.pi)  # busiest around the day shift
    phases = rng.random(3) * 2 * np.pi
    slow = base * (
        0.12 * np.sin(t / (7 * 1440) * 2 * np.pi + phases[0])
        + 0.2 * np.sin(t / (29 * 1440) * 2 * np.pi + phases[1])
        + 0.05 * np.sin(t / 200 * 2 * np.pi + phases[2])
    )
    if noise == 0.0:  # a switch: its state, steady
        return np.full(t.shape[0], base, dtype=np.float64)
    values = base * (1 + 0.15 * rng.random()) + daily + slow + rng.normal(0, noise, t.shape[0])
    clipped: npt.NDArray[np.float64] = np.clip(values, 0.01, None)
    return clipped


StatRow = tuple[Any, ...]


def _stat_rows(
    mine: Mine,
    code: str,
    period: int,
    start: dt.datetime,
    values: npt.NDArray[np.float64],
    rng: np.random.Generator,
    now: Any,
    flat_last: int = 0,
) -> list[StatRow]:
    """Rows in :data:`STAT_COLUMNS` order; ``now`` is already adapted for the database. The
    last ``flat_last`` rows have no spread (a flat line: every reading the same)."""
    spread = np.abs(rng.normal(0, 0.04, values.shape[0])) + 0.01
    if flat_last > 0:
        spread[-flat_last:] = 0.0
    adapt = connection.ops.adapt_datetimefield_value
    first = start.timestamp()
    samples = period // 10  # the national format reports every 10 s at most
    utc = dt.UTC
    return [
        (mine.pk, code, period,
         adapt(dt.datetime.fromtimestamp(first + i * period, utc)),
         round(v * (1 + s), 3), round(v * (1 - s), 3), round(v, 3), samples, now, now)
        for i, (v, s) in enumerate(zip(values.tolist(), spread.tolist(), strict=True))
    ]  # fmt: skip


STAT_COLUMNS = (
    "mine_id", "point_code", "period", "bucket", "max", "min", "avg", "count", "created_at",
    "updated_at",
)  # fmt: skip


def _insert_stats(rows: list[StatRow]) -> None:
    """Insert statistics rows, skipping buckets already stored (the episode curves).

    Plain ``executemany`` rather than ``bulk_create``: 200,000 model instances would cost most
    of the demo's time budget. ``ON CONFLICT DO NOTHING`` works on SQLite and PostgreSQL alike.
    """
    table = connection.ops.quote_name(ReadingStat._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in STAT_COLUMNS)
    marks = ", ".join(["%s"] * len(STAT_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def _bump(values: npt.NDArray[np.float64], minutes_ago: int, peak: float | None) -> None:
    """Raise the last ``minutes_ago`` minutes of a series towards ``peak`` (an open episode)."""
    if peak is None or minutes_ago <= 0:
        return
    n = min(minutes_ago, values.shape[0])
    values[-n:] = np.maximum(values[-n:], np.linspace(peak * 0.93, peak, n))


def _live_alarms(
    mines: list[Mine], users: dict[str, Mine], now: dt.datetime
) -> tuple[list[Alarm], dict[tuple[int, int], Alarm]]:
    """The scripted open alarms, and which (mine, serial) each one sits on."""
    others = [m for m in mines if m not in users.values()]
    rows, where = [], {}
    for who, serial, kind, level, peak, ago in OPEN_ALARMS:
        mine = users.get(who) if isinstance(who, str) else None
        if mine is None:
            if not isinstance(who, int) or who >= len(others):
                continue
            mine = others[who]
        opened = (now - dt.timedelta(minutes=ago)).replace(second=0, microsecond=0)
        _type, unit, location, _high, alarm, off = SENSORS[serial - 1][1:]
        alarm_row = Alarm(
            mine=mine,
            point_code=_code(mine, serial),
            kind=kind,
            level=level,
            opened_at=opened,
            closed_at=None,
            peak=peak,
            last_value=peak,
            details={"source": "演示数据", "location": location, "alarm_high": alarm,
                     "power_off_high": off, "unit": unit},
            key=f"{LIVE_KEY_PREFIX}{mine.code}|{serial}|{kind}",
            created_at=opened,
            updated_at=now,
        )  # fmt: skip
        rows.append(alarm_row)
        where[(mine.pk, serial)] = alarm_row
    return rows, where


def load_live_demo(mines: list[Mine], seed: int, now: dt.datetime) -> None:
    """Open alarms of every level and fresh statistics, so the board, the real-time page and
    the history charts look alive right after ``make run``. Once: the scripted alarms mark it."""
    if Alarm.objects.filter(key__startswith=LIVE_KEY_PREFIX).exists() or not mines:
        return
    rng = np.random.default_rng([seed, 6])
    users: dict[str, Mine] = {}
    for user in User.objects.filter(username__in=["mine1", "mine2"]).select_related("mine"):
        if user.mine is not None and user.mine in mines:
            users[user.username] = user.mine
    alarms, where = _live_alarms(mines, users, now)
    featured = {pk for pk, _ in where} | {m.pk for m in users.values()}
    year_mine = users.get("mine1") or mines[0]
    minute_now = now.replace(second=0, microsecond=0)
    five_now = minute_now - dt.timedelta(minutes=minute_now.minute % 5)
    stats: list[StatRow] = []
    stamp = connection.ops.adapt_datetimefield_value(now)
    for mine in mines:
        long = mine.pk in featured
        for serial in range(1, len(SENSORS) + 1):
            alarm = where.get((mine.pk, serial))
            span = FEATURED_MINUTES if long else RECENT
            # A line break ends the point's data when it opened; the others run to the last
            # closed minute.
            end = alarm.opened_at if alarm and alarm.kind == AlarmKind.LINE_BREAK else minute_now
            start = minute_now - span
            minutes = int((end - start).total_seconds() // 60)
            if minutes <= 1:
                continue
            values = _series(rng, SENSORS[serial - 1][1], start, minutes, 1)
            flat = 0
            if alarm is not None and alarm.kind == AlarmKind.FLAT_LINE:
                # flat since an hour before the alarm (the engine's at_least_s)
                flat = min(int((minute_now - alarm.opened_at).total_seconds() // 60) + 60,
                           minutes - 1)  # fmt: skip
                values[-flat:] = round(float(values[-flat - 1]), 2)
            elif alarm is not None:
                _bump(values, int((minute_now - alarm.opened_at).total_seconds() // 60), alarm.peak)
            code = _code(mine, serial)
            stats += _stat_rows(mine, code, StatPeriod.MINUTE, start, values, rng, stamp, flat)
            if mine in users.values():
                span5 = YEAR_FIVE if mine == year_mine and serial == 1 else FEATURED_FIVE
                start5 = five_now - span5
                n5 = int(span5.total_seconds() // 300)
                values5 = _series(rng, SENSORS[serial - 1][1], start5, n5 * 5, 5)
                stats += _stat_rows(mine, code, StatPeriod.FIVE_MINUTES, start5, values5, rng, now)
        # the layout's other points: their last half hour, so no point reads 无数据
        start = minute_now - OTHER_RECENT
        for k, d in enumerate(_DEFS):
            if k in _FEATURED_INDEX:
                continue
            values = _series(rng, d.sensor_type, start, int(OTHER_RECENT.total_seconds() // 60), 1)
            code = mine.code + d.point_code[12:]
            stats += _stat_rows(mine, code, StatPeriod.MINUTE, start, values, rng, stamp)
    with transaction.atomic():
        Alarm.objects.bulk_create(alarms, batch_size=500)
        _insert_stats(stats)


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the demo county's monitoring history once; returns a one-line Chinese summary."""
    now = timezone.now()
    if today is not None and today != local_date(now):
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(16, 0)))
    mines = feed_mines()
    if Alarm.objects.filter(key__startswith=KEY_PREFIX).exists():
        load_live_demo(mines, seed, now)
        return _summary()
    rng = random.Random(f"{seed}-monitoring")
    grader = Grader(EngineConfig.load(today).grading)
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
    load_live_demo(mines, seed, now)
    return _summary()


def demo_point_code(mine: Mine, serial: int) -> str:
    """The code of featured point ``serial`` (1..6, see :data:`FEATURED`) of a demo mine: other
    demo areas that plant an alarm on a point use a point the mine really has."""
    return _code(mine, serial)


def layout_point_codes(mine: Mine) -> list[str]:
    """Every point code of a demo mine's layout, in layout order (a substation's points for an
    outage planted by another demo area)."""
    return [f"{mine.code}{d.point_code[12:]}" for d in _DEFS]


def hold_condition(alarm: Alarm, now: dt.datetime) -> None:
    """Write the 1-minute statistics that show a planted open alarm's condition still holding
    (its point at its peak from the opening to ``now``), so the live pages count it as current
    until newer data shows it ended; the monitoring clock then closes it by its rule."""
    if alarm.peak is None or not alarm.point_code:
        return
    start = alarm.opened_at.replace(second=0, microsecond=0)
    minutes = int((now - start).total_seconds() // 60)
    if minutes < 1:
        return
    peak = float(alarm.peak)
    adapt = connection.ops.adapt_datetimefield_value
    stamp = adapt(now)
    rows = [
        (alarm.mine_id, alarm.point_code, int(StatPeriod.MINUTE),
         adapt(start + dt.timedelta(minutes=i)),
         peak, round(peak * 0.97, 3), round(peak * 0.985, 3), 6, stamp, stamp)
        for i in range(minutes)
    ]  # fmt: skip
    ReadingStat.objects.filter(
        mine_id=alarm.mine_id, point_code=alarm.point_code, period=StatPeriod.MINUTE,
        bucket__gte=start,
    ).delete()  # fmt: skip
    _insert_stats(rows)
