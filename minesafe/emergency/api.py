"""REST API of the evacuation orders (MON-8, EMG-2), registered on the shared router by
:mod:`minesafe.api_urls`: weather warnings (with the mines they call an order for), orders
(issue, lift) and each mine's target (receive, confirm, spot-check). Scoped like every endpoint."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.accounts.models import Division
from minesafe.core.api import ScopedViewSet, WorkflowActions, id_field
from minesafe.core.scoping import CHANGE
from minesafe.core.transitions import actor_for
from minesafe.emergency import rules
from minesafe.emergency.choices import OrderReason, OrderScope, SpotMethod
from minesafe.emergency.filters import OrderFilterSet, TargetFilterSet, WarningFilterSet
from minesafe.emergency.models import (
    CONFIRM,
    SPOT_CHECK,
    EvacuationOrder,
    OrderTarget,
    SpotCheck,
    WeatherWarning,
    alarm_case_model,
)
from minesafe.emergency.services import checks, orders, weather
from minesafe.registry.models import Mine

urlpatterns: list[Any] = []


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"detail": ["请求体必须是JSON对象"]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- warnings -----------------------------------------------------------------------------


class WeatherWarningSerializer(serializers.ModelSerializer):
    divisions = serializers.PrimaryKeyRelatedField(many=True, queryset=Division.objects.all())

    class Meta:
        model = WeatherWarning
        fields = ["id", "issuer", "kind", "level", "divisions", "valid_from", "valid_to", "text"]

    def validate_divisions(self, value: list[Division]) -> list[Division]:
        user = self.context["request"].user
        org = getattr(user, "organization", None)
        if not value:
            raise serializers.ValidationError("请至少选择一个影响区域")
        if user.is_superuser:
            return value
        if org is None or any(not d.path.startswith(org.division.path) for d in value):
            raise serializers.ValidationError("只能录入本辖区的气象预警")
        return value

    def create(self, validated_data: dict[str, Any]) -> WeatherWarning:
        divisions = validated_data.pop("divisions")
        return weather.record_warning(
            user=self.context["request"].user, divisions=divisions, **validated_data
        )


class ProposedMineSerializer(serializers.Serializer):
    mine = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    basis = serializers.CharField()


class WeatherWarningViewSet(ScopedViewSet):
    """Weather warnings of the caller's area (MON-8); regulators enter them."""

    queryset = WeatherWarning.objects.all()
    serializer_class = WeatherWarningSerializer
    filterset_class = WarningFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("divisions").order_by("-valid_from", "-pk")

    @extend_schema(responses=ProposedMineSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="affected-mines",
        filter_backends=[],
        pagination_class=None,
    )
    def affected_mines(self, request: Request, pk: str | None = None) -> Response:
        """The mines of the caller's jurisdiction this warning calls an order for, with why."""
        warning = self.get_object()
        rows = [
            {"mine": m.pk, "code": m.code, "name": m.name, "basis": basis}
            for m, basis in weather.proposed_mines(warning, request.user)
        ]
        return Response(ProposedMineSerializer(rows, many=True).data)


# --- orders -------------------------------------------------------------------------------


class SpotCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "checker",
            "checked_at",
            "method",
            "compliant",
            "findings",
            "people_found",
            "people",
        ]
        read_only_fields = fields


class OrderTargetSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    spot_checks = SpotCheckSerializer(many=True, read_only=True)

    class Meta:
        model = OrderTarget
        fields = [
            "id",
            "order",
            "order_number",
            "mine",
            "mine_code",
            "mine_name",
            "basis",
            "state",
            "deadline",
            "received_at",
            "received_by",
            "confirmed_at",
            "confirmed_by",
            "people_out",
            "people_remaining",
            "exemptions",
            "note",
            "late",
            "overdue_at",
            "check_result",
            "checked_at",
            "check_evidence",
            "violation_id_ref",
            "hazard_id_ref",
            "spot_checks",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """An order as read; ``targets`` lists only the mines the caller may see."""

    targets = serializers.SerializerMethodField()

    class Meta:
        model = EvacuationOrder
        fields = [
            "id",
            "number",
            "issuer_kind",
            "issuer_org",
            "issuer_mine",
            "issued_by_name",
            "reason",
            "warning",
            "alarm_case",
            "text",
            "issued_at",
            "deadline",
            "scope",
            "areas",
            "lifted_at",
            "lifted_by",
            "lift_reason",
            "targets",
        ]
        read_only_fields = fields

    @extend_schema_field(OrderTargetSerializer(many=True))
    def get_targets(self, order: EvacuationOrder) -> list[dict[str, Any]]:
        user = self.context["request"].user
        rows = (
            OrderTarget.objects.restrict(user).filter(order=order).select_related("mine", "order")
        )
        return list(OrderTargetSerializer(rows, many=True).data)


class OrderInput(serializers.Serializer):
    mines = serializers.ListField(child=id_field(), min_length=1, max_length=500)
    reason = serializers.ChoiceField(choices=OrderReason.choices)
    text = serializers.CharField(max_length=4000)
    deadline = serializers.DateTimeField()
    scope = serializers.ChoiceField(choices=OrderScope.choices, default=OrderScope.WHOLE_MINE)
    areas = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=100
    )
    warning = id_field(required=False)
    alarm_case = id_field(required=False)


class LiftInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class EvacuationOrderViewSet(ScopedViewSet):
    """Evacuation orders in jurisdiction (MON-8); mine staff issue their own mine's (EMG-2)."""

    queryset = EvacuationOrder.objects.all()
    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"lift": CHANGE}

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-issued_at", "-pk")

    @extend_schema(request=OrderInput, responses=OrderSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(OrderInput, request)
        user = request.user
        mines = list(Mine.objects.restrict(user).filter(pk__in=data["mines"]))
        if len(mines) != len(set(data["mines"])):
            raise exceptions.ValidationError({"mines": ["只能向本辖区煤矿下达撤人指令"]})
        warning = alarm_case = None
        if "warning" in data:
            warning = WeatherWarning.objects.restrict(user).filter(pk=data["warning"]).first()
            if warning is None:
                raise exceptions.ValidationError({"warning": ["气象预警不存在"]})
        if "alarm_case" in data:
            AlarmCase = alarm_case_model()

            alarm_case = AlarmCase.objects.restrict(user).filter(pk=data["alarm_case"]).first()
            if alarm_case is None:
                raise exceptions.ValidationError({"alarm_case": ["报警处置不存在"]})
        bases = dict(
            (m.pk, basis) for m, basis in (weather.proposed_mines(warning, user) if warning else [])
        )
        order = orders.issue_order(
            user=user,
            mines=mines,
            reason=data["reason"],
            text=data["text"],
            deadline=data["deadline"],
            now=timezone.now(),
            warning=warning,
            alarm_case=alarm_case,
            scope=data["scope"],
            areas=data.get("areas", []),
            bases=bases,
        )
        return Response(OrderSerializer(order, context={"request": request}).data, status=201)

    @extend_schema(request=LiftInput, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        data = _valid(LiftInput, request)
        orders.lift(order, request.user, timezone.now(), data["reason"])
        return Response(OrderSerializer(order, context={"request": request}).data)


# --- targets ------------------------------------------------------------------------------


class ExemptionInput(serializers.Serializer):
    card = serializers.CharField(max_length=40, allow_blank=True, default="")
    name = serializers.CharField(max_length=50)
    reason = serializers.CharField(max_length=200)


class ConfirmInput(serializers.Serializer):
    people_out = serializers.IntegerField(min_value=0, max_value=100000)
    people_remaining = serializers.IntegerField(min_value=0, max_value=100000)
    exemptions = ExemptionInput(many=True, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PersonInput(serializers.Serializer):
    card = serializers.CharField(max_length=40, allow_blank=True, default="")
    name = serializers.CharField(max_length=50)
    area = serializers.CharField(max_length=100, allow_blank=True, default="")


class SpotCheckInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=SpotMethod.choices)
    compliant = serializers.BooleanField()
    findings = serializers.CharField(max_length=4000)
    checked_at = serializers.DateTimeField(required=False)
    people = PersonInput(many=True, required=False)


class OrderTargetViewSet(WorkflowActions, ScopedViewSet):
    """Each mine's part of an order: the mine's steps are ``POST <id>/steps/receive/`` and
    ``POST <id>/steps/confirm/`` (``rules.TARGET_WORKFLOW``); regulators spot-check."""

    queryset = OrderTarget.objects.all()
    serializer_class = OrderTargetSerializer
    filterset_class = TargetFilterSet
    select = ("mine", "order")
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"step": CONFIRM, "spot_check": SPOT_CHECK}
    step_serializers = {"confirm": ConfirmInput}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("spot_checks").order_by("-deadline", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", "接收煤矿随撤人指令生成")

    def perform_step(self, obj: Any, name: str, data: dict[str, Any]) -> None:
        user, now = self.request.user, timezone.now()
        if name == "receive":
            orders.receive(obj, user, now)
        elif name == "confirm":
            orders.confirm(
                obj,
                user,
                now,
                people_out=data["people_out"],
                people_remaining=data["people_remaining"],
                exemptions=[rules.Exemption(**e) for e in data.get("exemptions", [])],
                note=data.get("note", ""),
            )
        else:  # not a step a person takes: the table says why (unknown, wrong state, no right)
            rules.TARGET_WORKFLOW.check(obj.state, name, actor_for(user, obj))

    @extend_schema(request=SpotCheckInput, responses=SpotCheckSerializer)
    @action(detail=True, methods=["post"], url_path="spot-check")
    def spot_check(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        data = _valid(SpotCheckInput, request)
        people = [
            rules.Person(card=p["card"], name=p["name"], area_name=p["area"])
            for p in data.get("people", [])
        ]
        row = checks.spot_check(
            target,
            request.user,
            timezone.now(),
            method=data["method"],
            compliant=data["compliant"],
            findings=data["findings"],
            people=people,
            checked_at=data.get("checked_at"),
        )
        return Response(SpotCheckSerializer(row).data, status=201)


def register(router: Any) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("weather-warnings", WeatherWarningViewSet, basename="weather-warning")
    router.register("evacuation-orders", EvacuationOrderViewSet, basename="evacuation-order")
    router.register("evacuation-targets", OrderTargetViewSet, basename="evacuation-target")
