"""Pages of the monitoring area: the alarm list and an alarm's episode (issue 3, MON-2..MON-4).

The live boards are issue 6's; these pages are the minimum a regulator needs to see what the
engine raised, scoped like every other page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from minesafe.core.scoping import VIEW
from minesafe.core.views import get_scoped, is_htmx, paginate, pk_model
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmLevel, StatPeriod
from minesafe.monitoring.filters import AlarmFilterSet
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint

#: How much of the point's history the episode chart shows before and after the episode.
CHART_MARGIN = dt.timedelta(minutes=30)
CHART_MAX_SPAN = dt.timedelta(days=2)


def _alarms(request: HttpRequest) -> QuerySet[Alarm]:
    return Alarm.objects.restrict(request.user, VIEW).select_related("mine")


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@login_required
@require_safe
def alarm_list(request: HttpRequest) -> HttpResponse:
    """Alarms with filters and pages, newest first; htmx swaps only the table (MON-2)."""
    filterset = AlarmFilterSet(request.GET or None, queryset=_alarms(request), request=request)
    alarms = filterset.qs.order_by("-opened_at", "-pk")
    open_by_level = dict(
        _alarms(request).filter(closed_at__isnull=True).values_list("level").annotate(n=Count("pk"))
    )
    context = {
        "filter": filterset,
        "page": paginate(request, alarms),
        "query": _query_without(request, "page"),
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
        "details": sorted((alarm.details or {}).items()),
        "chart": episode_chart(alarm, timezone.now()),
    }
    return render(request, "monitoring/alarm_detail.html", context)
