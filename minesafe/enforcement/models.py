"""Inspection and enforcement: plans, draws, inspection records, decisions, documents, scores,
referrals (ENF-1 … ENF-10, PER-8, PER-9, HAZ-9).

Scoping (core.scoping): plans, draws and the expert pool belong to a government body and are seen
inside its division; inspection records and everything hanging off them follow the mine, except
that a record that is still **sealed** (an unannounced check before the day) is invisible to the
mine and its enterprise in every page, list, API and count (ENF-2).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, GOVERNMENT_ROLES
from minesafe.accounts.models import Organization
from minesafe.core.models import BaseModel
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, mine_scope
from minesafe.enforcement.choices import (
    STEP_COLORS,
    Consequence,
    DocumentKind,
    FindingKind,
    InspectionKind,
    ReferralTarget,
    ReviewStatus,
    Step,
)
from minesafe.registry.models import Mine

#: Custom actions (core.scoping): sign a record, decide on it, review a decision, draw targets.
SIGN = "sign"
DECIDE = "decide"
REVIEW = "review"
DRAW = "draw"

GOV_ACTIONS = {VIEW: GOVERNMENT_ROLES, ADD: GOVERNMENT_ROLES, CHANGE: GOVERNMENT_ROLES}


def body_scope(user: Any, prefix: str = "") -> Q:
    """Government bodies within the user's division (a city sees its counties' bodies, the
    provincial inspectorate sees every body of the province)."""
    if user.role not in GOVERNMENT_ROLES or user.organization_id is None:
        return Q(pk__in=[])
    path = user.organization.division.path
    return Q(**{f"{prefix}division__path__startswith": path})


def _plan_scope(user: Any) -> Q:
    return body_scope(user, "organization__")


def _expert_scope(user: Any) -> Q:
    """The pools of bodies in the user's division and of the bodies above it."""
    if user.role not in GOVERNMENT_ROLES or user.organization_id is None:
        return Q(pk__in=[])
    own = user.organization
    return body_scope(user, "organization__") | Q(organization__in=own.ancestor_ids())


def inspection_scope(prefix: str = "") -> Any:
    """Mine jurisdiction; mine and enterprise users never see a sealed record (ENF-2)."""

    def scope(user: Any) -> Q:
        q = mine_scope(user, f"{prefix}mine__")
        if user.role not in GOVERNMENT_ROLES:
            q &= Q(**{f"{prefix}sealed": False})
        return q

    return scope


def _record_access(prefix: str, **extra: frozenset[str]) -> Access:
    """Access of an object of an inspection record: everybody reads, government writes."""
    roles = {VIEW: ALL_ROLES, ADD: GOVERNMENT_ROLES, CHANGE: GOVERNMENT_ROLES, **extra}
    return Access(mine_field=f"{prefix}mine", roles=roles, scope=inspection_scope(prefix))


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


class Expert(BaseModel):
    """A member of a body's expert pool, called into inspection teams (ENF-8, 002:24)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="experts", verbose_name="所属机构"
    )
    name = models.CharField("姓名", max_length=50)
    specialty = models.CharField("专业", max_length=50)
    title = models.CharField("职称", max_length=50, blank=True)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    active = models.BooleanField("在库", default=True)

    # ``mine_field`` lets the permission walk find an expert who inspected mine A.
    access: ClassVar[Access] = Access(
        mine_field="inspections__mine", roles=GOV_ACTIONS, scope=_expert_scope
    )

    class Meta:
        ordering = ["specialty", "name"]
        verbose_name = "执法专家"
        verbose_name_plural = "执法专家库"

    def __str__(self) -> str:
        return f"{self.name}（{self.specialty}）"


class Plan(BaseModel):
    """A body's annual enforcement plan, generated from each mine's class (ENF-1, ENF-10)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="plans", verbose_name="执法机构"
    )
    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000)])
    note = models.TextField("说明", blank=True)

    access: ClassVar[Access] = Access(
        mine_field="entries__mine", roles=GOV_ACTIONS, scope=_plan_scope
    )

    class Meta:
        ordering = ["-year", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="plan_org_year")
        ]
        verbose_name = "年度执法计划"
        verbose_name_plural = "年度执法计划"

    def __str__(self) -> str:
        return f"{self.organization} {self.year}年度执法计划"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:plan_detail", args=[self.pk])


