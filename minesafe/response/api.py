"""REST API of the graded alarm response (MON-4), registered on the shared router by
:mod:`minesafe.api_urls`: cases (list, retrieve, and the loop's actions as POSTs) and planned
work (list, retrieve, create, edit, cancel). Scoped like every other endpoint; the caller's
notifications are the notifications app's (``/api/notifications/``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.accounts.models import User
from minesafe.core.api import ScopedViewSet, WorkflowActions, WorkflowStepSerializer
from minesafe.core.context import audit_reason
from minesafe.core.scoping import CHANGE
from minesafe.localtime import local_date
from minesafe.monitoring.choices import AlarmKind
from minesafe.registry.models import Mine
from minesafe.response import rules, services
from minesafe.response.filters import CaseFilterSet
from minesafe.response.models import (
    ACT,
    COMMENT,
    AlarmCase,
    CaseTransition,
    PlannedWork,
)

urlpatterns: list[Any] = []


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTransition
        fields = [
            "step",
            "label",
            "from_state",
            "to_state",
            "old_level",
            "new_level",
            "username",
            "at",
            "reason",
        ]
        read_only_fields = fields


class AlarmCaseSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    color = serializers.CharField(read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta:
        model = AlarmCase
        fields = [
            "id",
            "alarm",
            "mine",
            "mine_code",
            "kind",
            "point_code",
            "opened_at",
            "level",
            "effective_level",
            "color",
            "state",
            "state_display",
            "deadline",
            "escalations",
            "parent",
            "group_reason",
            "children_count",
            "planned_work",
            "assignee",
            "acknowledged_by",
            "acknowledged_at",
            "measures",
            "evacuated",
            "power_cut_confirmed",
            "disposed_by",
            "disposed_at",
            "feedback",
            "fed_back_at",
            "verification",
            "verified_by",
            "verified_at",
            "closed_by",
            "closed_at",
            "transitions",
        ]
        read_only_fields = fields


class DisposeSerializer(WorkflowStepSerializer):
    """The ``dispose`` step: the measures taken (required), people evacuated, power cut."""

    measures = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    evacuated = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    power_cut_confirmed = serializers.BooleanField(required=False, default=False)


class FeedbackSerializer(WorkflowStepSerializer):
    """The ``feedback`` step: what the disposal achieved (required)."""

    feedback = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    current_reading = serializers.FloatField(
        required=False, allow_null=True, min_value=-1e6, max_value=1e6
    )


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"detail": ["请求体必须是JSON对象"]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class AlarmCaseViewSet(WorkflowActions, ScopedViewSet):
    """Alarm cases in jurisdiction; the loop's steps are ``POST <id>/steps/<name>/`` (MON-4)."""

    queryset = AlarmCase.objects.all()
    serializer_class = AlarmCaseSerializer
    filterset_class = CaseFilterSet
    select = ("mine",)
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"step": ACT, "comment": COMMENT, "assign": CHANGE}
    step_serializers = {"dispose": DisposeSerializer, "feedback": FeedbackSerializer}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("transitions")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", "报警处置由系统根据报警自动生成")

    def perform_step(self, obj: Any, name: str, data: dict[str, Any]) -> None:
        services.take_step(obj, name, self.request.user, timezone.now(), data)

    @extend_schema(
        request=CommentSerializer,
        responses={201: inline_serializer("CommentAdded", {"ok": serializers.BooleanField()})},
    )
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(CommentSerializer, request)
        services.add_comment(case, request.user, data["text"], timezone.now())
        return Response({"ok": True}, status=201)

    @extend_schema(request=AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = _valid(AssignSerializer, request)
        services.assign(
            case, request.user, data["assignee"], timezone.now(), data.get("reason", "")
        )
        case.refresh_from_db()
        return Response(AlarmCaseSerializer(case).data)


class PlannedWorkSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=AlarmKind.choices), required=False
    )
    mine = serializers.PrimaryKeyRelatedField(queryset=Mine.objects.all())

    class Meta:
        model = PlannedWork
        fields = [
            "id",
            "mine",
            "kind",
            "points",
            "locations",
            "kinds",
            "starts_at",
            "ends_at",
            "reason",
            "declared_by",
            "cancelled_at",
        ]
        read_only_fields = ["declared_by", "cancelled_at"]

    def validate_mine(self, mine: Mine) -> Mine:
        user = self.context["request"].user
        if self.instance is not None and mine.pk != self.instance.mine_id:
            raise serializers.ValidationError("计划作业的煤矿不能修改")
        if not Mine.objects.restrict(user).filter(pk=mine.pk).exists():
            raise serializers.ValidationError("只能为本单位煤矿申报计划作业")
        return mine

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts is not None and ends is not None:
            now = timezone.now()
            errors = rules.check_work_window(starts, ends, now, rules.policy(local_date(now)))
            if self.instance is not None and "starts_at" not in attrs:
                errors.pop("starts_at", None)
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class PlannedWorkViewSet(ScopedViewSet):
    """Planned work declared by mines (issue 6 §2); cancel instead of delete, so it stays on
    the record."""

    queryset = PlannedWork.objects.all()
    serializer_class = PlannedWorkSerializer
    select = ("mine",)
    http_method_names = ["get", "post", "patch", "head", "options"]
    extra_actions_scope = {"cancel": CHANGE}

    def perform_create(self, serializer: Any) -> None:
        serializer.save(declared_by=str(self.request.user))

    @extend_schema(
        request=inline_serializer("PlannedWorkCancel", {"reason": serializers.CharField()})
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        work = self.get_object()
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        if not isinstance(reason, str) or not reason.strip():
            raise exceptions.ValidationError({"reason": ["请填写撤销原因"]})
        with audit_reason(reason.strip()):
            work.cancelled_at = timezone.now()
            work.save()
        return Response(PlannedWorkSerializer(work, context={"request": request}).data)


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("alarm-cases", AlarmCaseViewSet, basename="alarm-case")
    router.register("planned-work", PlannedWorkViewSet, basename="planned-work")
