"""Pages of the monitoring area (issue 3, issue 6 §4, MON-2..MON-5): the alarm list and an
alarm's episode; the county real-time board with its map, a mine's real-time page, a point's
history and the alarm statistics. Queries live in :mod:`~minesafe.monitoring.live`,
:mod:`~minesafe.monitoring.history` and :mod:`~minesafe.monitoring.statistics`; every one
starts from ``restrict``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from minesafe.core.scoping import VIEW
from minesafe.core.views import download, get_scoped, is_htmx, paginate, pk_model, query_without
from minesafe.localtime import local_date
from minesafe.monitoring import history, live, services
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmLevel, PointStatus, StatPeriod
from minesafe.monitoring.details import detail_fields
from minesafe.monitoring.filters import AlarmFilterSet
from minesafe.monitoring.models import Alarm, LateReading, ReadingStat, SensorPoint
from minesafe.monitoring.statistics import alarm_statistics, workbook
from minesafe.registry.models import Mine

#: How much of the point's history the episode chart shows before and after the episode.
CHART_MARGIN = dt.timedelta(minutes=30)
CHART_MAX_SPAN = dt.timedelta(days=2)


def _alarms(request: HttpRequest) -> QuerySet[Alarm]:
    return Alarm.objects.restrict(request.user, VIEW).select_related("mine")


@login_required
@require_safe
def alarm_list(request: HttpRequest) -> HttpResponse:
    """Alarms with filters and pages, newest first; htmx swaps only the table (MON-2)."""
    filterset = AlarmFilterSet(request.GET or None, queryset=_alarms(request), request=request)
    alarms = filterset.qs.order_by("-opened_at", "-pk")
    judged = services.judge_request(request)
    open_by_level: dict[int, int] = {}
    for alarm in judged.current:
        open_by_level[alarm.level] = open_by_level.get(alarm.level, 0) + 1
    page = paginate(request, alarms)
    cleared = {a.pk: ended for a, ended in judged.cleared}
    for alarm in page:
        alarm.cleared_at = cleared.get(alarm.pk)
    context = {
        "filter": filterset,
        "page": page,
        "query": query_without(request, "page"),
        "level_colors": LEVEL_COLORS,
        "open_counts": [
            (label, open_by_level.get(value, 0), LEVEL_COLORS[AlarmLevel(value)])
            for value, label in AlarmLevel.choices
        ],
    }
    template = "monitoring/_alarm_table.html" if is_htmx(request) else "monitoring/alarm_list.html"
    return render(request, template, context)


def episode_chart(alarm: Alarm, now: dt.datetime) -> dict[str, Any]:
    """The point's 1-minute statistics around the episode, for an ECharts line."""
    start = alarm.opened_at - CHART_MARGIN
    end = min((alarm.closed_at or now) + CHART_MARGIN, start + CHART_MAX_SPAN)
    stats = ReadingStat.objects.filter(
        mine_id=alarm.mine_id,
        point_code=alarm.point_code,
        period=StatPeriod.MINUTE,
        bucket__gte=start,
        bucket__lte=end,
    ).order_by("bucket")
    times, maxima, averages, minima = [], [], [], []
    for row in stats:
        times.append(timezone.localtime(row.bucket).strftime("%m-%d %H:%M"))
        maxima.append(row.max)
        averages.append(round(row.avg, 4))
        minima.append(row.min)
    details = alarm.details or {}
    return {
        "times": times,
        "max": maxima,
        "avg": averages,
        "min": minima,
        "threshold": details.get("alarm_high") or details.get("threshold"),
        "opened": timezone.localtime(alarm.opened_at).strftime("%m-%d %H:%M"),
        "closed": timezone.localtime(alarm.closed_at).strftime("%m-%d %H:%M")
        if alarm.closed_at
        else None,
    }


@login_required
@require_safe
@pk_model(Alarm)
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One episode: its facts, the engine's details and the point's curve around it."""
    alarm = get_scoped(Alarm, request.user, VIEW, pk=pk)
    point = (
        SensorPoint.objects.restrict(request.user, VIEW)
        .filter(mine_id=alarm.mine_id, code=alarm.point_code)
        .first()
    )
    context = {
        "alarm": alarm,
        "point": point,
        "color": LEVEL_COLORS.get(AlarmLevel(alarm.level), "grey"),
        "details": detail_fields(alarm.details or {}),
        "cleared_at": services.judge([alarm]).get(alarm.pk) if alarm.is_open else None,
        "chart": episode_chart(alarm, timezone.now()),
    }
    return render(request, "monitoring/alarm_detail.html", context)


# --- live pages (issue 6 §4) ----------------------------------------------------------------------


def _settings() -> live.LiveSettings:
    return live.live_settings(local_date())


@login_required
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    """The county real-time board: mines by worst open level, the table and the map (MON-2).

    htmx polls the same URL every few seconds and swaps the partial; the map script redraws
    from the refreshed JSON in the partial.
    """
    settings = _settings()
    summary = live.board(request.user, settings)
    context = {
        "board": summary,
        "map_files": [static(spec.file) for spec in summary.maps],
        "refresh": settings.refresh_seconds,
        "now": timezone.now(),
    }
    template = "monitoring/_board.html" if is_htmx(request) else "monitoring/board.html"
    return render(request, template, context)


def _live_filter(request: HttpRequest, types: list[tuple[str, str]]) -> live.LiveFilter:
    """The real-time page's filters; a value that is not offered is ignored, not an error."""
    sensor_type = request.GET.get("sensor_type", "")
    status = request.GET.get("status", "")
    return live.LiveFilter(
        sensor_type=sensor_type if sensor_type in dict(types) else "",
        status=status if status in PointStatus.values else "",
        q=request.GET.get("q", "").strip()[:60],
    )


