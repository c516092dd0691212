"""Choice classes of 三违 records (VIO-1, source 000:29-31)."""

from django.db import models


class ViolationKind(models.TextChoices):
    """The three kinds of 三违."""

    COMMAND = "command", "违章指挥"
    OPERATION = "operation", "违规作业"
    DISCIPLINE = "discipline", "违反劳动纪律"


class Severity(models.TextChoices):
    """Ordinary or serious (严重三违 are punished more heavily, 000:30)."""

    GENERAL = "general", "一般三违"
    SERIOUS = "serious", "严重三违"


class ViolationSource(models.TextChoices):
    """How the act was found (000:29: on-site checks, video and intelligent analytics)."""

    ON_SITE = "on_site", "现场检查"
    VIDEO = "video", "视频智能分析"
    INSPECTION = "inspection", "执法检查"
    ENTERPRISE = "enterprise", "企业检查"


class PenaltyKind(models.TextChoices):
    """The main penalty imposed; a fine amount is recorded beside it."""

    NONE = "none", "未处罚"
    EDUCATION = "education", "批评教育"
    FINE = "fine", "罚款"
    RETRAINING = "retraining", "停岗培训"
    SUSPENSION = "suspension", "停工处理"
    DISMISSAL = "dismissal", "解除劳动合同"


KIND_COLORS = {
    ViolationKind.COMMAND: "red",
    ViolationKind.OPERATION: "orange",
    ViolationKind.DISCIPLINE: "blue",
}
SEVERITY_COLORS = {Severity.GENERAL: "orange", Severity.SERIOUS: "red"}


class LeaderPost(models.TextChoices):
    """The posts whose holders go underground each month to check 三违 (000:30)."""

    ENTERPRISE_LEADER = "enterprise_leader", "企业挂牌责任领导"
    MINE_MANAGER = "mine_manager", "矿长"
