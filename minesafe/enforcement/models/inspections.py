"""The inspection record and what hangs off it on site: its flow's history, checklist,
findings and quizzes (ENF-3, PER-8, HAZ-9)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from minesafe.accounts.models import Organization
from minesafe.core.models import BaseModel, TransitionRecord
from minesafe.core.roles import GOVERNMENT_ROLES
from minesafe.core.scoping import Access
from minesafe.enforcement.choices import STEP_COLORS, FindingKind, InspectionKind, Step
from minesafe.enforcement.models.access import DECIDE, SIGN, record_access
from minesafe.enforcement.models.planning import Draw, Expert, PlanEntry
from minesafe.registry.models import Mine


class SealedAudit:
    """Changes of a sealed record stay out of the mine's dossier history (ENF-2): the audit row
    is written without a mine until the check starts."""

    def sealed_record(self) -> bool:
        inspection = self if isinstance(self, Inspection) else getattr(self, "inspection", None)
        return bool(inspection is not None and inspection.sealed)

    def audit_mine_id(self) -> int | None:
        if self.sealed_record():
            return None
        return super().audit_mine_id()  # type: ignore[misc]


class Inspection(SealedAudit, BaseModel):
    """One inspection record (ENF-3, HAZ-9): team, times, route, checklist, findings, quiz,
    decision, documents; signed by the responsible inspector (谁检查、谁签名、谁负责)."""

    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="inspections", verbose_name="煤矿"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="inspections", verbose_name="执法机构"
    )
    kind = models.CharField(
        "检查方式", max_length=20, choices=InspectionKind.choices, default=InspectionKind.ROUTINE
    )
    step = models.CharField(
        "流程环节", max_length=10, choices=Step.choices, default=Step.PLAN, db_index=True
    )
    sealed = models.BooleanField("保密（检查前对煤矿不可见）", default=False, db_index=True)
    plan_entry = models.ForeignKey(
        PlanEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
        verbose_name="计划",
    )
    draw = models.ForeignKey(
        Draw,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name="随机抽取",
    )
    recheck_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rechecks",
        verbose_name="复查对象",
    )
    planned_on = models.DateField("计划日期")
    started_at = models.DateTimeField("检查开始", null=True, blank=True)
    finished_at = models.DateTimeField("检查结束", null=True, blank=True, db_index=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="带队负责人",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="检查人员"
    )
    experts = models.ManyToManyField(
        Expert, blank=True, related_name="inspections", verbose_name="专家"
    )
    route = models.TextField("检查路线", blank=True)
    remote_examined = models.TextField(
        "远程检查内容", blank=True, help_text="远程检查调阅的监控数据、视频等"
    )
    summary = models.TextField("检查情况", blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="签名执法人员",
    )
    signed_at = models.DateTimeField("签名时间", null=True, blank=True)
    recheck_due = models.DateField("复查期限", null=True, blank=True, db_index=True)

    access: ClassVar[Access] = record_access(
        "", **{SIGN: GOVERNMENT_ROLES, DECIDE: GOVERNMENT_ROLES}
    )

    class Meta:
        ordering = ["-planned_on", "-pk"]
        verbose_name = "执法检查记录"
        verbose_name_plural = "执法检查记录"

    def __str__(self) -> str:
        return f"{self.mine} {self.get_kind_display()} {self.planned_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:inspection_detail", args=[self.pk])

    @property
    def signed(self) -> bool:
        return self.signed_by_id is not None

    @property
    def step_color(self) -> str:
        return STEP_COLORS.get(self.step, "grey")

    def clean(self) -> None:
        """ENF-3: a check cannot have happened in the future, nor end before it started."""
        if self.started_at and self.finished_at and self.finished_at < self.started_at:
            raise ValidationError({"finished_at": "检查结束时间不能早于开始时间"})
        if self.kind == InspectionKind.REMOTE and self.signed and not self.remote_examined.strip():
            raise ValidationError({"remote_examined": "远程检查须记录调阅的监控和视频数据"})


class InspectionStep(SealedAudit, TransitionRecord, BaseModel):
    """One step of an inspection along the flow (``rules.INSPECTION_WORKFLOW``; ENF-3, STYLE 7):
    who took it, from which stage to which, when and why. A record's first row (its creation or
    draw) names no step and comes from no stage."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="steps", verbose_name="检查记录"
    )

    access: ClassVar[Access] = record_access("inspection__")

    class Meta(TransitionRecord.Meta):
        verbose_name = "流程记录"
        verbose_name_plural = "流程记录"

    def __str__(self) -> str:
        labels = dict(Step.choices)
        return f"{labels.get(self.from_state, '—')} → {labels.get(self.to_state, self.to_state)}"


