"""Filters of the case list, shared by the page and the API (MON-4 "my alarms")."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from minesafe.core.filters import ALL, ScopedFilterSet
from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.registry.models import Mine
from minesafe.response import services
from minesafe.response.choices import OPEN_STATES, CaseState
from minesafe.response.models import AlarmCase

YES_NO = [("yes", "是"), ("no", "否")]
WAITING = [("me", "待我处理"), ("org", "待本单位处理")]


def overdue_q(now: Any) -> Q:
    """Open cases whose running step is past its deadline (MON-4)."""
    return Q(state__in=OPEN_STATES, deadline__lte=now)


class CaseFilterSet(ScopedFilterSet):
    waiting = django_filters.ChoiceFilter(
        empty_label=ALL, choices=WAITING, method="by_waiting", label="我的报警"
    )
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    level = django_filters.ChoiceFilter(
        empty_label=ALL, choices=AlarmLevel.choices, field_name="effective_level", label="当前等级"
    )
    state = django_filters.ChoiceFilter(empty_label=ALL, choices=CaseState.choices, label="状态")
    kind = django_filters.ChoiceFilter(empty_label=ALL, choices=AlarmKind.choices, label="类型")
    overdue = django_filters.ChoiceFilter(
        empty_label=ALL, choices=YES_NO, method="by_overdue", label="超时"
    )
    escalated = django_filters.ChoiceFilter(
        empty_label=ALL, choices=YES_NO, method="by_escalated", label="已升级"
    )

    class Meta:
        model = AlarmCase
        fields = ["waiting", "mine", "level", "state", "kind", "overdue", "escalated"]

    def by_waiting(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        return queryset.filter(services.waiting_on(user, mine_org=value == "org"))

    def by_overdue(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        q = overdue_q(timezone.now())
        return queryset.filter(q) if value == "yes" else queryset.exclude(q)

    def by_escalated(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        q = Q(escalations__gt=0) | Q(raised_at__isnull=False)
        return queryset.filter(q) if value == "yes" else queryset.exclude(q)
