"""Filters of the inspection records, shared by the page and the API (ENF-3): by mine, by kind
of inspection and by the stage of its flow."""

from __future__ import annotations

import django_filters

from minesafe.core.filters import ALL, ScopedFilterSet
from minesafe.enforcement.choices import InspectionKind, Step
from minesafe.enforcement.models import Inspection
from minesafe.registry.models import Mine


class InspectionFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    kind = django_filters.ChoiceFilter(
        empty_label=ALL, choices=InspectionKind.choices, label="检查方式"
    )
    step = django_filters.ChoiceFilter(empty_label=ALL, choices=Step.choices, label="流程环节")

    class Meta:
        model = Inspection
        fields = ["mine", "kind", "step"]
