"""Filters of the evacuation orders and weather warnings, shared by the pages and the API (MON-8).

An order is found by the state of its mines' parts: "待抽查" finds orders with a part the
positioning data cannot settle and nobody has spot-checked yet."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from minesafe.core.filters import ALL, ScopedFilterSet
from minesafe.core.scoping import VIEW
from minesafe.emergency.choices import OrderReason, TargetState, WarningKind, WarningLevel
from minesafe.emergency.models import EvacuationOrder, OrderTarget, WeatherWarning
from minesafe.emergency.services import checks
from minesafe.registry.models import Mine

SPOT = "spot"
STATE_CHOICES = [*TargetState.choices, (SPOT, "待抽查（无法核查）")]


def _target_state_q(value: str) -> Q:
    return checks.needs_spot_check() if value == SPOT else Q(state=value)


class TargetFilterSet(ScopedFilterSet):
    """Each mine's part of an order, by its state."""

    state = django_filters.ChoiceFilter(
        empty_label=ALL, choices=STATE_CHOICES, method="by_state", label="煤矿状态"
    )

    class Meta:
        model = OrderTarget
        fields = ["state", "mine", "order"]

    def by_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_target_state_q(value))


class OrderFilterSet(ScopedFilterSet):
    """Orders by the state of the parts the user may see, by reason, and by number or mine."""

    state = django_filters.ChoiceFilter(
        empty_label=ALL, choices=STATE_CHOICES, method="by_state", label="煤矿状态"
    )
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), method="by_mine", label="煤矿"
    )
    reason = django_filters.ChoiceFilter(empty_label=ALL, choices=OrderReason.choices, label="事由")
    q = django_filters.CharFilter(method="search", label="编号/煤矿", max_length=50)

    class Meta:
        model = EvacuationOrder
        fields = ["state", "mine", "reason", "q"]

    def _targets(self) -> QuerySet[OrderTarget]:
        user = getattr(self.request, "user", None)
        return OrderTarget.objects.restrict(user, VIEW)

    def by_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        chosen = self._targets().filter(_target_state_q(value))
        return queryset.filter(pk__in=chosen.values("order_id"))

    def by_mine(self, queryset: QuerySet, name: str, value: Mine) -> QuerySet:
        """One mine's orders (the dossier links here)."""
        return queryset.filter(pk__in=self._targets().filter(mine=value).values("order_id"))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        mines = self._targets().filter(mine__name__icontains=value).values("order_id")
        return queryset.filter(Q(number__icontains=value) | Q(pk__in=mines))


class WarningFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(empty_label=ALL, choices=WarningKind.choices, label="种类")
    level = django_filters.ChoiceFilter(empty_label=ALL, choices=WarningLevel.choices, label="等级")

    class Meta:
        model = WeatherWarning
        fields = ["kind", "level"]
