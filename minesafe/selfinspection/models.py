"""Self-inspection campaigns, "自查自改" (HAZ-8, source 003): checklists, campaigns, reports.

A regulator launches a :class:`Campaign` with a :class:`ChecklistTemplate`; each mine in scope
gets a :class:`CampaignReport` and answers every :class:`ChecklistItem` in a
:class:`ReportAnswer`; every step of a report is a :class:`ReportTransition` row (STYLE 7).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES, REGULATOR_ROLES, Role
from minesafe.accounts.models import Organization
from minesafe.core.models import BaseModel, TransitionRecord
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, mine_scope
from minesafe.registry.models import Mine
from minesafe.selfinspection.choices import AnswerResult, ReportStatus, ScopeMode, TemplateKind

#: Custom actions of a report, each with the roles that may perform it (HAZ-8).
ANSWER = "answer"
SIGN = "sign"
REVIEW = "review"
IMPORT = "import"


def _everyone(user: Any) -> Q:
    """Checklist templates are a shared library, the same for every jurisdiction."""
    return Q()


class ChecklistTemplate(BaseModel):
    """A self-inspection checklist: the source's 221-item underground and 165-item open-pit
    tables (003), as data with a version, split into sections of items."""

    name = models.CharField("检查表名称", max_length=150)
    kind = models.CharField("适用煤矿", max_length=20, choices=TemplateKind.choices)
    version = models.CharField("版本", max_length=30)
    source = models.CharField("依据文件", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    # The library is visible to all; ``mine_field`` names the path to the mines whose campaign
    # reports used a template, so the permission walk can pick one of mine A.
    access: ClassVar[Access] = Access(
        mine_field="campaigns__reports__mine",
        roles={
            VIEW: ALL_ROLES,
            ADD: REGULATOR_ROLES,
            CHANGE: REGULATOR_ROLES,
            IMPORT: REGULATOR_ROLES,
        },
        scope=_everyone,
    )

    class Meta:
        ordering = ["kind", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="checklist_name_version")
        ]
        verbose_name = "自查检查表"
        verbose_name_plural = "自查检查表"

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"

    def get_absolute_url(self) -> str:
        return reverse("selfinspection:template_detail", args=[self.pk])

    def items(self) -> models.QuerySet[ChecklistItem]:
        return ChecklistItem.objects.filter(section__template=self).order_by(
            "section__order", "order"
        )


class ChecklistSection(BaseModel):
    """A section of a checklist (通风, 瓦斯防治, 防治水 …)."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="sections", verbose_name="检查表"
    )
    order = models.PositiveIntegerField("序号")
    title = models.CharField("检查项目", max_length=100)

    access: ClassVar[Access] = Access(
        mine_field=None, roles={VIEW: ALL_ROLES, ADD: REGULATOR_ROLES}, scope=_everyone
    )

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="checklist_section_order")
        ]
        verbose_name = "检查项目"
        verbose_name_plural = "检查项目"

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class ChecklistItem(BaseModel):
    """One line of a checklist: what to check and the rule it comes from."""

    section = models.ForeignKey(
        ChecklistSection, on_delete=models.CASCADE, related_name="items", verbose_name="检查项目"
    )
    order = models.PositiveIntegerField("序号")
    code = models.CharField("编号", max_length=20)
    text = models.TextField("检查内容")
    basis = models.CharField("检查依据", max_length=300, blank=True)

    access: ClassVar[Access] = Access(
        mine_field=None, roles={VIEW: ALL_ROLES, ADD: REGULATOR_ROLES}, scope=_everyone
    )

    class Meta:
        ordering = ["section", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="checklist_item_order")
        ]
        verbose_name = "检查内容"
        verbose_name_plural = "检查内容"

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


def _campaign_scope(user: Any) -> Q:
    """Campaigns launched within a government user's division, and any campaign with a report
    of a mine the user sees (so a mine and its enterprise see the campaigns they are in)."""
    reports = CampaignReport.objects.filter(campaign=OuterRef("pk")).filter(
        mine_scope(user, "mine__")
    )
    scope = Q(Exists(reports))
    if user.role in GOVERNMENT_ROLES and user.organization_id:
        scope |= Q(organization__division__path__startswith=user.organization.division.path)
    return scope


