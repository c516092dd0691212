"""States, steps, notification reasons and their Chinese labels and colours (MON-4, issue 6
§1–§3)."""

from django.db import models


class CaseState(models.TextChoices):
    """Where an alarm case stands in the closed loop (MON-4)."""

    NEW = "new", "待确认"
    ACKNOWLEDGED = "acknowledged", "已确认"
    DISPOSED = "disposed", "已处置"
    FED_BACK = "fed_back", "已反馈"
    VERIFIED = "verified", "已核查"
    CLOSED = "closed", "已关闭"
    SUPPRESSED = "suppressed", "计划作业抑制"
    GROUPED = "grouped", "已归并"


#: States in which a case still waits on someone (the clock watches them).
OPEN_STATES = frozenset(
    {
        CaseState.NEW,
        CaseState.ACKNOWLEDGED,
        CaseState.DISPOSED,
        CaseState.FED_BACK,
        CaseState.VERIFIED,
    }
)
#: States in which a missed deadline escalates the case one level up (MON-4).
ESCALATING_STATES = frozenset({CaseState.NEW, CaseState.ACKNOWLEDGED})

STATE_COLORS = {
    CaseState.NEW: "red",
    CaseState.ACKNOWLEDGED: "orange",
    CaseState.DISPOSED: "yellow",
    CaseState.FED_BACK: "blue",
    CaseState.VERIFIED: "green",
    CaseState.CLOSED: "grey",
    CaseState.SUPPRESSED: "grey",
    CaseState.GROUPED: "grey",
}


class GroupReason(models.TextChoices):
    """Why a case was folded under a parent case (issue 6 §2)."""

    OUTAGE = "outage", "同一分站/网络中断归并"
    FLAPPING = "flapping", "频繁启停归并"


class PlannedWorkKind(models.TextChoices):
    CALIBRATION = "calibration", "传感器标校"
    MAINTENANCE = "maintenance", "设备检修"
    RELOCATION = "relocation", "传感器移设"
    OTHER = "other", "其他计划作业"


class NotificationReason(models.TextChoices):
    """Why people hear of a case (the kind of its notifications)."""

    OPENED = "opened", "新报警"
    REPEAT = "repeat", "超时未处理再次通知"
    ESCALATED = "escalated", "升级通知"
    RAISED = "raised", "持续时间过长升级"
    REMINDER = "reminder", "期限提醒"
    ASSIGNED = "assigned", "指派"
    STEP = "step", "处置进展"
