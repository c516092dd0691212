"""Evacuation orders to mines, their confirmations and spot checks (MON-8, EMG-2, issue 6 §6).

A :class:`WeatherWarning` (entered by a regulator) or an alarm case leads to an
:class:`EvacuationOrder` with a deadline, sent to one :class:`OrderTarget` per mine. The target
keeps its state, the mine's confirmation and the positioning check on the row (STYLE 7); every
change is a :class:`TargetEvent`. Regulators record :class:`SpotCheck` rows; notices about orders
are the notifications app's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES, REGULATOR_ROLES
from minesafe.core.models import BaseModel, TransitionRecord
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, mine_scope, roles
from minesafe.emergency.choices import (
    CheckResult,
    IssuerKind,
    OrderReason,
    OrderScope,
    SpotMethod,
    TargetState,
    WarningKind,
    WarningLevel,
)

#: A mine confirms (签收、确认撤离) its own targets.
CONFIRM = "confirm"
#: Regulators and inspectors spot-check compliance (002:44 抽查检查).
SPOT_CHECK = "spot_check"


def _visible_mines(user: Any) -> Any:
    from minesafe.registry.models import Mine

    return Mine.objects.filter(mine_scope(user))


def warning_scope(user: Any) -> Q:
    """Warnings affecting a division the user works in, above it or below it."""
    from minesafe.accounts.models import Division

    if user.role in GOVERNMENT_ROLES:
        if user.organization_id is None:
            return Q(pk__in=[])
        division = user.organization.division
        ids = [*division.ancestor_ids(), division.pk]
        below = Division.objects.filter(path__startswith=division.path).values("pk")
        inner = WeatherWarning.objects.filter(
            Q(divisions__pk__in=ids)
            | Q(divisions__pk__in=below)
            | Q(organization=user.organization)
        )
        return Q(pk__in=inner.values("pk"))
    paths = _visible_mines(user).values_list("county__path", flat=True)
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    return Q(pk__in=WeatherWarning.objects.filter(divisions__pk__in=above).values("pk"))


def order_scope(user: Any) -> Q:
    """An order is seen by whoever sees one of its target mines (the order page then lists
    only the targets the user may see)."""
    return Q(pk__in=OrderTarget.objects.filter(mine_scope(user, "mine__")).values("order_id"))


class WeatherWarning(BaseModel):
    """A meteorological warning entered by a regulator (MON-8, 002:44 加强与气象部门沟通，及时
    发布雨雪、冰冻等预警信息); it proposes the mines that must be evacuated."""

    issuer = models.CharField("发布单位", max_length=100, help_text="如：青川县气象台")
    kind = models.CharField("预警种类", max_length=12, choices=WarningKind.choices)
    level = models.CharField("预警等级", max_length=8, choices=WarningLevel.choices)
    divisions = models.ManyToManyField(
        "accounts.Division", related_name="weather_warnings", verbose_name="影响区域"
    )
    valid_from = models.DateTimeField("生效时间", db_index=True)
    valid_to = models.DateTimeField("解除时间", db_index=True)
    text = models.TextField("预警内容")
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入单位",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )

    access: ClassVar[Access] = Access(
        mine_field="divisions__mines",
        roles={VIEW: ALL_ROLES, ADD: REGULATOR_ROLES, CHANGE: REGULATOR_ROLES},
        scope=warning_scope,
    )

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = "气象预警"
        verbose_name_plural = "气象预警"

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.get_kind_display()}预警"

    def get_absolute_url(self) -> str:
        return f"{reverse('emergency:order_add')}?warning={self.pk}"


class EvacuationOrder(BaseModel):
    """An order to stop work and bring people up by a deadline, to one or several mines (MON-8),
    or a mine's own evacuation (EMG-2), recorded the same way and reported to the county."""

    number = models.CharField("指令编号", max_length=40, blank=True, db_index=True)
    issuer_kind = models.CharField(
        "下达方", max_length=10, choices=IssuerKind.choices, default=IssuerKind.REGULATOR
    )
    issuer_org = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="下达单位",
    )
    issuer_mine = models.ForeignKey(
        "registry.Mine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="自主撤人煤矿",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="下达人",
    )
    issued_by_name = models.CharField("下达人", max_length=150)
    reason = models.CharField("事由", max_length=10, choices=OrderReason.choices)
    warning = models.ForeignKey(
        WeatherWarning,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name="气象预警",
    )
    alarm_case = models.ForeignKey(
        "response.AlarmCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="报警处置",
    )
    text = models.TextField("指令内容")
    issued_at = models.DateTimeField("下达时间", db_index=True)
    deadline = models.DateTimeField("撤离期限", db_index=True)
    scope = models.CharField(
        "撤人范围", max_length=8, choices=OrderScope.choices, default=OrderScope.WHOLE_MINE
    )
    areas = models.JSONField("撤人区域", default=list, blank=True)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.CharField("解除人", max_length=150, blank=True)
    lift_reason = models.TextField("解除说明", blank=True)

    access: ClassVar[Access] = Access(
        mine_field="targets__mine",
        roles={
            VIEW: ALL_ROLES,
            ADD: roles(REGULATOR_ROLES, MINE_ROLES),
            CHANGE: roles(REGULATOR_ROLES, MINE_ROLES),
        },
        scope=order_scope,
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = "撤人指令"
        verbose_name_plural = "撤人指令"

    def __str__(self) -> str:
        return self.number or f"撤人指令{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("emergency:order_detail", args=[self.pk])

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None

    @property
    def cause_label(self) -> str:
        if self.warning_id:
            return str(self.warning)
        if self.alarm_case_id:
            return f"报警处置 #{self.alarm_case_id}"
        return self.get_reason_display()


class OrderTarget(BaseModel):
    """One mine's part of an order: its state, its confirmation (who, when, people out, people
    remaining and who stays with consent) and what the positioning data said (MON-8)."""

    order = models.ForeignKey(
        EvacuationOrder, on_delete=models.CASCADE, related_name="targets", verbose_name="撤人指令"
    )
    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.PROTECT, related_name="evacuations", verbose_name="煤矿"
    )
    basis = models.CharField("下达依据", max_length=300, blank=True)
    state = models.CharField(
        "状态",
        max_length=14,
        choices=TargetState.choices,
        default=TargetState.ISSUED,
        db_index=True,
    )
    deadline = models.DateTimeField("撤离期限", db_index=True)
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    received_by = models.CharField("签收人", max_length=150, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.CharField("确认人", max_length=150, blank=True)
    people_out = models.PositiveIntegerField("撤出人数", null=True, blank=True)
    people_remaining = models.PositiveIntegerField("井下剩余人数", null=True, blank=True)
    exemptions = models.JSONField("经同意留守人员", default=list, blank=True)
    note = models.TextField("确认说明", blank=True)
    late = models.BooleanField("逾期确认", default=False)
    overdue_at = models.DateTimeField("逾期时间", null=True, blank=True)
    check_result = models.CharField(
        "定位核查",
        max_length=12,
        choices=CheckResult.choices,
        default=CheckResult.PENDING,
        db_index=True,
    )
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    check_evidence = models.JSONField("核查证据", default=dict, blank=True)
    deadline_checked_at = models.DateTimeField("期限核查完成", null=True, blank=True)
    violation_id_ref = models.PositiveIntegerField("三违记录", null=True, blank=True)
    hazard_id_ref = models.PositiveIntegerField("重大隐患候选", null=True, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={
            VIEW: ALL_ROLES,
            CONFIRM: MINE_ROLES,
            SPOT_CHECK: GOVERNMENT_ROLES,
            CHANGE: REGULATOR_ROLES,
        },
    )

    class Meta:
        ordering = ["order", "mine__name", "pk"]
        verbose_name = "撤人指令接收煤矿"
        verbose_name_plural = "撤人指令接收煤矿"
        constraints = [
            models.UniqueConstraint(fields=["order", "mine"], name="evacuation_target_once")
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="evac_target_state_deadline")]

    def __str__(self) -> str:
        return f"{self.order} · {self.mine}"

    def get_absolute_url(self) -> str:
        return reverse("emergency:target_detail", args=[self.pk])

    @property
    def violation_url(self) -> str:
        if not self.violation_id_ref:
            return ""
        return reverse("violations:violation_detail", args=[self.violation_id_ref])

    @property
    def hazard_url(self) -> str:
        if not self.hazard_id_ref:
            return ""
        return reverse("hazards:hazard_detail", args=[self.hazard_id_ref])


