"""Filters of the register lists, shared by the pages and the API (REG-1, REG-3, REG-4)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet

from minesafe.accounts.models import Division
from minesafe.core.filters import ALL, CHIPS, ScopedFilterSet
from minesafe.localtime import local_date
from minesafe.registry.choices import (
    GasGrade,
    LicenceKind,
    LicenceWarning,
    MineStatus,
    Ownership,
    SupervisionClass,
)
from minesafe.registry.models import Enterprise, Licence, Mine, WorkingFace

EXPIRING = [
    (LicenceWarning.EXPIRED, "已过期"),
    (LicenceWarning.DAYS_30, "30天内到期(含过期)"),
    (LicenceWarning.DAYS_90, "90天内到期(含过期)"),
]


def expiring_within(warning: str, today: dt.date) -> Q:
    """Licences valid until < today (≤ +30 / +90 days) for the REG-3 warning levels.

    A licence is valid through its end date, so it has expired only from the day after.
    """
    days = {LicenceWarning.EXPIRED: -1, LicenceWarning.DAYS_30: 30, LicenceWarning.DAYS_90: 90}
    return Q(valid_until__lte=today + dt.timedelta(days=days[LicenceWarning(warning)]))


class MineFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    county = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Division.objects.filter(level="county"), label="县区"
    )
    enterprise = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Enterprise.objects.all(), method="in_enterprise", label="企业"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=MineStatus.choices, label="状态", widget=CHIPS
    )
    supervision_class = django_filters.MultipleChoiceFilter(
        choices=SupervisionClass.choices, label="类别", widget=CHIPS
    )
    gas_grade = django_filters.MultipleChoiceFilter(
        choices=GasGrade.choices, label="瓦斯等级", widget=CHIPS
    )
    ownership = django_filters.ChoiceFilter(
        empty_label=ALL,
        field_name="enterprise__ownership",
        choices=Ownership.choices,
        label="经济类型",
    )
    licence = django_filters.ChoiceFilter(
        empty_label=ALL, choices=EXPIRING, method="licence_expiring", label="证照预警"
    )

    class Meta:
        model = Mine
        fields = ["q", "county", "enterprise", "status", "supervision_class", "gas_grade"]

    def search(self, queryset: QuerySet[Mine], name: str, value: str) -> QuerySet[Mine]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def in_enterprise(
        self, queryset: QuerySet[Mine], name: str, value: Enterprise
    ) -> QuerySet[Mine]:
        """An enterprise filter includes the mines of its sub-enterprises."""
        return queryset.filter(enterprise__path__startswith=value.path)

    def licence_expiring(self, queryset: QuerySet[Mine], name: str, value: str) -> QuerySet[Mine]:
        soon = Licence.objects.filter(expiring_within(value, local_date()))
        return queryset.filter(pk__in=soon.values("mine"))


class EnterpriseFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="搜索")
    ownership = django_filters.ChoiceFilter(
        empty_label=ALL, choices=Ownership.choices, label="经济类型"
    )

    class Meta:
        model = Enterprise
        fields = ["q", "ownership", "parent"]


class LicenceFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    kind = django_filters.ChoiceFilter(
        empty_label=ALL, choices=LicenceKind.choices, label="证照类型"
    )
    warning = django_filters.ChoiceFilter(
        empty_label=ALL, choices=EXPIRING, method="expiring", label="证照预警"
    )

    class Meta:
        model = Licence
        fields = ["mine", "kind"]

    def expiring(self, queryset: QuerySet[Licence], name: str, value: str) -> QuerySet[Licence]:
        return queryset.filter(expiring_within(value, local_date()))


class WorkingFaceFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )

    class Meta:
        model = WorkingFace
        fields = ["mine", "kind", "status"]
