"""REST API of the enforcement area, registered on the shared router by :mod:`minesafe.api_urls`.

The same scoping and services as the pages: a sealed record is absent for a mine or enterprise
caller, a rule's refusal answers 400 with the field named.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.accounts.models import User
from minesafe.core.api import (
    ModelRulesSerializer,
    ScopedRelatedField,
    ScopedViewSet,
    WorkflowActions,
)
from minesafe.core.context import audit_reason
from minesafe.core.scoping import ADD, CHANGE, VIEW
from minesafe.enforcement import documents, planning, services
from minesafe.enforcement.choices import Consequence, DocumentKind, FindingKind
from minesafe.enforcement.filters import InspectionFilterSet
from minesafe.enforcement.forms import PlanEntryForm, officers
from minesafe.enforcement.models import (
    DECIDE,
    DRAW,
    REVIEW,
    SIGN,
    Decision,
    Document,
    Draw,
    Expert,
    Finding,
    Inspection,
    ManagerScore,
    Plan,
    PlanEntry,
    QuizResult,
    Referral,
)
from minesafe.hazards.models import MajorHazardItem
from minesafe.localtime import local_date
from minesafe.registry.models import Enterprise, Mine

urlpatterns: list[Any] = []
READ_ONLY = ["get", "head", "options"]


def _serializer(model: type, fields: list[str] | str, read_only: tuple[str, ...] = ()) -> type:
    meta = type("Meta", (), {"model": model, "fields": fields, "read_only_fields": read_only})
    return type(f"{model.__name__}Serializer", (ModelRulesSerializer,), {"Meta": meta})


FindingSerializer = _serializer(
    Finding,
    [
        "id",
        "inspection",
        "kind",
        "situation",
        "description",
        "place",
        "major",
        "basic_condition",
        "self_reported",
        "first_offence",
        "tip_off_verified",
        "repeated",
        "rectify_by",
        "rectified_on",
        "hazard_id_ref",
    ],
)


class InspectionSerializer(ModelRulesSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "mine",
            "organization",
            "kind",
            "step",
            "planned_on",
            "started_at",
            "finished_at",
            "leader",
            "route",
            "remote_examined",
            "summary",
            "signed_by",
            "signed_at",
            "recheck_of",
            "recheck_due",
            "findings",
        ]
        read_only_fields = [
            "organization",
            "step",
            "started_at",
            "finished_at",
            "leader",
            "signed_by",
            "signed_at",
            "recheck_of",
            "recheck_due",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            if self.instance.signed:
                raise serializers.ValidationError({"detail": "检查记录已签名，不能再修改"})
            if "mine" in attrs and attrs["mine"] != self.instance.mine:
                raise serializers.ValidationError({"mine": "不能更换被检查煤矿"})
        return super().validate(attrs)


class InspectionSignSerializer(serializers.Serializer):
    finished_at = serializers.DateTimeField()


class NewFindingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(FindingKind.choices)
    situation = serializers.PrimaryKeyRelatedField(
        queryset=MajorHazardItem.objects.all(), required=False, allow_null=True, default=None
    )
    description = serializers.CharField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    major = serializers.BooleanField(required=False, default=False)
    basic_condition = serializers.BooleanField(required=False, default=False)
    self_reported = serializers.BooleanField(required=False, default=False)
    first_offence = serializers.BooleanField(required=False, default=False)
    tip_off_verified = serializers.BooleanField(required=False, default=False)
    repeated = serializers.BooleanField(required=False, default=False)
    rectify_by = serializers.DateField(required=False, allow_null=True, default=None)


class DecideSerializer(serializers.Serializer):
    consequences = serializers.ListField(child=serializers.ChoiceField(Consequence.choices))
    deviation_reason = serializers.CharField(required=False, allow_blank=True, default="")
    fine = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    manager_name = serializers.CharField(required=False, allow_blank=True, default="")
    manager_id_number = serializers.RegexField(
        r"^[0-9]{17}[0-9X]$", required=False, allow_blank=True, default=""
    )


DecisionSerializer = _serializer(Decision, "__all__", ("proposed",))


class DocumentSerializer(serializers.ModelSerializer):
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "inspection",
            "kind",
            "number",
            "year",
            "serial",
            "issued_at",
            "public",
            "pdf",
        ]

    def get_pdf(self, obj: Document) -> str:
        return obj.get_absolute_url()


class DocumentKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)


class ReasonSerializer(serializers.Serializer):
    text = serializers.CharField()
    source = serializers.CharField()


class ProposalSerializer(serializers.Serializer):
    """The rules' proposed decision (:class:`minesafe.enforcement.rules.Proposal`)."""

    consequences = serializers.ListField(child=serializers.CharField())
    reasons = ReasonSerializer(many=True)
    manager_points = serializers.IntegerField()
    referrals = serializers.ListField(child=serializers.CharField())
    penalty = serializers.CharField()