class Campaign(BaseModel):
    """A round of self-inspection launched by a regulator over the mines of its jurisdiction,
    with a checklist and a deadline (HAZ-8; 003: at least once every half year)."""

    name = models.CharField("活动名称", max_length=150)
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name="检查表"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="发起部门"
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    launched_on = models.DateField("发起日期")
    deadline = models.DateField("完成期限", db_index=True)
    scope_mode = models.CharField(
        "范围", max_length=10, choices=ScopeMode.choices, default=ScopeMode.ALL
    )
    scope_note = models.CharField("范围说明", max_length=300, blank=True)
    instructions = models.TextField("工作要求", blank=True)

    # ``mine_field`` lets the audit trail and the permission walk reach a mine; the scope decides.
    access: ClassVar[Access] = Access(
        mine_field="reports__mine",
        roles={VIEW: ALL_ROLES, ADD: REGULATOR_ROLES, CHANGE: REGULATOR_ROLES},
        scope=_campaign_scope,
    )

    class Meta:
        ordering = ["-launched_on", "-id"]
        verbose_name = "自查自改活动"
        verbose_name_plural = "自查自改活动"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("selfinspection:campaign_detail", args=[self.pk])

    def clean(self) -> None:
        if self.deadline and self.launched_on and self.deadline < self.launched_on:
            raise ValidationError({"deadline": "完成期限不能早于发起日期"})


REPORT_ROLES = {
    VIEW: ALL_ROLES,
    ANSWER: MINE_ROLES,
    SIGN: frozenset({Role.MINE_MANAGER}),
    REVIEW: REGULATOR_ROLES,
}


class CampaignReport(BaseModel):
    """One mine's self-inspection report in a campaign (自查自改报告): answered by the mine,
    signed by its manager, sent to the regulator and the parent enterprise, accepted or returned
    (HAZ-8). The status and its time live here; each step is a :class:`ReportTransition`."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reports", verbose_name="活动"
    )
    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="self_inspection_reports", verbose_name="煤矿"
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        db_index=True,
    )
    summary = models.TextField("自查总体情况", blank=True)
    signer_name = models.CharField("签字矿长", max_length=50, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="签字账号",
    )
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=REPORT_ROLES)

    class Meta:
        ordering = ["campaign", "mine__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "mine"], name="one_report_per_mine")
        ]
        verbose_name = "自查自改报告"
        verbose_name_plural = "自查自改报告"

    def __str__(self) -> str:
        return f"{self.campaign} · {self.mine}"

    def get_absolute_url(self) -> str:
        return reverse("selfinspection:report_detail", args=[self.pk])


class ReportAnswer(BaseModel):
    """A mine's written answer to one checklist item: compliant, hazard found (becomes a hazard
    when the report is signed) or not applicable; a finding is required for the latter two."""

    report = models.ForeignKey(
        CampaignReport, on_delete=models.CASCADE, related_name="answers", verbose_name="报告"
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name="检查内容"
    )
    result = models.CharField("检查结果", max_length=20, choices=AnswerResult.choices)
    finding = models.TextField("现状描述", blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    # The hazard this answer became (hazards.Hazard); an id, so this app does not depend on the
    # hazard ledger's migrations.
    hazard_id = models.PositiveIntegerField("隐患编号", null=True, blank=True, editable=False)

    access: ClassVar[Access] = Access(
        mine_field="report__mine", roles={VIEW: ALL_ROLES, CHANGE: MINE_ROLES}
    )

    class Meta:
        ordering = ["report", "item__section__order", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "item"], name="one_answer_per_item")
        ]
        verbose_name = "自查结果"
        verbose_name_plural = "自查结果"

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_result_display()}"

    def clean(self) -> None:
        from minesafe.selfinspection import rules

        problem = rules.answer_problem(self.result, self.finding)
        if problem:
            raise ValidationError({"finding": problem})


class ReportTransition(TransitionRecord, BaseModel):
    """One step of a report (``rules.REPORT_WORKFLOW``): who took it, from which status to which,
    when and why."""

    report = models.ForeignKey(
        CampaignReport, on_delete=models.CASCADE, related_name="transitions", verbose_name="报告"
    )

    access: ClassVar[Access] = Access(mine_field="report__mine")

    class Meta(TransitionRecord.Meta):
        verbose_name = "报告流转记录"
        verbose_name_plural = "报告流转记录"

    def __str__(self) -> str:
        return f"{ReportStatus(self.from_state).label} → {ReportStatus(self.to_state).label}"
