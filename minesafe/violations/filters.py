"""Filters of the 三违 list, shared by the page, the export and the API (VIO-1)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from minesafe.core.filters import ALL, CHIPS, ScopedFilterSet
from minesafe.core.forms import DATE
from minesafe.registry.models import Mine
from minesafe.violations.choices import (
    LeaderPost,
    PenaltyKind,
    Severity,
    ViolationKind,
    ViolationSource,
)
from minesafe.violations.models import LeaderCheck, Violation


class ViolationFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.order_by("code"), label="煤矿"
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=ViolationKind.choices, widget=CHIPS, label="三违类型"
    )
    severity = django_filters.MultipleChoiceFilter(
        choices=Severity.choices, widget=CHIPS, label="性质"
    )
    source = django_filters.MultipleChoiceFilter(
        choices=ViolationSource.choices, widget=CHIPS, label="发现方式"
    )
    penalty = django_filters.MultipleChoiceFilter(
        choices=PenaltyKind.choices, widget=CHIPS, label="处理方式"
    )
    team = django_filters.CharFilter(lookup_expr="icontains", label="区队/班组")
    found_from = django_filters.DateFilter(
        field_name="found_at", lookup_expr="date__gte", label="发现日期自", widget=DATE
    )
    found_to = django_filters.DateFilter(
        field_name="found_at", lookup_expr="date__lte", label="至", widget=DATE
    )

    class Meta:
        model = Violation
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            Q(person_name__icontains=value)
            | Q(description__icontains=value)
            | Q(place__icontains=value)
            | Q(team__icontains=value)
        )


class LeaderCheckFilterSet(ScopedFilterSet):
    """Filters of the leaders' underground checks (VIO-1, 000:30)."""

    q = django_filters.CharFilter(method="search", label="搜索")
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.order_by("code"), label="煤矿"
    )
    post = django_filters.MultipleChoiceFilter(
        choices=LeaderPost.choices, widget=CHIPS, label="职务"
    )
    down_from = django_filters.DateFilter(
        field_name="went_down_at", lookup_expr="date__gte", label="下井日期自", widget=DATE
    )
    down_to = django_filters.DateFilter(
        field_name="went_down_at", lookup_expr="date__lte", label="至", widget=DATE
    )

    class Meta:
        model = LeaderCheck
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            Q(person_name__icontains=value) | Q(places__icontains=value) | Q(notes__icontains=value)
        )