class InspectionViewSet(WorkflowActions, ScopedViewSet):
    """ENF-3: inspection records, findings, signature, decision and documents; the flow's steps
    through ``steps/<name>/`` (``rules.INSPECTION_WORKFLOW``: each step named after the stage it
    enters, a note in ``reason``)."""

    queryset = Inspection.objects.all()
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    select = ("mine", "organization")
    http_method_names = ["get", "post", "patch", "head", "options"]
    extra_actions_scope = {
        "sign": SIGN,
        "add_finding": CHANGE,
        "proposal": DECIDE,
        "decide": DECIDE,
        "issue_document": ADD,
    }

    def perform_create(self, serializer: Any) -> None:
        user = self.request.user
        if user.organization_id is None:
            raise serializers.ValidationError({"organization": "只有监管监察机构人员可以新建检查"})
        inspection = serializer.save(organization=user.organization, leader=user)
        services.record_opened(inspection, user, timezone.now(), "新建检查")

    def _object(self, scope: str) -> Inspection:
        inspection = self.get_object()
        if (
            not Inspection.objects.restrict(self.request.user, scope)
            .filter(pk=inspection.pk)
            .exists()
        ):
            self.permission_denied(self.request)
        return inspection

    def perform_step(self, obj: Any, name: str, data: dict[str, Any]) -> None:
        services.take_step(obj, name, self.request.user, timezone.now(), data["reason"])

    @extend_schema(request=NewFindingSerializer, responses={201: FindingSerializer})
    @action(detail=True, methods=["post"], url_path="findings")
    def add_finding(self, request: Request, pk: str) -> Response:
        inspection = self._object(CHANGE)
        data = NewFindingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.add_finding(
            inspection, request.user, local_date(), **data.validated_data
        )
        return Response(FindingSerializer(finding).data, status=201)

    @extend_schema(request=InspectionSignSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str) -> Response:
        inspection = self._object(SIGN)
        data = InspectionSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sign(inspection, request.user, timezone.now(), data.validated_data["finished_at"])
        return Response(InspectionSerializer(inspection, context={"request": request}).data)

    @extend_schema(request=None, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def proposal(self, request: Request, pk: str) -> Response:
        """ENF-5/ENF-6: compute the rules' proposed decision with its reasons (nothing is saved;
        POST because only those who may decide may ask)."""
        inspection = self._object(DECIDE)
        return Response(services.propose(inspection, local_date()).as_dict())

    @extend_schema(request=DecideSerializer, responses={201: DecisionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        inspection = self._object(DECIDE)
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.decide(
            inspection, user=request.user, now=timezone.now(), **data.validated_data
        )
        return Response(DecisionSerializer(decision).data, status=201)

    @extend_schema(request=DocumentKindSerializer, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], url_path="documents")
    def issue_document(self, request: Request, pk: str) -> Response:
        inspection = self.get_object()
        kind = request.data.get("kind") if isinstance(request.data, dict) else None
        if kind not in DocumentKind.values:
            raise serializers.ValidationError({"kind": "未知的文书类型"})
        document = documents.issue_document(inspection, kind, request.user, timezone.now())
        return Response(DocumentSerializer(document).data, status=201)


class DecisionReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionViewSet(ScopedViewSet):
    """ENF-5: decisions with the rules' proposal; legal review as an action."""

    queryset = Decision.objects.all()
    serializer_class = DecisionSerializer
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"review": REVIEW}

    @extend_schema(request=DecisionReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        decision = self.get_object()
        data = DecisionReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review(decision, user=request.user, now=timezone.now(), **data.validated_data)
        return Response(DecisionSerializer(decision).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"detail": "请通过检查记录作出处理决定"}, status=405)


class DrawCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(["unannounced", "night", "return", "closed_mine"])
    check_on = serializers.DateField()
    count = serializers.IntegerField(min_value=1, max_value=50)


class DrawVerifySerializer(serializers.Serializer):
    same = serializers.BooleanField(help_text="重新抽取的结果与原结果一致")
    targets = serializers.ListField(child=serializers.IntegerField(), help_text="原抽中煤矿")
    rerun = serializers.ListField(child=serializers.IntegerField(), help_text="重新抽取的煤矿")
    seed = serializers.CharField()


class DrawViewSet(ScopedViewSet):
    """ENF-2: draws with seed and inputs; POST draws; ``verify`` re-runs a stored draw."""

    queryset = Draw.objects.all()
    serializer_class = _serializer(
        Draw, "__all__", ("organization", "seed", "inputs", "targets", "drawn_by")
    )
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"create": DRAW, "verify": VIEW}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DrawCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.organization_id is None:
            raise serializers.ValidationError({"organization": "只有监管监察机构人员可以抽取"})
        draw = planning.make_draw(
            organization=request.user.organization,
            user=request.user,
            now=timezone.now(),
            **data.validated_data,
        )
        return Response(self.get_serializer(draw).data, status=201)

    @extend_schema(responses=DrawVerifySerializer)
    @action(detail=True, methods=["get"])
    def verify(self, request: Request, pk: str) -> Response:
        draw = self.get_object()
        ok, again = planning.verify_draw(draw)
        return Response({"same": ok, "targets": draw.targets, "rerun": again, "seed": draw.seed})


