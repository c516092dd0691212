"""A point's history from the stored statistics, from a year down to single minutes (issue 6 §4).

The engine stores 1-minute and 5-minute max / min / average / count per point (issue 3 §4); raw
readings stay in the Parquet archive, from which the last hours are read point by point. A day is
drawn from the 1-minute rows (≤ 1,440 of them), a
week from the 5-minute rows (≤ 2,016), a month and a year from the 5-minute rows aggregated by
hour and by day in the database (max of maxima, min of minima, count-weighted average), so no
range sends more than ~2,000 points to the browser. The parameters are parsed by a pure function
that raises :class:`HistoryParamError`, which pages and the API answer with 400.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings as django_settings
from django.db.models import F, FloatField, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from minesafe.localtime import local_date
from minesafe.monitoring.choices import StatPeriod
from minesafe.monitoring.live import LiveSettings
from minesafe.monitoring.models import ReadingStat, SensorPoint

RAW, MINUTE, FIVE_MINUTES, HOUR, DAY = "raw", "minute", "five_minutes", "hour", "day"
#: The earliest start a request may ask for: before the platform there is nothing to read.
EARLIEST = dt.date(2000, 1, 1)


class HistoryParamError(ValueError):
    """A bad ``range`` or ``start``; ``field`` names the parameter for the 400 answer."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class HistoryWindow:
    """A validated request: range name, where its statistics come from, and [start, end)."""

    range: str
    source: str
    start: dt.datetime
    end: dt.datetime


def _parse_start(value: str, tz: dt.tzinfo) -> dt.datetime:
    try:
        if len(value) <= 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time())
        else:
            moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise HistoryParamError("start", "起始时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if moment.date() < EARLIEST:
        raise HistoryParamError("start", f"起始时间不得早于 {EARLIEST.isoformat()}")
    return moment


def parse_window(
    range_name: str | None,
    start: str | None,
    now: dt.datetime,
    settings: LiveSettings,
    tz: dt.tzinfo | None = None,
) -> HistoryWindow:
    """The window of a history request: ``range`` (day|week|month|year, default day) and an
    optional ``start`` (ISO date or datetime, local time when naive). Without ``start`` the window
    ends now; with it the window runs one span from ``start``, never past now."""
    name = range_name or "day"
    spec = settings.history_ranges.get(name)
    if spec is None:
        raise HistoryParamError("range", f"range 只能是 {'|'.join(settings.history_ranges)}")
    span = dt.timedelta(days=int(spec.get("span_days", 0)), hours=int(spec.get("span_hours", 0)))
    zone = tz or ZoneInfo(django_settings.TIME_ZONE)
    if start:
        begin = _parse_start(start, zone)
        if begin > now:
            raise HistoryParamError("start", "起始时间不能晚于当前时间")
        end = min(begin + span, now)
    else:
        end, begin = now, now - span
    return HistoryWindow(range=name, source=str(spec["source"]), start=begin, end=end)


def _rows(point: SensorPoint, window: HistoryWindow) -> QuerySet[Any]:
    period = StatPeriod.MINUTE if window.source == MINUTE else StatPeriod.FIVE_MINUTES
    stats = ReadingStat.objects.filter(
        mine_id=point.mine_id,
        point_code=point.code,
        period=period,
        bucket__gte=window.start,
        bucket__lt=window.end,
    )
    if window.source in (MINUTE, FIVE_MINUTES):
        return stats.order_by("bucket").values_list("bucket", "max", "avg", "min")
    trunc = TruncHour if window.source == HOUR else TruncDay
    zone = ZoneInfo(django_settings.TIME_ZONE)
    return (
        stats.annotate(t=trunc("bucket", tzinfo=zone))
        .values("t")
        .annotate(
            mx=Max("max"),
            mn=Min("min"),
            total=Sum(F("avg") * F("count"), output_field=FloatField()),
            n=Sum("count"),
        )
        .order_by("t")
        .values_list("t", "mx", "total", "mn", "n")
    )


def archive_root() -> Path:
    """Where the runner archives raw readings (its default, ``VAR_DIR/archive``)."""
    return Path(django_settings.VAR_DIR) / "archive"


def raw_readings(
    point: SensorPoint, window: HistoryWindow, root: Path
) -> list[tuple[dt.datetime, float]]:
    """The point's archived readings in the window, oldest first, duplicates removed.

    Only the local days the window touches are opened, and only this point's rows are read
    (a row-group filter), so a mine's day of 300 points is never loaded whole.
    """
    mine_code = point.mine.code
    first = local_date(window.start)
    last = local_date(window.end)
    start_ms = int(window.start.timestamp() * 1000)
    end_ms = int(window.end.timestamp() * 1000)
    seen: dict[int, float] = {}
    day = first
    while day <= last:
        for file in sorted((root / mine_code / day.isoformat()).glob("*.parquet")):
            table = pq.read_table(
                file, columns=["time", "value"], filters=[("point", "=", point.code)]
            )
            times = table.column("time").cast(pa.int64()).to_pylist()
            for t, v in zip(times, table.column("value").to_pylist(), strict=True):
                if start_ms <= t < end_ms and v is not None:
                    seen[t] = max(v, seen.get(t, v))
        day += dt.timedelta(days=1)
    return [(dt.datetime.fromtimestamp(t / 1000, dt.UTC), seen[t]) for t in sorted(seen)]


def point_history(
    point: SensorPoint, window: HistoryWindow, root: Path | None = None
) -> dict[str, Any]:
    """The series of a point over a window, with its thresholds for the chart's mark lines.

    ``data`` rows are ``[local time "YYYY-MM-DD HH:MM", max, avg, min]``; for raw readings
    ``[local time "YYYY-MM-DD HH:MM:SS", value, value, value]`` (one reading is its own max, mean
    and min, so every client reads one shape).
    """
    data: list[list[Any]] = []
    if window.source == RAW:
        for moment, value in raw_readings(point, window, root or archive_root()):
            label = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
            data.append([label, value, value, value])
        return _answer(point, window, data)
    for row in _rows(point, window):
        if window.source in (MINUTE, FIVE_MINUTES):
            bucket, mx, avg, mn = row
        else:
            bucket, mx, total, mn, n = row
            avg = total / n if n else None
        if bucket is None:
            continue
        label = timezone.localtime(bucket).strftime("%Y-%m-%d %H:%M")
        data.append([label, mx, None if avg is None else round(avg, 4), mn])
    return _answer(point, window, data)


def _answer(point: SensorPoint, window: HistoryWindow, data: list[list[Any]]) -> dict[str, Any]:
    thresholds = [
        {"name": name, "value": value}
        for name, value in (
            ("报警门限", point.alarm_high),
            ("断电门限", point.power_off_high),
            ("下限报警", point.alarm_low),
        )
        if value is not None
    ]
    return {
        "point": {
            "id": point.pk,
            "code": point.code,
            "location": point.location,
            "unit": point.unit,
        },
        "range": window.range,
        "source": window.source,
        "start": timezone.localtime(window.start).isoformat(timespec="minutes"),
        "end": timezone.localtime(window.end).isoformat(timespec="minutes"),
        "columns": ["time", "max", "avg", "min"],
        "data": data,
        "thresholds": thresholds,
    }
