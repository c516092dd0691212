"""A point's history from the stored statistics, from a year down to single minutes (issue 6 §4).

The engine stores 1-minute and 5-minute max / min / average / count per point (issue 3 §4); raw
readings stay in the Parquet archive. A day is drawn from the 1-minute rows (≤ 1,440 of them), a
week from the 5-minute rows (≤ 2,016), a month and a year from the 5-minute rows aggregated by
hour and by day in the database (max of maxima, min of minima, count-weighted average), so no
range sends more than ~2,000 points to the browser. The parameters are parsed by a pure function
that raises :class:`HistoryParamError`, which pages and the API answer with 400.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import F, FloatField, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from minesafe.monitoring.choices import StatPeriod
from minesafe.monitoring.live import LiveSettings
from minesafe.monitoring.models import ReadingStat, SensorPoint

MINUTE, FIVE_MINUTES, HOUR, DAY = "minute", "five_minutes", "hour", "day"
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
    span = dt.timedelta(days=int(spec["span_days"]))
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


def point_history(point: SensorPoint, window: HistoryWindow) -> dict[str, Any]:
    """The series of a point over a window, with its thresholds for the chart's mark lines.

    ``data`` rows are ``[local time "YYYY-MM-DD HH:MM", max, avg, min]``.
    """
    data: list[list[Any]] = []
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
