"""Kinds, steps and outcomes of inspection and enforcement, with Chinese labels (ENF-1 … ENF-10)."""

from django.db import models


class InspectionKind(models.TextChoices):
    """How a check is made (ENF-2, 002:19, 002:21)."""

    ROUTINE = "routine", "计划检查"
    UNANNOUNCED = "unannounced", "四不两直突击检查"
    NIGHT = "night", "夜查"
    RETURN = "return", "回马枪"
    REMOTE = "remote", "远程监控检查"
    RECHECK = "recheck", "复查"
    CLOSED_MINE = "closed_mine", "关闭矿井突击检查"


#: Kinds whose target is drawn and sealed until the day of the check (ENF-2).
SEALED_KINDS = frozenset({InspectionKind.UNANNOUNCED, InspectionKind.NIGHT, InspectionKind.RETURN})


class Step(models.TextChoices):
    """The closed inspection flow (ENF-3, 003): each change is an ``InspectionStep`` row."""

    PLAN = "plan", "计划"
    PREPARE = "prepare", "准备"
    ONSITE = "onsite", "现场检查"
    DECIDE = "decide", "处理决定"
    NOTIFY = "notify", "告知"
    ADVISE = "advise", "指导建议"
    RECHECK = "recheck", "复查"
    ARCHIVE = "archive", "归档"


STEP_ORDER = list(Step.values)

STEP_COLORS = {
    Step.PLAN: "grey",
    Step.PREPARE: "blue",
    Step.ONSITE: "cyan",
    Step.DECIDE: "orange",
    Step.NOTIFY: "yellow",
    Step.ADVISE: "yellow",
    Step.RECHECK: "blue",
    Step.ARCHIVE: "green",
}


class FindingKind(models.TextChoices):
    """What an inspector found; the decision table (data/decision_rules.yaml) keys on these."""

    HIDDEN_FACE = "hidden_face", "隐蔽工作面（第二采场）"
    SENSOR_TAMPERING = "sensor_tampering", "封堵、挪移、风吹瓦斯传感器"
    MONITORING_MISSING = "monitoring_missing", "未安装或未运行安全监控系统"
    POSITIONING_MISSING = "positioning_missing", "未安装或未运行人员位置监测系统"
    OUTSOURCED_FACE = "outsourced_face", "采掘工作面对外承包"
    BEYOND_BOUNDARY = "beyond_boundary", "超层越界开采"
    NO_LICENCE = "no_licence", "无证或证照不全生产"
    MAJOR_HAZARD = "major_hazard", "其他重大事故隐患"
    GENERAL_HAZARD = "general_hazard", "一般事故隐患"
    ILLEGAL_ACT = "illegal_act", "其他违法违规行为"


class Consequence(models.TextChoices):
    """Mandatory consequences and measures a decision may carry (ENF-5, ENF-6)."""

    RECTIFY = "rectify", "责令限期整改"
    SUSPENSION = "suspension", "责令停产整顿"
    PENALTY = "penalty", "行政处罚"
    HEAVIER_PENALTY = "heavier_penalty", "从重处罚"
    MANAGER_POINTS = "manager_points", "矿长安全生产记分"
    MANAGER_REMOVAL = "manager_removal", "矿长调离工作岗位"
    DEPUTY_DISMISSAL = "deputy_dismissal", "分管副矿长免职"
    REFER_NATURAL_RESOURCES = "refer_natural_resources", "移送自然资源部门"
    STOP_POWER = "stop_power", "通知停止供电"
    STOP_EXPLOSIVES = "stop_explosives", "通知停止供应火工品"
    CLOSURE_PROPOSAL = "closure_proposal", "提请地方政府关闭"
    EXEMPT = "exempt", "首违免罚"
    NOT_PENALISED = "not_penalised", "自查自报不予处罚"


#: Consequences that make a decision "major": legal review before it is issued (ENF-4).
MAJOR_CONSEQUENCES = frozenset(
    {
        Consequence.SUSPENSION,
        Consequence.PENALTY,
        Consequence.HEAVIER_PENALTY,
        Consequence.MANAGER_REMOVAL,
        Consequence.DEPUTY_DISMISSAL,
        Consequence.CLOSURE_PROPOSAL,
    }
)


class ReviewStatus(models.TextChoices):
    """Legal review of a major decision or of a deviation from the proposal (ENF-4, ENF-5)."""

    NOT_NEEDED = "not_needed", "无需法制审核"
    PENDING = "pending", "待法制审核"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "退回修改"


REVIEW_COLORS = {
    ReviewStatus.NOT_NEEDED: "grey",
    ReviewStatus.PENDING: "orange",
    ReviewStatus.APPROVED: "green",
    ReviewStatus.RETURNED: "red",
}


class DocumentKind(models.TextChoices):
    """Enforcement documents (ENF-4); the short mark goes into the document number."""

    SITE_RECORD = "site_record", "现场检查记录"
    RECTIFICATION_ORDER = "rectification_order", "责令限期整改指令书"
    ONSITE_DECISION = "onsite_decision", "现场处理决定书"
    PENALTY_DECISION = "penalty_decision", "行政处罚决定书"
    SUSPENSION_ORDER = "suspension_order", "责令停产整顿指令书"


DOCUMENT_MARKS = {
    DocumentKind.SITE_RECORD: "查",
    DocumentKind.RECTIFICATION_ORDER: "改",
    DocumentKind.ONSITE_DECISION: "现决",
    DocumentKind.PENALTY_DECISION: "罚",
    DocumentKind.SUSPENSION_ORDER: "停",
}

#: Documents of a decision that are published on the public-notice list (ENF-4 三项制度).
PUBLIC_DOCUMENTS = frozenset({DocumentKind.PENALTY_DECISION, DocumentKind.SUSPENSION_ORDER})


class ReferralTarget(models.TextChoices):
    """Departments a case is referred to (ENF-7, 002:11)."""

    POWER = "power", "供电部门（停限电）"
    POLICE = "police", "公安机关（停供民用爆炸物品）"
    NATURAL_RESOURCES = "natural_resources", "自然资源部门"
    FIRE = "fire", "消防救援机构"


class ReferralState(models.TextChoices):
    PENDING = "pending", "待回复"
    OVERDUE = "overdue", "逾期未回复"
    ANSWERED = "answered", "已回复"


REFERRAL_COLORS = {
    ReferralState.PENDING: "blue",
    ReferralState.OVERDUE: "red",
    ReferralState.ANSWERED: "green",
}


class PenaltyOutcome(models.TextChoices):
    """The penalty policy's answer for one finding (ENF-5)."""

    EXEMPT = "exempt", "首违免罚"
    NOT_PENALISED = "not_penalised", "自查自报不予处罚"
    PENALISE = "penalise", "依法处罚"
    HEAVIER = "heavier", "从重处罚"
    NONE = "none", "责令整改，不予处罚"