class PlanEntry(BaseModel):
    """One mine in an annual plan: how many checks, in which months, by whom, and why."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="entries", verbose_name="计划"
    )
    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="plan_entries", verbose_name="煤矿"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="责任执法人员",
    )
    checks = models.PositiveIntegerField("年度检查次数")
    months = models.JSONField("计划月份", default=list, blank=True)
    surprise = models.BooleanField("突击检查", default=False)
    reasons = models.JSONField("依据", default=list, blank=True)
    edited_reason = models.CharField("调整理由", max_length=200, blank=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=GOV_ACTIONS)

    class Meta:
        ordering = ["plan", "mine__code"]
        constraints = [models.UniqueConstraint(fields=["plan", "mine"], name="plan_entry_mine")]
        verbose_name = "计划煤矿"
        verbose_name_plural = "计划煤矿"

    def __str__(self) -> str:
        return f"{self.mine} {self.checks}次"

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()

    def clean(self) -> None:
        """The rules of an adjusted entry, shared by the page's form and the API."""
        bad = [m for m in self.months or [] if not isinstance(m, int) or not 1 <= m <= 12]
        if bad:
            raise ValidationError({"months": "计划月份须为1至12的整数"})
        if self.checks is not None and len(self.months or []) > self.checks:
            raise ValidationError({"months": "计划月份数不能多于年度检查次数"})


class Draw(BaseModel):
    """A random, auditable draw of unannounced-check targets weighted by risk (ENF-2).

    The seed, the candidates with their weights and the rule edition are stored, so anyone can
    re-run :func:`minesafe.enforcement.rules.draw_targets` and get the same targets.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="draws", verbose_name="执法机构"
    )
    kind = models.CharField("检查方式", max_length=20, choices=InspectionKind.choices)
    check_on = models.DateField("检查日期")
    count = models.PositiveIntegerField("抽取数量", validators=[MinValueValidator(1)])
    seed = models.CharField("随机种子", max_length=64)
    inputs = models.JSONField("抽取输入", default=list)
    targets = models.JSONField("抽中煤矿", default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="抽取人",
    )
    drawn_at = models.DateTimeField("抽取时间")

    access: ClassVar[Access] = Access(
        mine_field="inspections__mine",
        roles={**GOV_ACTIONS, DRAW: GOVERNMENT_ROLES},
        scope=_plan_scope,
    )

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = "随机抽取"
        verbose_name_plural = "随机抽取"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.check_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:draw_detail", args=[self.pk])


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

    access: ClassVar[Access] = _record_access(
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


class InspectionStep(SealedAudit, BaseModel):
    """One move of an inspection along the flow (ENF-3; STYLE 7): old, new, who, why, when."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="steps", verbose_name="检查记录"
    )
    old_step = models.CharField("原环节", max_length=10, choices=Step.choices, blank=True)
    new_step = models.CharField("新环节", max_length=10, choices=Step.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=300, blank=True)

    access: ClassVar[Access] = _record_access("inspection__")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "流程记录"
        verbose_name_plural = "流程记录"

    def __str__(self) -> str:
        return f"{self.get_old_step_display()} → {self.get_new_step_display()}"


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

    access: ClassVar[Access] = _record_access("inspection__")

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

    access: ClassVar[Access] = _record_access("inspection__")

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

    access: ClassVar[Access] = _record_access("inspection__")

    class Meta:
        ordering = ["pk"]
        verbose_name = "逢查必考记录"
        verbose_name_plural = "逢查必考记录"

    def __str__(self) -> str:
        return f"{self.worker_name} {'合格' if self.passed else '不合格'}"

    def clean(self) -> None:
        if self.correct is not None and self.asked is not None and self.correct > self.asked:
            raise ValidationError({"correct": "答对题数不能多于题数"})


