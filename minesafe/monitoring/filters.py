"""Filters of the alarm list and the sensor points, shared by the pages and the API (MON-2)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from minesafe.core.filters import ALL, CHIPS, ScopedFilterSet
from minesafe.monitoring import services
from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.models import Alarm, LateReading, SensorPoint
from minesafe.registry.models import Mine

STATES = [("open", "未结束"), ("closed", "已结束")]
#: "未结束" is what the board and the live page count as current: open and its condition still
#: holding (``services.judge_open``); an open row the data shows has ended counts as ended.


class AlarmFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=AlarmKind.choices, label="报警类型", widget=CHIPS
    )
    level = django_filters.MultipleChoiceFilter(
        choices=AlarmLevel.choices, label="等级", widget=CHIPS
    )
    state = django_filters.ChoiceFilter(
        empty_label=ALL, choices=STATES, method="by_state", label="状态"
    )
    date_from = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label="开始日期从"
    )
    date_to = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label="至")
    point = django_filters.CharFilter(
        field_name="point_code", lookup_expr="icontains", label="对象编码"
    )
    late = django_filters.BooleanFilter(label="迟到数据报警")

    class Meta:
        model = Alarm
        fields = ["mine", "kind", "level", "state", "date_from", "date_to", "point", "late"]

    def by_state(self, queryset: QuerySet[Alarm], name: str, value: str) -> QuerySet[Alarm]:
        has_user = getattr(self.request, "user", None) is not None
        cleared = services.judge_request(self.request).cleared_pks if has_user else set()
        if value == "open":
            return queryset.filter(closed_at__isnull=True).exclude(pk__in=cleared)
        return queryset.filter(Q(closed_at__isnull=False) | Q(pk__in=cleared))


class LateReadingFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    point = django_filters.CharFilter(field_name="point_code", label="测点编码")
    arrived_from = django_filters.DateFilter(
        field_name="arrived_at", lookup_expr="date__gte", label="到达日期从"
    )
    arrived_to = django_filters.DateFilter(
        field_name="arrived_at", lookup_expr="date__lte", label="至"
    )

    class Meta:
        model = LateReading
        fields = ["mine", "point", "arrived_from", "arrived_to"]


class SensorPointFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    q = django_filters.CharFilter(method="search", label="搜索")

    class Meta:
        model = SensorPoint
        fields = ["mine", "sensor_type", "q"]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(code__icontains=value) | queryset.filter(location__icontains=value)
