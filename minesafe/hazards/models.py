"""The hazard closed loop (HAZ-1 … HAZ-9): the major-hazard catalogue, the ledger with the five
fixes, its transitions, suggestions, proposals and responsibility cases (its notifications are
the notifications app's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES, REGULATOR_ROLES, Role
from minesafe.accounts.models import Organization
from minesafe.core.models import BaseModel, TransitionRecord
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, roles
from minesafe.hazards import rules
from minesafe.hazards.choices import (
    OPEN_STATUSES,
    CaseStatus,
    Decision,
    HazardGrade,
    HazardSource,
    HazardStatus,
    Profession,
    ProposalKind,
    SuggestionMethod,
)
from minesafe.localtime import local_date

#: Custom actions of the loop, checked through the model's ``Access`` like view/add/change.
SUPERVISE = "supervise"  # list a major hazard for supervision (挂牌督办)
VERIFY_MAJOR = "verify_major"  # verify and close a major hazard on site (HAZ-2)
DECIDE = "decide"  # confirm or reject a suggested situation

RECORDERS = roles(GOVERNMENT_ROLES, MINE_ROLES, Role.ENTERPRISE_OFFICER)
HANDLERS = roles(GOVERNMENT_ROLES, MINE_ROLES)
GOVERNMENT_ONLY = {VIEW: GOVERNMENT_ROLES}


def _everyone(user: Any) -> Q:
    return Q()


class MajorHazardCategory(BaseModel):
    """One of the 15 categories of 《煤矿重大事故隐患判定标准》 in one edition (HAZ-2)."""

    edition = models.CharField("版本", max_length=20)
    effective_from = models.DateField("施行日期", db_index=True)
    number = models.PositiveSmallIntegerField("序号")
    article = models.PositiveSmallIntegerField("条")
    title = models.CharField("类别", max_length=200)

    access: ClassVar[Access] = Access(mine_field=None, roles={VIEW: ALL_ROLES}, scope=_everyone)

    class Meta:
        ordering = ["-effective_from", "number"]
        verbose_name = "重大隐患类别"
        verbose_name_plural = "重大隐患类别"
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="hazard_category_unique")
        ]

    def __str__(self) -> str:
        return f"（{self.number}）{self.title}"


class MajorHazardItem(BaseModel):
    """One situation of the standard, e.g. article 4 item (6) over-staffing (HAZ-2)."""

    category = models.ForeignKey(
        MajorHazardCategory, on_delete=models.CASCADE, related_name="items", verbose_name="类别"
    )
    edition = models.CharField("版本", max_length=20, db_index=True)
    code = models.CharField("条款", max_length=10, help_text="第N条第(k)项，记为 N(k)")
    number = models.PositiveSmallIntegerField("项")
    text = models.TextField("情形")
    unverified = models.BooleanField("原文待核实", default=False)

    access: ClassVar[Access] = Access(mine_field=None, roles={VIEW: ALL_ROLES}, scope=_everyone)

    class Meta:
        ordering = ["category__number", "number"]
        verbose_name = "重大隐患情形"
        verbose_name_plural = "重大隐患情形"
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="hazard_item_unique")
        ]

    def __str__(self) -> str:
        return f"第{self.article_label}：{self.text[:40]}"

    @property
    def article_label(self) -> str:
        article, _, item = self.code.partition("(")
        return f"{article}条第({item}项"


#: The five fixes (五落实, HAZ-1) a hazard needs before rectification may start.
FIVE_FIXES = [
    "responsible_unit",
    "responsible_person",
    "measure",
    "funds",
    "deadline",
]


class Hazard(BaseModel):
    """One hazard in a mine's ledger with its five fixes and its place in the loop (HAZ-1, HAZ-2).

    ``status`` and ``deadline`` are kept on the row (indexed); every change of status is a
    :class:`HazardTransition`. ``overdue_since`` and the listing fields are set by the scheduler.
    """

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.PROTECT, related_name="hazards", verbose_name="煤矿"
    )
    number = models.CharField("隐患编号", max_length=40, blank=True, db_index=True)
    place = models.CharField("地点", max_length=100, blank=True, help_text="工作面或区域")
    source = models.CharField("来源", max_length=25, choices=HazardSource.choices)
    finder = models.CharField("排查人", max_length=100)
    finder_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="found_hazards",
        verbose_name="检查单位",
    )
    signer = models.CharField("签字人", max_length=100, blank=True, help_text="谁检查、谁签名")
    found_at = models.DateTimeField("发现时间", db_index=True)
    description = models.TextField("隐患描述")
    profession = models.CharField(
        "专业", max_length=20, choices=Profession.choices, default=Profession.OTHER
    )
    grade = models.CharField(
        "等级", max_length=10, choices=HazardGrade.choices, default=HazardGrade.GENERAL
    )
    situation = models.ForeignKey(
        MajorHazardItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name="重大隐患情形",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=HazardStatus.choices,
        default=HazardStatus.REPORTED,
        db_index=True,
    )
    # The five fixes (五落实).
    responsible_unit = models.CharField("责任单位", max_length=100, blank=True)
    responsible_person = models.CharField("责任人", max_length=50, blank=True)
    measure = models.TextField("整改措施", blank=True)
    funds = models.DecimalField(
        "整改资金(万元)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "整改资金不能为负数")],
    )
    deadline = models.DateField("整改期限", null=True, blank=True, db_index=True)
    # Rectification and verification.
    evidence = models.TextField("整改情况", blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    verified_by = models.CharField("验收人", max_length=100, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True, db_index=True)
    # Time (HAZ-2): overdue marking and listed supervision.
    overdue_since = models.DateTimeField("逾期时间", null=True, blank=True, db_index=True)
    listed = models.BooleanField("挂牌督办", default=False, db_index=True)
    listed_at = models.DateTimeField("挂牌时间", null=True, blank=True)
    listed_by = models.CharField("挂牌单位", max_length=100, blank=True)
    listed_deadline = models.DateField("督办期限", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("升级次数", default=0)
    # Flags of the repeat rules (HAZ-4, HAZ-6).
    repeat = models.BooleanField("同类重复", default=False)
    fake_rectification = models.BooleanField("假整改", default=False)
    penalty = models.CharField("处罚建议", max_length=20, choices=ProposalKind.choices, blank=True)
    penalty_basis = models.CharField("处罚建议依据", max_length=300, blank=True)
    # Where the hazard came from: a self-inspection answer, an inspection finding, an alarm …
    origin_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_id = models.CharField(max_length=64, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")
    recorded_by = models.CharField("登记人", max_length=150, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={
            VIEW: ALL_ROLES,
            ADD: RECORDERS,
            CHANGE: HANDLERS,
            SUPERVISE: REGULATOR_ROLES,
            VERIFY_MAJOR: GOVERNMENT_ROLES,
        },
    )

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = "隐患"
        verbose_name_plural = "隐患"
        indexes = [models.Index(fields=["mine", "grade", "found_at"], name="hazard_mine_grade_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(funds__isnull=True) | Q(funds__gte=0), name="hazard_funds_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.description[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("hazards:hazard_detail", args=[self.pk])

    def clean(self) -> None:
        """HAZ-1: the deadline cannot precede the finding date; funds are not negative."""
        errors: dict[str, str] = {}
        if isinstance(self.deadline, dt.date) and self.found_at and self.deadline < self.found_on:
            errors["deadline"] = "整改期限不能早于发现日期"
        if isinstance(self.funds, int | float | Decimal) and self.funds < 0:
            errors["funds"] = "整改资金不能为负数"
        if errors:
            raise ValidationError(errors)

    @property
    def found_on(self) -> dt.date:
        return local_date(self.found_at)

    @property
    def is_major(self) -> bool:
        return self.grade == HazardGrade.MAJOR

    def missing_fixes(self) -> list[str]:
        """The five-fix fields still empty, as labels (HAZ-1)."""
        return rules.missing_fixes({name: getattr(self, name) for name in FIVE_FIXES}, LABELS)

    def is_overdue(self, today: dt.date) -> bool:
        return rules.is_overdue(self.status, self.deadline, today)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


LABELS = {f.name: str(f.verbose_name) for f in Hazard._meta.fields}


def hazard_upload_path(instance: HazardPhoto, filename: str) -> str:
    return f"hazards/{instance.hazard.mine_id}/{instance.hazard_id}/{filename}"


class HazardPhoto(BaseModel):
    """A photo of a hazard or of its rectification (JPEG/PNG, ≤ 5 MB, HAZ-1)."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="photos", verbose_name="隐患"
    )
    image = models.FileField("照片", upload_to=hazard_upload_path)
    caption = models.CharField("说明", max_length=100, blank=True)
    stage = models.CharField(
        "阶段",
        max_length=10,
        choices=[("found", "发现时"), ("rectified", "整改后")],
        default="found",
    )

    access: ClassVar[Access] = Access(
        mine_field="hazard__mine", roles={VIEW: ALL_ROLES, ADD: RECORDERS, CHANGE: HANDLERS}
    )
    audit_exclude = BaseModel.audit_exclude | {"image"}  # a file, not JSON; the caption logs it

    class Meta:
        ordering = ["hazard", "id"]
        verbose_name = "隐患照片"
        verbose_name_plural = "隐患照片"

    def __str__(self) -> str:
        return self.caption or self.image.name


