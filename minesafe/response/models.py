"""Alarm cases in the closed loop, their history and planned work (MON-4, issue 6 §1–§3); their
notifications are the notifications app's.

Each engine :class:`~minesafe.monitoring.models.Alarm` becomes one :class:`AlarmCase` (claimed by
the worker with a conditional insert). The case keeps its state, effective level and the deadline
of the running step on the row (indexed, STYLE 7); every change is a :class:`CaseTransition`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from minesafe.core.models import BaseModel, TransitionRecord
from minesafe.core.roles import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES, Role
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, roles
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmKind, AlarmLevel
from minesafe.response.choices import OPEN_STATES, CaseState, GroupReason, PlannedWorkKind

#: Custom actions checked through ``Access`` like view/add/change.
ACT = "act"  # take a step of the loop (the pure rules then decide which steps)
COMMENT = "comment"

ACTORS = roles(MINE_ROLES, Role.ENTERPRISE_OFFICER, GOVERNMENT_ROLES)


class AlarmCase(BaseModel):
    """One alarm handled in the graded closed loop (MON-4): notified by level, acknowledged,
    disposed, fed back, verified by the level above, closed.

    ``effective_level`` starts at the alarm's level and rises on escalation or long duration.
    Suppressed cases (planned work) and grouped cases (outage children, flapping repeats) are
    recorded but never notified or escalated.
    """

    alarm = models.OneToOneField(
        "monitoring.Alarm", on_delete=models.CASCADE, related_name="case", verbose_name="报警"
    )
    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="alarm_cases", verbose_name="煤矿"
    )
    kind = models.CharField("报警类型", max_length=40, choices=AlarmKind.choices)
    point_code = models.CharField("对象编码", max_length=64, blank=True)
    opened_at = models.DateTimeField("报警时间")
    level = models.PositiveSmallIntegerField("原始等级", choices=AlarmLevel.choices)
    effective_level = models.PositiveSmallIntegerField(
        "当前等级", choices=AlarmLevel.choices, db_index=True
    )
    state = models.CharField(
        "状态", max_length=20, choices=CaseState.choices, default=CaseState.NEW, db_index=True
    )
    deadline = models.DateTimeField("当前环节期限", null=True, blank=True, db_index=True)
    escalations = models.PositiveSmallIntegerField("升级次数", default=0)
    raised_at = models.DateTimeField("最近按持续时间升级", null=True, blank=True)
    reminded_for = models.DateTimeField("已提醒的期限", null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name="归并至",
    )
    group_reason = models.CharField(
        "归并原因", max_length=20, choices=GroupReason.choices, blank=True
    )
    children_count = models.PositiveIntegerField("归并报警数", default=0)
    planned_work = models.ForeignKey(
        "PlannedWork",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name="计划作业",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_alarm_cases",
        verbose_name="指派给",
    )
    acknowledged_by = models.CharField("确认人", max_length=150, blank=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    measures = models.TextField("处置措施", blank=True)
    evacuated = models.PositiveIntegerField("撤出人数", null=True, blank=True)
    power_cut_confirmed = models.BooleanField("已确认断电", default=False)
    disposed_by = models.CharField("处置人", max_length=150, blank=True)
    disposed_at = models.DateTimeField("处置时间", null=True, blank=True)
    feedback = models.TextField("处置结果反馈", blank=True)
    fed_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    verification = models.TextField("核查意见", blank=True)
    verified_by = models.CharField("核查人", max_length=150, blank=True)
    verified_at = models.DateTimeField("核查时间", null=True, blank=True)
    closed_by = models.CharField("关闭人", max_length=150, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={VIEW: ALL_ROLES, ACT: ACTORS, CHANGE: ACTORS, COMMENT: ALL_ROLES},
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="case_state_deadline_idx"),
            models.Index(fields=["mine", "kind", "point_code"], name="case_subject_idx"),
            models.Index(fields=["mine", "-opened_at"], name="case_mine_opened_idx"),
        ]
        verbose_name = "报警处置"
        verbose_name_plural = "报警处置"

    def __str__(self) -> str:
        return f"报警处置#{self.pk} {self.get_kind_display()} {self.point_code}".strip()

    def get_absolute_url(self) -> str:
        return reverse("response:case_detail", kwargs={"pk": self.pk})

    @property
    def color(self) -> str:
        return LEVEL_COLORS.get(AlarmLevel(self.effective_level), "grey")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def escalated(self) -> bool:
        return self.effective_level < self.level


class CaseTransition(TransitionRecord, BaseModel):
    """One entry in a case's history (``rules.CASE_WORKFLOW``, STYLE 7): a step of the loop taken
    by a person, or an event of the system (opening, escalation, rise by duration, grouping,
    suppression) with no user, or an assignment; ``step`` names it, ``label`` says in words what
    happened (an escalation's new level, whom a case was assigned to); the effective level
    before and after it (MON-4)."""

    case = models.ForeignKey(
        AlarmCase, on_delete=models.CASCADE, related_name="transitions", verbose_name="报警处置"
    )
    label = models.CharField("事项", max_length=60, blank=True)
    old_level = models.PositiveSmallIntegerField("原等级", null=True, blank=True)
    new_level = models.PositiveSmallIntegerField("新等级", null=True, blank=True)

    access: ClassVar[Access] = Access(mine_field="case__mine")

    class Meta(TransitionRecord.Meta):
        verbose_name = "处置记录"
        verbose_name_plural = "处置记录"

    def __str__(self) -> str:
        return f"{self.label or self.step} {self.at:%Y-%m-%d %H:%M}"


class CaseComment(BaseModel):
    """A remark on a case by anyone who may see it (MON-4)."""

    case = models.ForeignKey(
        AlarmCase, on_delete=models.CASCADE, related_name="comments", verbose_name="报警处置"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_name = models.CharField("评论人", max_length=150)
    text = models.TextField("内容")
    at = models.DateTimeField("时间")

    access: ClassVar[Access] = Access(mine_field="case__mine")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "处置评论"
        verbose_name_plural = "处置评论"

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:30]}"


class PlannedWork(BaseModel):
    """Calibration or maintenance declared in advance by the mine (issue 6 §2): alarms inside its
    scope and window are recorded as suppressed, not notified nor escalated."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="planned_works", verbose_name="煤矿"
    )
    kind = models.CharField("作业类型", max_length=20, choices=PlannedWorkKind.choices)
    points = models.TextField(
        "测点范围", blank=True, help_text="测点编码，每行或逗号分隔一个；以*结尾表示前缀；空=全矿"
    )
    locations = models.TextField("位置范围", blank=True, help_text="安装位置关键字，逗号分隔")
    kinds = models.JSONField("报警类型范围", default=list, blank=True)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间", db_index=True)
    reason = models.TextField("作业说明")
    declared_by = models.CharField("申报人", max_length=150, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={VIEW: ALL_ROLES, ADD: frozenset(MINE_ROLES), CHANGE: frozenset(MINE_ROLES)},
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "计划作业"
        verbose_name_plural = "计划作业"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("response:planned_list")
