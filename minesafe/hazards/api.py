"""REST API of the hazards area (§8): the same scoping as the pages — a mine sees its own, an
enterprise its mines, a regulator its jurisdiction. Registered on the shared router by
:mod:`minesafe.api_urls`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import (
    ScopedRelatedField,
    ScopedViewSet,
    WorkflowActions,
    WorkflowStepSerializer,
)
from minesafe.core.scoping import ADD, CHANGE
from minesafe.core.workflow import Refusal
from minesafe.hazards import forms, rules, services
from minesafe.hazards.catalogue import items_in_force
from minesafe.hazards.choices import HazardGrade
from minesafe.hazards.filters import HazardFilterSet
from minesafe.hazards.models import (
    DECIDE,
    FIVE_FIXES,
    SUPERVISE,
    Hazard,
    HazardPhoto,
    HazardProposal,
    HazardSuggestion,
    HazardTransition,
    ResponsibilityCase,
)
from minesafe.hazards.suggest import text_candidates
from minesafe.localtime import local_date
from minesafe.registry.models import Mine

READ_FIELDS = [
    "id",
    "number",
    "mine",
    "mine_name",
    "place",
    "source",
    "finder",
    "signer",
    "found_at",
    "description",
    "profession",
    "grade",
    "situation_code",
    "status",
    *FIVE_FIXES,
    "evidence",
    "rectified_at",
    "verified_by",
    "closed_at",
    "overdue_since",
    "listed",
    "listed_deadline",
    "escalation_level",
    "repeat",
    "fake_rectification",
    "penalty",
    "penalty_basis",
]


class HazardSerializer(serializers.ModelSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    situation_code = serializers.CharField(
        source="situation.code", required=False, allow_null=True, allow_blank=True
    )

    class Meta:
        model = Hazard
        fields = READ_FIELDS
        read_only_fields = [
            f
            for f in READ_FIELDS
            if f
            not in {
                "mine",
                "place",
                "source",
                "finder",
                "signer",
                "found_at",
                "description",
                "profession",
                "grade",
                "situation_code",
                *FIVE_FIXES,
            }
        ]

    def validate_source(self, value: str) -> str:
        allowed = forms.sources_for(self.context["request"].user)
        if value not in allowed:
            raise serializers.ValidationError(f"您不能登记来源为「{value}」的隐患")
        return value

    def create(self, validated: dict[str, Any]) -> Hazard:
        fixes = {k: validated.pop(k) for k in FIVE_FIXES if validated.get(k) not in (None, "")}
        situation = (validated.pop("situation", None) or {}).get("code")
        return services.record_hazard(
            **validated, situation=situation, fixes=fixes, user=self.context["request"].user
        )

    def update(self, instance: Hazard, validated: dict[str, Any]) -> Hazard:
        """Only the five fixes and the description change after recording (HAZ-1)."""
        frozen = {"mine", "source", "found_at", "grade", "situation"} & validated.keys()
        if frozen:
            raise serializers.ValidationError({name: "登记后不能修改" for name in frozen})
        for name, value in validated.items():
            setattr(instance, name, value)
        return services.save_fixes(instance, self.context["request"].user)


class RectifyInput(WorkflowStepSerializer):
    """Rectified: the reason is optional, the rectification's text is the evidence (HAZ-2)."""

    evidence = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SuperviseInput(serializers.Serializer):
    listed_deadline = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class DecisionInput(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = HazardPhoto
        fields = ["id", "hazard", "image", "caption", "stage"]
        read_only_fields = ["hazard"]

    def validate_image(self, image: Any) -> Any:
        try:
            forms.validate_photo(image)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return image


def _django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    )


