"""REST API of self-inspection (HAZ-8): templates, campaigns, reports and answers, with the same
scoping as the pages; workflow steps are actions on a report."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ScopedRelatedField, ScopedViewSet, WorkflowActions, id_field
from minesafe.core.scoping import VIEW
from minesafe.localtime import local_date
from minesafe.registry.models import Mine
from minesafe.selfinspection import excel, rules, services
from minesafe.selfinspection.choices import AnswerResult, ReportStatus, ScopeMode, TemplateKind
from minesafe.selfinspection.models import (
    ANSWER,
    IMPORT,
    REVIEW,
    SIGN,
    Campaign,
    CampaignReport,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    ReportAnswer,
    ReportTransition,
)

urlpatterns: list[Any] = []


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "order", "code", "text", "basis"]


class ChecklistSectionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistSection
        fields = ["id", "order", "title", "items"]


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    sections = ChecklistSectionSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "name", "kind", "version", "source", "is_active", "sections"]


class TemplateImportSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=TemplateKind.choices)
    version = serializers.CharField(max_length=30)
    file = serializers.FileField()


class ChecklistTemplateViewSet(ScopedViewSet):
    """The checklist library (HAZ-8); regulators import new templates from Excel."""

    queryset = ChecklistTemplate.objects.all()
    serializer_class = ChecklistTemplateSerializer
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"import_excel": IMPORT}

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("sections__items")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"detail": "请使用 import_excel 导入检查表"}, status=405)

    @extend_schema(request=TemplateImportSerializer, responses={201: dict, 400: dict})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    def import_excel(self, request: Request) -> Response:
        """Import a checklist workbook; one bad row imports nothing (errors by row/column)."""
        form = TemplateImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = excel.import_checklist(
            data["file"], name=data["name"], kind=data["kind"], version=data["version"]
        )
        code = status.HTTP_201_CREATED if result.ok else status.HTTP_400_BAD_REQUEST
        return Response(result.as_dict(), status=code)


class CampaignSerializer(serializers.ModelSerializer):
    template = ScopedRelatedField(queryset=ChecklistTemplate.objects.filter(is_active=True))
    mines = ScopedRelatedField(
        queryset=Mine.objects.all(), many=True, write_only=True, required=False
    )
    organization = serializers.StringRelatedField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "template",
            "organization",
            "launched_on",
            "deadline",
            "scope_mode",
            "scope_note",
            "instructions",
            "mines",
            "progress",
        ]
        read_only_fields = ["launched_on", "scope_note"]

    def get_progress(self, campaign: Campaign) -> dict[str, int]:
        user = self.context["request"].user
        reports = CampaignReport.objects.restrict(user, VIEW).filter(campaign=campaign)
        today = local_date()
        counts = {value: 0 for value in ReportStatus.values}
        overdue = 0
        for report_status in reports.values_list("status", flat=True):
            counts[report_status] += 1
            overdue += rules.is_overdue(report_status, campaign.deadline, today)
        return {**counts, "overdue": overdue}

    def validate_scope_mode(self, value: str) -> str:
        if value == ScopeMode.FILTER:
            raise serializers.ValidationError("接口请使用 all（辖区全部）或 chosen（配合 mines）")
        return value

    def create(self, validated: dict[str, Any]) -> Campaign:
        user = self.context["request"].user
        mode = validated.get("scope_mode", ScopeMode.ALL)
        mines = validated.get("mines") or []
        if mode != ScopeMode.CHOSEN:
            mines = list(Mine.objects.restrict(user, VIEW))
        try:
            return services.launch_campaign(
                user=user,
                name=validated["name"],
                template=validated["template"],
                mines=mines,
                deadline=validated["deadline"],
                today=local_date(),
                scope_mode=mode,
                scope_note="" if mode == ScopeMode.ALL else f"共{len(mines)}处煤矿",
                instructions=validated.get("instructions", ""),
            )
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc


class CampaignViewSet(ScopedViewSet):
    """Campaigns (HAZ-8): regulators launch them (``scope_mode`` all or chosen ``mines``)."""

    queryset = Campaign.objects.all()
    serializer_class = CampaignSerializer
    select = ("template", "organization")
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], url_path="mines-without-report")
    def mines_without_report(self, request: Request) -> Response:
        """Producing mines without a signed report in the interval in force (HAZ-8, 003)."""
        today = local_date()
        rows = services.mines_lacking_inspection(request.user, today)
        return Response(
            {
                "months": rules.frequency_months(today),
                "mines": [
                    {"mine": r["mine"].pk, "code": r["mine"].code, "last_signed": r["last"]}
                    for r in rows
                ],
            }
        )


class ReportTransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportTransition
        fields = ["step", "from_state", "to_state", "username", "at", "reason"]


class ReportSerializer(serializers.ModelSerializer):
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    transitions = ReportTransitionSerializer(many=True, read_only=True)
    completeness = serializers.SerializerMethodField()

    class Meta:
        model = CampaignReport
        fields = [
            "id",
            "campaign",
            "mine",
            "mine_name",
            "status",
            "summary",
            "signer_name",
            "signed_at",
            "reviewed_at",
            "review_note",
            "completeness",
            "transitions",
        ]
        read_only_fields = fields

    def get_completeness(self, report: CampaignReport) -> dict[str, Any]:
        c = services.report_completeness(report)
        return {
            "total": c.total,
            "answered": c.answered,
            "hazards": c.hazards,
            "complete": c.complete,
            "missing": list(c.missing),
            "invalid": list(c.invalid),
        }


class AnswerInputSerializer(serializers.Serializer):
    item = id_field()
    result = serializers.ChoiceField(choices=AnswerResult.choices)
    finding = serializers.CharField(allow_blank=True, required=False, default="", max_length=4000)
    place = serializers.CharField(allow_blank=True, required=False, default="", max_length=100)


class SignSerializer(serializers.Serializer):
    signer_name = serializers.CharField(max_length=50)
    summary = serializers.CharField(allow_blank=True, required=False, default="")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReportStatus.ACCEPTED, ReportStatus.RETURNED])
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ReportViewSet(WorkflowActions, ScopedViewSet):
    """Mine reports (HAZ-8): read; ``answers`` (mine) and the workflow's steps
    (``steps/sign`` by the mine manager, ``steps/accept`` and ``steps/return`` by a regulator;
    ``sign`` and ``review`` are the same steps under their earlier names)."""

    queryset = CampaignReport.objects.all()
    serializer_class = ReportSerializer
    select = ("mine", "campaign")
    http_method_names = ["get", "post", "head", "options"]
    extra_actions_scope = {"answers": ANSWER, "sign": SIGN, "review": REVIEW}
    filterset_fields = ["campaign", "mine", "status"]
    step_serializers = {"sign": SignSerializer}

    def get_queryset(self) -> QuerySet[CampaignReport]:
        return super().get_queryset().prefetch_related("transitions", "answers")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"detail": "报告随活动发起自动生成"}, status=405)

    def _report(self) -> CampaignReport:
        report: CampaignReport = self.get_object()
        return report

    def perform_step(self, obj: Any, name: str, data: dict[str, Any]) -> None:
        step = rules.REPORT_WORKFLOW.step(name)
        now = timezone.now()
        if step.name == "sign":
            services.sign_report(
                obj,
                user=self.request.user,
                signer_name=data["signer_name"],
                summary=data["summary"],
                now=now,
            )
            return
        decision = {s: d for d, s in rules.REVIEW_STEPS.items()}[step.name]
        services.review_report(
            obj, user=self.request.user, decision=decision, reason=data["reason"], now=now
        )

    @extend_schema(request=AnswerInputSerializer(many=True), responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Save answers: a list of ``{item, result, finding, place}``."""
        report = self._report()
        rows = AnswerInputSerializer(data=request.data, many=True)
        rows.is_valid(raise_exception=True)
        answers = {
            row["item"]: services.AnswerInput(row["result"], row["finding"], row["place"])
            for row in rows.validated_data
        }
        services.save_answers(report, answers)
        return Response(ReportSerializer(report, context={"request": request}).data)

    @extend_schema(request=SignSerializer, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        return self.run_step(request, "sign")

    @extend_schema(request=ReviewSerializer, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.perform_step(
            self._report(), rules.REVIEW_STEPS[body.validated_data["decision"]], body.validated_data
        )
        report = self._report()
        return Response(ReportSerializer(report, context={"request": request}).data)


class AnswerSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = ReportAnswer
        fields = ["id", "report", "item", "item_code", "result", "finding", "place", "hazard_id"]
        read_only_fields = ["report", "item", "hazard_id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        answer = self.instance
        if answer is not None and answer.report.status not in rules.EDITABLE:
            raise serializers.ValidationError({"report": "报告已上报，不能修改"})
        result = attrs.get("result", getattr(answer, "result", ""))
        finding = attrs.get("finding", getattr(answer, "finding", ""))
        problem = rules.answer_problem(result, finding)
        if problem:
            raise serializers.ValidationError({"finding": problem})
        return attrs


class AnswerViewSet(ScopedViewSet):
    """Single answers; a mine corrects one with PATCH while its report is editable."""

    queryset = ReportAnswer.objects.all()
    serializer_class = AnswerSerializer
    select = ("item", "report")
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["report", "result"]


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("self-inspection/templates", ChecklistTemplateViewSet, "checklist-template")
    router.register("self-inspection/campaigns", CampaignViewSet, "campaign")
    router.register("self-inspection/reports", ReportViewSet, "campaign-report")
    router.register("self-inspection/answers", AnswerViewSet, "campaign-answer")
