"""Alarm statistics by kind, mine and month, and the high-frequency points (issue 6 §4).

MON-2 treats "high frequency, high value, long duration" over-limits like an accident (002:40,
002:42), so the regulator needs to see which points alarm most often and for how long. Every
figure is counted in the database from a queryset the caller has already restricted to the
user's jurisdiction and filtered; nothing here widens it.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.models import Alarm, SensorPoint

LEVELS = [int(v) for v in AlarmLevel.values]


def _per_level() -> dict[str, Any]:
    return {f"l{v}": Count("pk", filter=Q(level=v)) for v in LEVELS}


def _levels(row: dict[str, Any]) -> list[int]:
    return [int(row[f"l{v}"]) for v in LEVELS]


def by_kind(alarms: QuerySet[Alarm]) -> list[dict[str, Any]]:
    labels = dict(AlarmKind.choices)
    rows = alarms.values("kind").annotate(n=Count("pk"), mines=Count("mine", distinct=True))
    return [
        {"kind": r["kind"], "label": str(labels.get(r["kind"], r["kind"])), "count": r["n"],
         "mines": r["mines"]}
        for r in rows.order_by("-n", "kind")
    ]  # fmt: skip


def by_mine(alarms: QuerySet[Alarm]) -> list[dict[str, Any]]:
    rows = (
        alarms.values("mine", "mine__name", "mine__code")
        .annotate(n=Count("pk"), open=Count("pk", filter=Q(closed_at__isnull=True)), **_per_level())
        .order_by("-n", "mine__code")
    )
    return [
        {"mine": r["mine"], "name": r["mine__name"], "code": r["mine__code"], "count": r["n"],
         "open": r["open"], "levels": _levels(r)}
        for r in rows
    ]  # fmt: skip


def by_month(alarms: QuerySet[Alarm]) -> list[dict[str, Any]]:
    zone = ZoneInfo(django_settings.TIME_ZONE)
    rows = (
        alarms.annotate(month=TruncMonth("opened_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("pk"), **_per_level())
        .order_by("month")
    )
    return [
        {"month": timezone.localtime(r["month"], zone).strftime("%Y-%m"), "count": r["n"],
         "levels": _levels(r)}
        for r in rows
        if r["month"] is not None
    ]  # fmt: skip


def high_frequency_points(
    alarms: QuerySet[Alarm], now: dt.datetime, top: int
) -> list[dict[str, Any]]:
    """The sensor points with the most alarm episodes, with their total duration (open episodes
    count up to ``now``). Subjects that are not sensor points (cards, areas, the whole mine) are
    left out: they have no history to open."""
    points = SensorPoint.objects.filter(mine_id=OuterRef("mine_id"), code=OuterRef("point_code"))
    duration = ExpressionWrapper(
        Coalesce(F("closed_at"), Value(now, output_field=DateTimeField())) - F("opened_at"),
        output_field=DurationField(),
    )
    rows = (
        alarms.exclude(point_code="")
        .filter(Exists(points))
        .values("mine", "mine__name", "point_code")
        .annotate(
            n=Count("pk"),
            seconds=Sum(duration),
            point_id=Subquery(points.values("pk")[:1]),
            location=Subquery(points.values("location")[:1]),
        )
        .order_by("-n", "-seconds", "point_code")[:top]
    )
    result = []
    for r in rows:
        total = r["seconds"] or dt.timedelta()
        result.append(
            {"mine": r["mine"], "mine_name": r["mine__name"], "point_code": r["point_code"],
             "point_id": r["point_id"], "location": r["location"] or "", "count": r["n"],
             "total_seconds": round(total.total_seconds()),
             "total_display": _duration_text(total)}
        )  # fmt: skip
    return result


def _duration_text(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分" if hours else f"{minutes}分"


def alarm_statistics(alarms: QuerySet[Alarm], now: dt.datetime, top: int) -> dict[str, Any]:
    """Every table of the statistics page and of ``/api/alarm-statistics/``."""
    return {
        "total": alarms.count(),
        "by_kind": by_kind(alarms),
        "by_mine": by_mine(alarms),
        "by_month": by_month(alarms),
        "top_points": high_frequency_points(alarms, now, top),
        "levels": [str(label) for _, label in AlarmLevel.choices],
    }


def workbook(stats: dict[str, Any], period: str) -> bytes:
    """The statistics as an Excel workbook: one sheet per table."""
    book = Workbook()
    bold = Font(bold=True)
    levels = stats["levels"]
    sheets = [
        ("按类型", ["报警类型", "次数", "涉及煤矿数"],
         [[r["label"], r["count"], r["mines"]] for r in stats["by_kind"]]),
        ("按煤矿", ["煤矿", "煤矿编码", "次数", "未结束", *levels],
         [[r["name"], r["code"], r["count"], r["open"], *r["levels"]] for r in stats["by_mine"]]),
        ("按月份", ["月份", "次数", *levels],
         [[r["month"], r["count"], *r["levels"]] for r in stats["by_month"]]),
        ("高频报警测点", ["煤矿", "测点编码", "位置", "报警次数", "累计时长(秒)", "累计时长"],
         [[r["mine_name"], r["point_code"], r["location"], r["count"], r["total_seconds"],
           r["total_display"]] for r in stats["top_points"]]),
    ]  # fmt: skip
    for i, (title, header, rows) in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append([f"报警统计 {period}"])
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = bold
        for row in rows:
            sheet.append(row)
        for column, width in zip("ABCDEF", [22, 30, 20, 12, 12, 12], strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