class Decision(SealedAudit, BaseModel):
    """The decision on an inspection's findings (ENF-5, ENF-6): the rules' proposal with its
    reasons, the final consequences, and a written reason and legal review for any deviation."""

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, related_name="decision", verbose_name="检查记录"
    )
    proposed = models.JSONField("规则建议", default=dict)
    consequences = models.JSONField("处理决定", default=list)
    deviated = models.BooleanField("偏离建议", default=False)
    deviation_reason = models.TextField("偏离理由", blank=True)
    fine = models.DecimalField(
        "罚款(元)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    legal_basis = models.TextField("法律依据", blank=True)
    manager_name = models.CharField("矿长姓名", max_length=50, blank=True)
    manager_id_number = models.CharField("矿长身份证号", max_length=18, blank=True)
    review_status = models.CharField(
        "法制审核", max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.NOT_NEEDED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间")

    access: ClassVar[Access] = _record_access("inspection__", **{REVIEW: GOVERNMENT_ROLES})

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = "处理决定"
        verbose_name_plural = "处理决定"

    def __str__(self) -> str:
        return f"{self.inspection} 处理决定"

    def get_absolute_url(self) -> str:
        return self.inspection.get_absolute_url()

    def consequence_labels(self) -> list[str]:
        return [Consequence(c).label for c in self.consequences if c in Consequence.values]

    @property
    def issuable(self) -> bool:
        """Documents of a decision under legal review wait for its approval (ENF-4)."""
        return self.review_status in (ReviewStatus.NOT_NEEDED, ReviewStatus.APPROVED)

    def clean(self) -> None:
        """ENF-5: a penalty needs its legal basis; a deviation needs a written reason."""
        penalised = {Consequence.PENALTY, Consequence.HEAVIER_PENALTY} & set(self.consequences)
        if penalised and not self.legal_basis.strip():
            raise ValidationError({"legal_basis": "行政处罚必须写明法律依据"})
        if self.fine and not penalised:
            raise ValidationError({"fine": "未作出行政处罚决定不能填写罚款"})
        if self.deviated and not self.deviation_reason.strip():
            raise ValidationError({"deviation_reason": "偏离规则建议必须书面说明理由"})


class DocumentCounter(models.Model):
    """The last serial number used per body, document kind and year (ENF-4)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "year"], name="document_counter_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Document(SealedAudit, BaseModel):
    """An issued enforcement document (ENF-4), numbered per body, kind and year; the PDF is
    rendered from the records each time it is opened."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="documents", verbose_name="检查记录"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="制发机构"
    )
    kind = models.CharField("文书类型", max_length=30, choices=DocumentKind.choices)
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=60)
    issued_at = models.DateTimeField("制发时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField("公示", default=False, db_index=True)
    # The mine's evidence-chain head when the document was issued, printed on it: a chain
    # rewritten later no longer reaches this head (``minesafe verify --against``).
    chain_head = models.CharField("存证链头", max_length=120, blank=True)

    access: ClassVar[Access] = _record_access("inspection__")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "year", "serial"], name="document_number_unique"
            )
        ]
        verbose_name = "执法文书"
        verbose_name_plural = "执法文书"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:document_pdf", args=[self.pk])


class ManagerScore(BaseModel):
    """Points recorded against a mine manager (PER-9). The person is the identity number, so a
    manager's history follows them from mine to mine."""

    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="manager_scores", verbose_name="煤矿"
    )
    person_name = models.CharField("矿长姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    points = models.PositiveIntegerField("记分", validators=[MinValueValidator(1)])
    kind = models.CharField("记分事由", max_length=30, choices=FindingKind.choices)
    reason = models.CharField("说明", max_length=300, blank=True)
    scored_on = models.DateField("记分日期", db_index=True)
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="manager_scores",
        verbose_name="检查记录",
    )

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={VIEW: ALL_ROLES, ADD: GOVERNMENT_ROLES, CHANGE: GOVERNMENT_ROLES},
    )

    class Meta:
        ordering = ["-scored_on", "-pk"]
        verbose_name = "矿长安全生产记分"
        verbose_name_plural = "矿长安全生产记分"

    def __str__(self) -> str:
        return f"{self.person_name} {self.points}分"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:manager_detail", args=[self.pk])


class Referral(BaseModel):
    """A case handed to another department, tracked until it answers (ENF-7, 002:11)."""

    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="referrals", verbose_name="煤矿"
    )
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name="检查记录",
    )
    target = models.CharField("移送部门", max_length=20, choices=ReferralTarget.choices)
    matter = models.TextField("移送事项")
    sent_on = models.DateField("移送日期")
    due_on = models.DateField("回复期限", db_index=True)
    answered_on = models.DateField("回复日期", null=True, blank=True)
    answer = models.TextField("回复内容", blank=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=GOV_ACTIONS)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = "移送案件"
        verbose_name_plural = "移送案件"

    def __str__(self) -> str:
        return f"{self.get_target_display()}：{self.mine}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:referral_answer", args=[self.pk])

    def clean(self) -> None:
        if self.answered_on and self.sent_on and self.answered_on < self.sent_on:
            raise ValidationError({"answered_on": "回复日期不能早于移送日期"})
        if self.answered_on and not self.answer.strip():
            raise ValidationError({"answer": "请填写回复内容"})
