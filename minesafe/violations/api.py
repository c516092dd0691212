"""REST API of 三违 records (VIO-1): the same scoping and rules as the pages, plus monthly
statistics and the repeat-offender list; leaders' underground checks and the months missed."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ModelRulesSerializer, ScopedRelatedField, ScopedViewSet
from minesafe.localtime import local_date
from minesafe.registry.models import Mine
from minesafe.violations import rules
from minesafe.violations.filters import LeaderCheckFilterSet, ViolationFilterSet
from minesafe.violations.forms import LEADER_CHECK_FIELDS, VIOLATION_FIELDS
from minesafe.violations.models import LeaderCheck, Violation, check_linked_violations
from minesafe.violations.services import leader_check_month, missed_leader_checks

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


class LeaderCheckSerializer(ModelRulesSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())
    violations = ScopedRelatedField(queryset=Violation.objects.all(), many=True, required=False)
    mine_name = serializers.CharField(source="mine.name", read_only=True)

    class Meta:
        model = LeaderCheck
        fields = ["id", *LEADER_CHECK_FIELDS, "mine_name"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        linked = attrs.pop("violations", None)
        attrs = super().validate(attrs)
        mine = attrs.get("mine", getattr(self.instance, "mine", None))
        found = attrs.get("violations_found", getattr(self.instance, "violations_found", 0))
        if linked is None and self.instance is not None:
            check_linked_violations(mine, found, list(self.instance.violations.all()))
        else:
            check_linked_violations(mine, found, list(linked or []))
        if linked is not None:
            attrs["violations"] = linked
        return attrs

    def create(self, validated: dict[str, Any]) -> LeaderCheck:
        validated["recorded_by"] = self.context["request"].user
        check: LeaderCheck = super().create(validated)
        return check


class LeaderCheckViewSet(ScopedViewSet):
    """Leaders' underground 三违 checks (VIO-1, 000:30): recorded by the mine and its
    enterprise, read by regulators; ``missed`` lists the mines that missed a month."""

    queryset = LeaderCheck.objects.all()
    serializer_class = LeaderCheckSerializer
    filterset_class = LeaderCheckFilterSet
    select = ("mine",)
    ordering_fields = ["went_down_at", "person_name"]
    search_fields = ["person_name", "places", "notes"]

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM（默认上一个自然月）")],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def missed(self, request: Request) -> Response:
        """The mines of the caller's jurisdiction whose leaders missed the month."""
        today = local_date()
        month = leader_check_month(request.query_params.get("month"), today)
        params = rules.leader_check_params(rules.month_bounds(month)[0])
        rows = missed_leader_checks(request.user, month)
        return Response(
            {
                "month": month,
                "complete": month != rules.month_key(today),
                "source": params.source,
                "required_posts": list(params.required_posts),
                "mine_statuses": list(params.mine_statuses),
                "mines": [
                    {"mine": mine.pk, "mine_name": mine.name, "missing_posts": posts}
                    for mine, posts in rows
                ],
            }
        )


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("violations", ViolationViewSet, "violation")
    router.register("leader-checks", LeaderCheckViewSet, "leader-check")