class HazardTransition(TransitionRecord, BaseModel):
    """One row of a hazard's history (HAZ-2, STYLE 7): a step of ``rules.loop_for(grade)`` or
    an event that moves no state (``rules.EVENT_LABELS``): who, when, from which status to
    which, why and with what evidence."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="transitions", verbose_name="隐患"
    )

    access: ClassVar[Access] = Access(mine_field="hazard__mine")

    class Meta(TransitionRecord.Meta):
        verbose_name = "隐患流转记录"
        verbose_name_plural = "隐患流转记录"

    def __str__(self) -> str:
        labels = rules.STATUS_LABELS
        return f"{labels.get(self.from_state, '')} → {labels.get(self.to_state, self.to_state)}"


class HazardSuggestion(BaseModel):
    """A suggested situation of the standard for a hazard, with why; a person decides (HAZ-2)."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="suggestions", verbose_name="隐患"
    )
    item = models.ForeignKey(
        MajorHazardItem, on_delete=models.CASCADE, related_name="+", verbose_name="情形"
    )
    method = models.CharField("依据", max_length=10, choices=SuggestionMethod.choices)
    rank = models.PositiveSmallIntegerField("排序", default=1)
    score = models.FloatField("得分", default=0)
    explanation = models.TextField("理由", blank=True)
    decision = models.CharField(
        "确认结果", max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.CharField("确认人", max_length=150, blank=True)
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decision_reason = models.TextField("确认说明", blank=True)

    access: ClassVar[Access] = Access(
        mine_field="hazard__mine", roles={VIEW: ALL_ROLES, DECIDE: HANDLERS, CHANGE: HANDLERS}
    )

    class Meta:
        ordering = ["hazard", "method", "rank"]
        verbose_name = "重大隐患判定建议"
        verbose_name_plural = "重大隐患判定建议"
        constraints = [
            models.UniqueConstraint(fields=["hazard", "item"], name="hazard_suggestion_once")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_decision_display()}"


class HazardProposal(BaseModel):
    """What a repeat or penalty rule proposes, with its source and evidence (HAZ-4/5/6, ENF-5)."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="+", verbose_name="煤矿"
    )
    hazard = models.ForeignKey(
        Hazard,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name="隐患",
    )
    kind = models.CharField("建议", max_length=20, choices=ProposalKind.choices)
    addressee = models.CharField("提请对象", max_length=100, blank=True)
    basis = models.TextField("依据")
    evidence = models.JSONField("证据", default=list)
    time = models.DateTimeField("时间", db_index=True)

    access: ClassVar[Access] = Access(mine_field="mine", roles=GOVERNMENT_ONLY)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = "处理建议"
        verbose_name_plural = "处理建议"
        constraints = [
            models.UniqueConstraint(fields=["hazard", "kind"], name="hazard_proposal_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.mine}"


class ResponsibilityCase(BaseModel):
    """A responsibility-tracing case naming the inspectors who missed a hazard (HAZ-9, 002:9)."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.CASCADE, related_name="cases", verbose_name="隐患"
    )
    inspectors = models.JSONField("责任检查人员", default=list)
    checks = models.JSONField("此前检查", default=list)
    basis = models.TextField("依据")
    status = models.CharField(
        "状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_at = models.DateTimeField("立案时间", db_index=True)

    access: ClassVar[Access] = Access(
        mine_field="hazard__mine", roles={VIEW: GOVERNMENT_ROLES, CHANGE: REGULATOR_ROLES}
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = "责任倒查"
        verbose_name_plural = "责任倒查"
        constraints = [models.UniqueConstraint(fields=["hazard"], name="hazard_case_once")]

    def __str__(self) -> str:
        return f"责任倒查：{'、'.join(self.inspectors)}"
