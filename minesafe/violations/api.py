"""REST API of 三违 records (VIO-1): the same scoping and rules as the pages, plus monthly
statistics and the repeat-offender list."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ModelRulesSerializer, ScopedRelatedField, ScopedViewSet
from minesafe.localtime import local_date
from minesafe.registry.models import Mine
from minesafe.violations import rules
from minesafe.violations.filters import ViolationFilterSet
from minesafe.violations.forms import VIOLATION_FIELDS
from minesafe.violations.models import Violation

urlpatterns: list[Any] = []


class ViolationSerializer(ModelRulesSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())
    mine_name = serializers.CharField(source="mine.name", read_only=True)

    class Meta:
        model = Violation
        fields = ["id", *VIOLATION_FIELDS, "mine_name"]

    def create(self, validated: dict[str, Any]) -> Violation:
        validated["recorded_by"] = self.context["request"].user
        violation: Violation = super().create(validated)
        return violation


class ViolationViewSet(ScopedViewSet):
    """三违 records of the caller's jurisdiction; anyone who checks a mine may record one."""

    queryset = Violation.objects.all()
    serializer_class = ViolationSerializer
    filterset_class = ViolationFilterSet
    select = ("mine",)
    ordering_fields = ["found_at", "fine", "person_name"]
    search_fields = ["person_name", "team", "place", "description"]

    def _acts(self) -> list[rules.Act]:
        rows = self.get_queryset().values_list(
            "pk", "mine_id", "person_name", "team", "kind", "severity", "found_at"
        )
        return [
            rules.Act(mine, name, team, kind, severity, local_date(at), pk)
            for pk, mine, name, team, kind, severity, at in rows
        ]

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def statistics(self, request: Request) -> Response:
        """Counts per month (last 12) by kind, and the top mines, teams and persons."""
        months = rules.last_months(local_date(), 12)
        acts = self._acts()
        by_kind = rules.monthly_counts(acts, months, lambda a: a.kind)
        return Response(
            {
                "months": months,
                "by_kind": by_kind,
                "by_mine": [
                    {"mine": m, "count": n} for m, n in rules.top(acts, lambda a: a.mine_id)
                ],
                "by_team": [
                    {"mine": m, "team": t, "count": n}
                    for (m, t), n in rules.top(acts, lambda a: (a.mine_id, a.team))
                ],
                "by_person": [
                    {"mine": m, "person_name": p, "count": n}
                    for (m, p), n in rules.top(acts, lambda a: (a.mine_id, a.person_name))
                ],
            }
        )

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], url_path="repeat-offenders")
    def repeat_offenders(self, request: Request) -> Response:
        """People at or over the repeat threshold in force (VIO-1, data/repeat_offenders.yaml)."""
        today = local_date()
        params = rules.repeat_params(today)
        offenders = rules.repeat_offenders(self._acts(), today, params)
        return Response(
            {
                "min_count": params.min_count,
                "window_days": params.window_days,
                "source": params.source,
                "offenders": [
                    {
                        "mine": o.mine_id,
                        "person_name": o.person_name,
                        "team": o.team,
                        "count": o.count,
                        "serious": o.serious,
                        "weight": o.weight,
                        "last_on": o.last_on,
                        "violations": list(o.acts),
                    }
                    for o in offenders
                ],
            }
        )


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("violations", ViolationViewSet, "violation")
