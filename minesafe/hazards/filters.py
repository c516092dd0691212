"""Filters of the hazard ledger, shared by the pages, the export and the API (HAZ-1, §8)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from minesafe.core.filters import ALL, ScopedFilterSet
from minesafe.hazards.choices import OPEN_STATUSES, HazardGrade, HazardSource, HazardStatus
from minesafe.hazards.models import Hazard, MajorHazardCategory
from minesafe.localtime import local_date
from minesafe.registry.models import Mine

YES_NO = [("yes", "是"), ("no", "否")]


def overdue_q(today: Any) -> Q:
    """Open hazards past their deadline (HAZ-2), computed from one ``today``."""
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


class HazardFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    grade = django_filters.ChoiceFilter(empty_label=ALL, choices=HazardGrade.choices, label="等级")
    status = django_filters.ChoiceFilter(
        empty_label=ALL, choices=HazardStatus.choices, label="状态"
    )
    source = django_filters.ChoiceFilter(
        empty_label=ALL, choices=HazardSource.choices, label="来源"
    )
    category = django_filters.ModelChoiceFilter(
        empty_label=ALL,
        queryset=MajorHazardCategory.objects.all(),
        field_name="situation__category",
        label="重大隐患类别",
    )
    overdue = django_filters.ChoiceFilter(
        empty_label=ALL, choices=YES_NO, method="by_overdue", label="逾期"
    )
    listed = django_filters.BooleanFilter(label="挂牌督办")

    class Meta:
        model = Hazard
        fields = ["q", "mine", "grade", "status", "source", "category", "overdue"]

    def search(self, queryset: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(description__icontains=value)
            | Q(number__icontains=value)
            | Q(place__icontains=value)
            | Q(mine__name__icontains=value)
        )

    def by_overdue(self, queryset: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        q = overdue_q(local_date())
        return queryset.filter(q) if value == "yes" else queryset.exclude(q)