class TargetEvent(TransitionRecord, BaseModel):
    """One step of a mine's part of an order (``rules.TARGET_WORKFLOW``, STYLE 7): the mine's
    receipt and confirmation, or what the platform did — issuing, the deadline, the positioning
    check, a spot check, lifting — with the user who caused it, if any, and why."""

    target = models.ForeignKey(
        OrderTarget, on_delete=models.CASCADE, related_name="events", verbose_name="接收煤矿"
    )

    access: ClassVar[Access] = Access(mine_field="target__mine")

    class Meta(TransitionRecord.Meta):
        verbose_name = "撤人指令记录"
        verbose_name_plural = "撤人指令记录"

    def __str__(self) -> str:
        return f"{TargetState(self.to_state).label} {self.at:%Y-%m-%d %H:%M}"


class SpotCheck(BaseModel):
    """A regulator's check that a mine really evacuated (002:44 对撤人指令落实情况进行抽查检查);
    a non-compliant one is recorded as a violation and a major-hazard candidate."""

    target = models.ForeignKey(
        OrderTarget, on_delete=models.CASCADE, related_name="spot_checks", verbose_name="接收煤矿"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="抽查人",
    )
    checker = models.CharField("抽查人", max_length=150)
    checked_at = models.DateTimeField("抽查时间", db_index=True)
    method = models.CharField("抽查方式", max_length=12, choices=SpotMethod.choices)
    compliant = models.BooleanField("落实到位")
    findings = models.TextField("抽查情况")
    people_found = models.PositiveIntegerField("发现井下人员数", default=0)
    people = models.JSONField("发现的人员", default=list, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="target__mine", roles={VIEW: ALL_ROLES, ADD: GOVERNMENT_ROLES}
    )

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = "撤人抽查"
        verbose_name_plural = "撤人抽查"

    def __str__(self) -> str:
        return f"{self.get_method_display()} {'落实' if self.compliant else '未落实'}"


def alarm_case_model() -> Any:
    """The response area's alarm case, reached through the order's relation (the two areas do
    not import each other)."""
    return EvacuationOrder._meta.get_field("alarm_case").related_model
