"""What follows an inspection: the decision, numbered documents, manager points and referrals
(ENF-4 … ENF-7, PER-9)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from minesafe.accounts.models import Organization
from minesafe.core.models import BaseModel
from minesafe.core.roles import ALL_ROLES, GOVERNMENT_ROLES
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access
from minesafe.enforcement.choices import (
    Consequence,
    DocumentKind,
    FindingKind,
    ReferralTarget,
    ReviewStatus,
)
from minesafe.enforcement.models.access import GOV_ACTIONS, REVIEW, record_access
from minesafe.enforcement.models.inspections import Inspection, SealedAudit
from minesafe.registry.models import Mine


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

    access: ClassVar[Access] = record_access("inspection__", **{REVIEW: GOVERNMENT_ROLES})

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

    access: ClassVar[Access] = record_access("inspection__")

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