class ChecklistResult(SealedAudit, BaseModel):
    """One checklist item examined during an inspection (ENF-3): the same items as the mines'
    self-inspection (``selfinspection.ChecklistItem``), with the inspector's result."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="checklist", verbose_name="检查记录"
    )
    item_id_ref = models.PositiveIntegerField("检查表条目编号", null=True, blank=True)
    text = models.CharField("检查内容", max_length=500)
    ok = models.BooleanField("符合", default=True)
    note = models.CharField("情况说明", max_length=300, blank=True)

    access: ClassVar[Access] = record_access("inspection__")

    class Meta:
        ordering = ["pk"]
        verbose_name = "检查表项"
        verbose_name_plural = "检查表项"

    def __str__(self) -> str:
        return self.text


class Finding(SealedAudit, BaseModel):
    """A problem found on a check: a hazard or an illegal act (ENF-3, ENF-6). Hazards hand over
    to the hazard loop (``hazard_id_ref`` names the hazard created from it)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="findings", verbose_name="检查记录"
    )
    kind = models.CharField("问题类型", max_length=30, choices=FindingKind.choices)
    description = models.TextField("问题描述")
    place = models.CharField("地点", max_length=100, blank=True)
    situation = models.ForeignKey(
        "hazards.MajorHazardItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="重大隐患情形",
        help_text="依据《煤矿重大事故隐患判定标准》",
    )
    major = models.BooleanField("重大事故隐患/重大违法", default=False)
    basic_condition = models.BooleanField(
        "基本安全生产条件类", default=False, help_text="用于责任倒查（HAZ-9）"
    )
    self_reported = models.BooleanField("企业自查自报", default=False)
    first_offence = models.BooleanField("首次发现的轻微违法", default=False)
    tip_off_verified = models.BooleanField("举报查实", default=False)
    repeated = models.BooleanField("屡改屡犯", default=False)
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    rectified_on = models.DateField("整改完成", null=True, blank=True)
    hazard_id_ref = models.PositiveIntegerField("隐患编号", null=True, blank=True)

    access: ClassVar[Access] = record_access("inspection__")

    class Meta:
        ordering = ["pk"]
        verbose_name = "检查发现问题"
        verbose_name_plural = "检查发现问题"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description[:30]}"

    def clean(self) -> None:
        majors = {k for k in FindingKind.values if k not in ("general_hazard", "illegal_act")}
        if self.kind in majors or self.situation_id:
            self.major = True


class QuizResult(SealedAudit, BaseModel):
    """逢查必考 (PER-8): a worker met on site quizzed on escape routes and the self-rescuer; who
    fails is stopped from working until retrained (002:50)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="quizzes", verbose_name="检查记录"
    )
    worker_name = models.CharField("姓名", max_length=50)
    worker_number = models.CharField("工号/身份证号", max_length=30)
    post = models.CharField("岗位", max_length=50, blank=True)
    asked = models.PositiveIntegerField("题数", validators=[MinValueValidator(1)])
    correct = models.PositiveIntegerField("答对")
    failed_topics = models.JSONField("未掌握内容", default=list, blank=True)
    passed = models.BooleanField("合格", default=False)
    stopped = models.BooleanField("责令停止作业", default=False, db_index=True)
    retrained_on = models.DateField("培训合格日期", null=True, blank=True)

    access: ClassVar[Access] = record_access("inspection__")

    class Meta:
        ordering = ["pk"]
        verbose_name = "逢查必考记录"
        verbose_name_plural = "逢查必考记录"

    def __str__(self) -> str:
        return f"{self.worker_name} {'合格' if self.passed else '不合格'}"

    def clean(self) -> None:
        if self.correct is not None and self.asked is not None and self.correct > self.asked:
            raise ValidationError({"correct": "答对题数不能多于题数"})
