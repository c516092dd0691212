"""三违 records (VIO-1, source 000:29-31): one row per act of violating command, violating
operating rules or violating labour discipline, with the person, team, place and penalty."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from minesafe.accounts.choices import ALL_ROLES, MINE_ROLES, REGULATOR_ROLES, Role
from minesafe.core.models import BaseModel
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, Access, roles
from minesafe.localtime import local_date
from minesafe.registry.models import Mine
from minesafe.violations.choices import (
    LeaderPost,
    PenaltyKind,
    Severity,
    ViolationKind,
    ViolationSource,
)

#: Everyone who checks a mine may record what they saw: mine staff, the enterprise's leaders
#: who go underground each month (000:30), regulators and inspectors.
VIOLATION_ROLES = {
    VIEW: ALL_ROLES,
    ADD: ALL_ROLES,
    CHANGE: ALL_ROLES,
    DELETE: roles(REGULATOR_ROLES, MINE_ROLES),
}


#: Leaders' checks are recorded by the mine and its enterprise for their own mines (000:30);
#: regulators and inspectors read them to list the months a leader did not go underground.
_RECORDERS = roles(MINE_ROLES, {Role.ENTERPRISE_OFFICER})
LEADER_CHECK_ROLES = {VIEW: ALL_ROLES, ADD: _RECORDERS, CHANGE: _RECORDERS, DELETE: _RECORDERS}


#: How far in the future a finding time may lie (clock skew between a phone and the server).
FOUND_AT_SLACK = dt.timedelta(minutes=5)
#: No record of the platform's mines is older; a year-190 time is a typing or client error (and
#: Asia/Shanghai had no whole-minute offset then, so it would not even print as ISO 8601).
EARLIEST_YEAR = 2000


def _check_moment(moment: dt.datetime | None, field: str, label: str) -> None:
    if moment is None:
        return
    if timezone.is_naive(moment):
        raise ValidationError({field: f"{label}须带时区"})
    if moment > timezone.now() + FOUND_AT_SLACK:
        raise ValidationError({field: f"{label}不能晚于当前时间"})
    if moment.year < EARLIEST_YEAR:
        raise ValidationError({field: f"{label}不能早于{EARLIEST_YEAR}年"})


class Violation(BaseModel):
    """One 三违 act at one mine (VIO-1): who, in which team, where, what kind, how serious, how
    it was found and what penalty followed. ``origin`` links the record that found it (an
    inspection, a video alarm), when there is one."""

    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="violations", verbose_name="煤矿"
    )
    person_name = models.CharField("违章人员", max_length=50)
    person_job = models.CharField("工种/职务", max_length=50, blank=True)
    team = models.CharField("区队/班组", max_length=80, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    kind = models.CharField("三违类型", max_length=12, choices=ViolationKind.choices)
    severity = models.CharField(
        "性质", max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    source = models.CharField(
        "发现方式", max_length=12, choices=ViolationSource.choices, default=ViolationSource.ON_SITE
    )
    found_at = models.DateTimeField("发现时间", db_index=True)
    found_by = models.CharField("查处人", max_length=50, blank=True)
    description = models.TextField("违章行为描述")
    penalty = models.CharField(
        "处理方式", max_length=12, choices=PenaltyKind.choices, default=PenaltyKind.NONE
    )
    fine = models.DecimalField(
        "罚款金额(元)",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"), "罚款金额不能为负数")],
    )
    penalty_note = models.CharField("处理说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )
    origin_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin_id = models.PositiveIntegerField(null=True, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")

    access: ClassVar[Access] = Access(mine_field="mine", roles=VIOLATION_ROLES)

    class Meta:
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["mine", "found_at"], name="violation_mine_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(fine__gte=0), name="violation_fine_positive")
        ]
        verbose_name = "三违记录"
        verbose_name_plural = "三违记录"

    def __str__(self) -> str:
        return f"{self.person_name} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("violations:violation_detail", args=[self.pk])

    def clean(self) -> None:
        _check_moment(self.found_at, "found_at", "发现时间")
        if self.fine is not None and self.fine < 0:
            raise ValidationError({"fine": "罚款金额不能为负数"})
        if self.penalty == PenaltyKind.FINE and not self.fine:
            raise ValidationError({"fine": "处理方式为罚款时须填写罚款金额"})


class LeaderCheck(BaseModel):
    """One leader's underground 三违 check at one mine (VIO-1, 000:30): the enterprise's
    responsible leader for the mine (挂牌责任领导) and the mine manager each go down at least
    once a calendar month; the months a post has no check are listed for regulators."""

    mine = models.ForeignKey(
        Mine, on_delete=models.PROTECT, related_name="leader_checks", verbose_name="煤矿"
    )
    post = models.CharField("职务", max_length=20, choices=LeaderPost.choices)
    person_name = models.CharField("姓名", max_length=50)
    went_down_at = models.DateTimeField("下井时间", db_index=True)
    places = models.CharField("检查地点", max_length=200)
    violations_found = models.PositiveIntegerField("查出三违(起)", default=0)
    violations = models.ManyToManyField(
        Violation, blank=True, related_name="leader_checks", verbose_name="关联三违记录"
    )
    notes = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )

    access: ClassVar[Access] = Access(mine_field="mine", roles=LEADER_CHECK_ROLES)

    class Meta:
        ordering = ["-went_down_at", "-id"]
        indexes = [models.Index(fields=["mine", "went_down_at"], name="leadercheck_mine_time")]
        verbose_name = "领导下井查三违记录"
        verbose_name_plural = "领导下井查三违记录"

    def __str__(self) -> str:
        return f"{self.person_name}（{self.get_post_display()}）{local_date(self.went_down_at)}"

    def get_absolute_url(self) -> str:
        return reverse("violations:leader_check_list") + f"?mine={self.mine_id}"

    def clean(self) -> None:
        _check_moment(self.went_down_at, "went_down_at", "下井时间")


def check_linked_violations(mine: Mine | None, found: int | None, linked: list[Violation]) -> None:
    """VIO-1: linked 三违 records are the check's own mine's, and no more than it found."""
    if mine is not None and any(v.mine_id != mine.pk for v in linked):
        raise ValidationError({"violations": "关联的三违记录须属于本煤矿"})
    if found is not None and len(linked) > found:
        raise ValidationError({"violations": "关联的三违记录多于查出的三违起数"})
