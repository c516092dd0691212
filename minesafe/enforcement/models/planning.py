"""Plans, draws and the expert pool of a government body (ENF-1, ENF-2, ENF-8, ENF-10)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from minesafe.accounts.models import Organization
from minesafe.core.models import BaseModel
from minesafe.core.roles import GOVERNMENT_ROLES
from minesafe.core.scoping import Access
from minesafe.enforcement.choices import InspectionKind
from minesafe.enforcement.models.access import DRAW, GOV_ACTIONS, expert_scope, plan_scope
from minesafe.registry.models import Enterprise, Mine


class Expert(BaseModel):
    """A member of a body's expert pool, called into inspection teams (ENF-8, 002:24)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="experts", verbose_name="所属机构"
    )
    name = models.CharField("姓名", max_length=50)
    specialty = models.CharField("专业", max_length=50)
    title = models.CharField("职称", max_length=50, blank=True)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    # ENF-8 conflicts of interest: the mine or enterprise the expert works (or worked) for.
    employer_enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="任职企业",
        help_text="在该企业或其上级、下属煤矿的检查中回避",
    )
    employer_mine = models.ForeignKey(
        Mine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="任职煤矿",
    )
    employed_until = models.DateField(
        "任职截止日期", null=True, blank=True, help_text="仍在任职则留空"
    )
    phone = models.CharField("电话", max_length=30, blank=True)
    active = models.BooleanField("在库", default=True)

    # ``mine_field`` lets the permission walk find an expert who inspected mine A.
    access: ClassVar[Access] = Access(
        mine_field="inspections__mine", roles=GOV_ACTIONS, scope=expert_scope
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
        mine_field="entries__mine", roles=GOV_ACTIONS, scope=plan_scope
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
        scope=plan_scope,
    )

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = "随机抽取"
        verbose_name_plural = "随机抽取"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.check_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:draw_detail", args=[self.pk])


class AnalysisReport(BaseModel):
    """ENF-9: a body's filed enforcement analysis for one month or one quarter (003: 监察分局每月、
    省局每季度 … 形成执法分析报告; due by the 5th of the next month, ``rules.report_due``)."""

    PERIODS = [("monthly", "月度"), ("quarterly", "季度")]

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="analysis_reports",
        verbose_name="报送机构",
    )
    period = models.CharField("周期", max_length=10, choices=PERIODS)
    year = models.PositiveIntegerField("年度", validators=[MinValueValidator(2000)])
    number = models.PositiveSmallIntegerField("月份或季度")
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="报送人",
    )

    access: ClassVar[Access] = Access(mine_field=None, roles=GOV_ACTIONS, scope=plan_scope)

    class Meta:
        ordering = ["-year", "-number", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period", "year", "number"], name="analysis_report_once"
            )
        ]
        verbose_name = "执法分析报告报送"
        verbose_name_plural = "执法分析报告报送"

    def __str__(self) -> str:
        return f"{self.organization} {self.year}-{self.number} {self.get_period_display()}"