class ReferralSerializer(ModelRulesSerializer):
    mine = ScopedRelatedField(queryset=Mine.objects.all())

    class Meta:
        model = Referral
        fields = "__all__"
        read_only_fields = ["due_on", "inspection"]

    def create(self, validated_data: dict[str, Any]) -> Referral:
        due = services.referral_due(validated_data["target"], validated_data["sent_on"])
        return super().create({**validated_data, "due_on": due})


class ReferralViewSet(ScopedViewSet):
    queryset = Referral.objects.all()
    serializer_class = ReferralSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]


class ExpertSerializer(ModelRulesSerializer):
    """ENF-8: the employer behind the conflict-of-interest check, among what the caller sees."""

    employer_mine = ScopedRelatedField(queryset=Mine.objects.all(), required=False, allow_null=True)
    employer_enterprise = ScopedRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Expert
        fields = "__all__"
        read_only_fields = ["organization"]


class ExpertViewSet(ScopedViewSet):
    queryset = Expert.objects.all()
    serializer_class = ExpertSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        if self.request.user.organization_id is None:
            raise serializers.ValidationError(
                {"organization": "只有监管监察机构人员可以维护专家库"}
            )
        serializer.save(organization=self.request.user.organization)


class OfficerField(serializers.PrimaryKeyRelatedField):
    """A government officer of the caller's body or a body below it: the pages' choices."""

    def get_queryset(self) -> Any:
        return officers(self.context["request"].user)


class PlanEntrySerializer(ModelRulesSerializer):
    """An adjustment takes what the page's form takes: its fields, its choice of responsible
    inspectors, the entry's own rules, and a reason with every change (ENF-1)."""

    inspector = OfficerField(queryset=User.objects.all(), allow_null=True, required=False)

    class Meta:
        model = PlanEntry
        fields = ["id", "plan", "mine", "reasons", *PlanEntryForm.Meta.fields]
        read_only_fields = ["plan", "mine", "reasons"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("edited_reason", "").strip():
            raise serializers.ValidationError({"edited_reason": "请填写调整理由"})
        return super().validate(attrs)


class PlanEntryViewSet(ScopedViewSet):
    queryset = PlanEntry.objects.all()
    serializer_class = PlanEntrySerializer
    select = ("mine", "plan")
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer: Any) -> None:
        """The adjustment's reason is the reason of its audit entry."""
        with audit_reason(serializer.validated_data["edited_reason"]):
            serializer.save()


def _read_only(model: type, serializer: type | None = None) -> type:
    """A read-only scoped viewset; ``serializer`` reused where one exists, so the schema has one
    component per model."""
    return type(
        f"{model.__name__}ViewSet",
        (ScopedViewSet,),
        {
            "queryset": model.objects.all(),
            "serializer_class": serializer or _serializer(model, "__all__"),
            "http_method_names": READ_ONLY,
        },
    )


PlanViewSet = _read_only(Plan)
QuizResultViewSet = _read_only(QuizResult)
ManagerScoreViewSet = _read_only(ManagerScore)
FindingViewSet = _read_only(Finding, FindingSerializer)
DocumentViewSet = type(
    "DocumentViewSet",
    (ScopedViewSet,),
    {
        "queryset": Document.objects.all(),
        "serializer_class": DocumentSerializer,
        "http_method_names": READ_ONLY,
    },
)


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    prefix = "enforcement"
    for name, viewset, basename in [
        ("inspections", InspectionViewSet, "inspection"),
        ("findings", FindingViewSet, "finding"),
        ("decisions", DecisionViewSet, "decision"),
        ("documents", DocumentViewSet, "document"),
        ("plans", PlanViewSet, "plan"),
        ("plan-entries", PlanEntryViewSet, "plan-entry"),
        ("draws", DrawViewSet, "draw"),
        ("experts", ExpertViewSet, "expert"),
        ("quizzes", QuizResultViewSet, "quiz"),
        ("manager-scores", ManagerScoreViewSet, "manager-score"),
        ("referrals", ReferralViewSet, "referral"),
    ]:
        router.register(f"{prefix}/{name}", viewset, basename=f"enforcement-{basename}")