@extend_schema_view(step=extend_schema(request=RectifyInput, responses=HazardSerializer))
class HazardViewSet(WorkflowActions, ScopedViewSet):
    """The ledger (HAZ-1) with the loop's actions (HAZ-2): the steps (``steps/<name>/``: start,
    rectify with ``evidence``, verify, send_back with ``reason``, close), supervise, photos."""

    queryset = Hazard.objects.all()
    serializer_class = HazardSerializer
    filterset_class = HazardFilterSet
    select = ("mine", "situation")
    ordering_fields = ["found_at", "deadline", "status", "grade"]
    search_fields = ["number", "description", "place"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    extra_actions_scope = {"step": CHANGE, "supervise": SUPERVISE, "photos": ADD}
    step_serializers = {"rectify": RectifyInput}

    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.save()
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        try:
            serializer.save()
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc

    def _act(self, request: Request, call: Any) -> Response:
        hazard = self.get_object()
        try:
            hazard = call(hazard)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        hazard.refresh_from_db()
        return Response(HazardSerializer(hazard, context={"request": request}).data)

    def perform_step(self, obj: Any, name: str, data: dict[str, Any]) -> None:
        """A step of the loop; the five fixes' own step is taken by saving them, not here."""
        if name in rules.AUTOMATIC_STEPS:
            raise Refusal("step", "五落实填写齐全后自动完成，不能单独办理")
        services.transition(
            obj,
            name,
            self.request.user,
            reason=data.get("reason", ""),
            evidence=data.get("evidence", ""),
        )

    @extend_schema(request=SuperviseInput, responses=HazardSerializer)
    @action(detail=True, methods=["post"])
    def supervise(self, request: Request, pk: Any = None) -> Response:
        """挂牌督办 with the regulator's own deadline."""
        data = SuperviseInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return self._act(
            request,
            lambda h: services.list_for_supervision(
                h, request.user, v["listed_deadline"], reason=v.get("reason", "")
            ),
        )

    @extend_schema(request=PhotoSerializer, responses=PhotoSerializer)
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    def photos(self, request: Request, pk: Any = None) -> Response:
        """Attach a JPEG/PNG photo of at most 5 MB."""
        hazard = self.get_object()
        serializer = PhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(hazard=hazard)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class SuggestionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="item.code", read_only=True)
    text = serializers.CharField(source="item.text", read_only=True)

    class Meta:
        model = HazardSuggestion
        fields = [
            "id",
            "hazard",
            "code",
            "text",
            "method",
            "rank",
            "score",
            "explanation",
            "decision",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class SuggestionViewSet(ScopedViewSet):
    """Suggested situations; ``decide`` confirms (the hazard becomes major) or rejects."""

    queryset = HazardSuggestion.objects.all()
    serializer_class = SuggestionSerializer
    select = ("item", "hazard")
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"decide": DECIDE}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"detail": "建议由系统生成"}, status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(request=DecisionInput, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        suggestion = self.get_object()
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.decide_suggestion(
                suggestion,
                request.user,
                data.validated_data["accept"],
                data.validated_data.get("reason", ""),
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(SuggestionSerializer(suggestion).data)


def _read_only(model: Any, fields: list[str], doc: str) -> type:
    """A scoped read-only viewset for one of the loop's record models."""

    class Serializer(serializers.ModelSerializer):
        class Meta:
            pass

    Serializer.Meta.model = model  # type: ignore[attr-defined]
    Serializer.Meta.fields = fields  # type: ignore[attr-defined]
    Serializer.__name__ = f"{model.__name__}Serializer"

    class ViewSet(ScopedViewSet):
        queryset = model.objects.all()
        serializer_class = Serializer
        http_method_names = ["get", "head", "options"]

    ViewSet.__name__ = f"{model.__name__}ViewSet"
    ViewSet.__doc__ = doc
    return ViewSet


TransitionViewSet = _read_only(
    HazardTransition,
    ["id", "hazard", "step", "from_state", "to_state", "username", "at", "reason", "evidence"],
    "Every step and event of every hazard in scope (who, when, why, from → to, evidence).",
)
ProposalViewSet = _read_only(
    HazardProposal,
    ["id", "mine", "hazard", "kind", "addressee", "basis", "evidence", "time"],
    "Proposals of the repeat rules (HAZ-4/5/6) for regulators.",
)
CaseViewSet = _read_only(
    ResponsibilityCase,
    ["id", "hazard", "inspectors", "checks", "basis", "status", "opened_at"],
    "Responsibility-tracing cases (HAZ-9).",
)


class SuggestInput(serializers.Serializer):
    description = serializers.CharField(max_length=2000)
    found_on = serializers.DateField(required=False)


class SuggestionOut(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    score = serializers.FloatField()
    explanation = serializers.CharField()
    grade = serializers.CharField()


class CatalogueItemOut(serializers.Serializer):
    edition = serializers.CharField()
    code = serializers.CharField()
    category = serializers.CharField()
    text = serializers.CharField()
    unverified = serializers.BooleanField()


@extend_schema(request=SuggestInput, responses=SuggestionOut(many=True))
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def suggest(request: Request) -> Response:
    """HAZ-2: the top situations for a description (no record is written)."""
    data = SuggestInput(data=request.data)
    data.is_valid(raise_exception=True)
    on = data.validated_data.get("found_on") or local_date()
    items = {i.code: i.text for i in items_in_force(on)}
    return Response(
        [
            {
                "code": c.code,
                "text": items.get(c.code, "一般隐患" if c.code == "general" else ""),
                "score": c.score,
                "explanation": c.explanation(),
                "grade": HazardGrade.GENERAL if c.code == "general" else HazardGrade.MAJOR,
            }
            for c in text_candidates(data.validated_data["description"], on)
        ]
    )


@extend_schema(
    parameters=[OpenApiParameter("on", str, description="YYYY-MM-DD，默认今天")],
    responses=CatalogueItemOut(many=True),
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def catalogue(request: Request) -> Response:
    """The situations of the edition in force on ``?on=YYYY-MM-DD`` (default today)."""
    raw = request.query_params.get("on")
    try:
        on = timezone.datetime.fromisoformat(raw).date() if raw else local_date()
    except ValueError:
        return Response({"on": ["日期格式应为YYYY-MM-DD"]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        [
            {
                "edition": i.edition,
                "code": i.code,
                "category": i.category.title,
                "text": i.text,
                "unverified": i.unverified,
            }
            for i in items_in_force(on)
        ]
    )


from django.urls import path  # noqa: E402

urlpatterns: list[Any] = [
    path("hazards/suggest/", suggest, name="api-hazard-suggest"),
    path("hazards/catalogue/", catalogue, name="api-hazard-catalogue"),
]


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("hazards", HazardViewSet, basename="hazard")
    router.register("hazard-suggestions", SuggestionViewSet, basename="hazard-suggestion")
    router.register("hazard-history", TransitionViewSet, basename="hazard-history")
    router.register("hazard-proposals", ProposalViewSet, basename="hazard-proposal")
    router.register("responsibility-cases", CaseViewSet, basename="responsibility-case")