@login_required
@require_safe
@pk_model(Mine)
def mine_live(request: HttpRequest, pk: int) -> HttpResponse:
    """A mine's real-time page: every point's newest minute, status and last hour (MON-1, MON-2)."""
    mine = get_scoped(Mine, request.user, VIEW, pk=pk)
    settings = _settings()
    now = timezone.now()
    types = live.sensor_type_choices(
        SensorPoint.objects.filter(mine=mine)
        .order_by("sensor_type")
        .values_list("sensor_type", flat=True)
        .distinct(),
        settings,
    )
    filters = _live_filter(request, types)
    status = services.mine_status(request.user, mine.pk)
    rows = live.live_points(mine, now, settings, filters, status)
    context = {
        "mine": mine,
        "status": status,
        "subjects": live.subject_labels(mine, status),
        "late": late_summary(request, mine),
        "groups": live.group_rows(rows),
        "counts": live.status_counts(rows),
        "total": len(rows),
        "types": types,
        "statuses": PointStatus.choices,
        "filters": filters,
        "settings": settings,
        "refresh": settings.refresh_seconds,
        "now": now,
    }
    template = "monitoring/_live_points.html" if is_htmx(request) else "monitoring/mine_live.html"
    return render(request, template, context)


def late_summary(request: HttpRequest, mine: Mine) -> dict[str, Any]:
    """The mine's late arrivals (readings and the alarms they would have raised): a
    data-quality signal shown beside its live data."""
    readings = LateReading.objects.restrict(request.user, VIEW).filter(mine=mine)
    summary = readings.aggregate(count=Count("id"), last=Max("arrived_at"))
    alarms = Alarm.objects.restrict(request.user, VIEW).filter(mine=mine, late=True)
    summary["alarms"] = alarms.count()
    return summary


@login_required
@require_safe
@pk_model(SensorPoint)
def point_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A point's history chart with its range selector; the data comes from the JSON view."""
    point = get_scoped(SensorPoint, request.user, VIEW, pk=pk)
    settings = _settings()
    range_name = request.GET.get("range", "day")
    if range_name not in settings.history_ranges:
        range_name = "day"
    context = {
        "point": point,
        "mine": point.mine,
        "type_label": live.sensor_type_label(point, settings),
        "ranges": [(name, spec["label"]) for name, spec in settings.history_ranges.items()],
        "range": range_name,
        "start": request.GET.get("start", "")[:16],
        "data_url": reverse("monitoring:point_history_data", kwargs={"pk": point.pk}),
    }
    return render(request, "monitoring/point_history.html", context)


@login_required
@require_safe
@pk_model(SensorPoint)
def point_history_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The history series as JSON (``range``, ``start``); a bad parameter answers 400."""
    point = get_scoped(SensorPoint, request.user, VIEW, pk=pk)
    try:
        window = history.parse_window(
            request.GET.get("range"), request.GET.get("start"), timezone.now(), _settings()
        )
    except history.HistoryParamError as error:
        return JsonResponse({error.field: [error.message]}, status=400)
    return JsonResponse(history.point_history(point, window))


def statistics_queryset(request: HttpRequest) -> tuple[AlarmFilterSet, QuerySet[Alarm], str]:
    """The filtered, scoped alarms of the statistics page and its export, and the period text.

    Without a date the period is the last ``default_statistics_days`` days.
    """
    settings = _settings()
    data = request.GET.copy()
    if not data.get("date_from") and not data.get("date_to"):
        start = local_date() - dt.timedelta(days=settings.default_statistics_days)
        data["date_from"] = start.isoformat()
    filterset = AlarmFilterSet(data, queryset=_alarms(request), request=request)
    form = filterset.form
    valid = form.is_valid()
    begin = form.cleaned_data.get("date_from") if valid else None
    end = form.cleaned_data.get("date_to") if valid else None
    period = f"{begin or '最早'} 至 {end or '今天'}"
    return filterset, filterset.qs, period


@login_required
@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    """Alarm counts by kind, mine and month, and the high-frequency points (MON-2, MON-3)."""
    filterset, alarms, period = statistics_queryset(request)
    stats = alarm_statistics(alarms, timezone.now(), _settings().top_points)
    context = {
        "filter": filterset,
        "stats": stats,
        "period": period,
        "chart": {
            "kinds": [[r["label"], r["count"]] for r in stats["by_kind"]],
            "months": [[r["month"], *r["levels"]] for r in stats["by_month"]],
            "levels": stats["levels"],
            "mines": [[r["name"], r["count"]] for r in stats["by_mine"][:15]],
        },
        "query": request.GET.urlencode(),
    }
    return render(request, "monitoring/statistics.html", context)


@login_required
@require_safe
def statistics_export(request: HttpRequest) -> HttpResponse:
    """The statistics page's tables as an Excel workbook, with the same filters."""
    _, alarms, period = statistics_queryset(request)
    stats = alarm_statistics(alarms, timezone.now(), _settings().top_points)
    return download(workbook(stats, period), f"alarm-statistics-{local_date():%Y%m%d}.xlsx")
