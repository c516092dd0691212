"""Sources, grades, statuses and kinds of the hazard closed loop, with Chinese labels and colours
(HAZ-1 … HAZ-9)."""

from django.db import models


class HazardSource(models.TextChoices):
    """Who found the hazard (HAZ-1); ``mine_self_check`` counts as self-reported (ENF-5)."""

    MINE_SELF_CHECK = "mine_self_check", "煤矿自查"
    ENTERPRISE_CHECK = "enterprise_check", "企业检查"
    REGULATOR_INSPECTION = "regulator_inspection", "监管部门检查"
    INSPECTORATE = "inspectorate", "矿山安全监察"
    TIP_OFF = "tip_off", "举报核查"
    MONITORING_ALARM = "monitoring_alarm", "监测报警"


class HazardGrade(models.TextChoices):
    GENERAL = "general", "一般隐患"
    MAJOR = "major", "重大事故隐患"


GRADE_COLORS = {HazardGrade.GENERAL: "blue", HazardGrade.MAJOR: "red"}


class HazardStatus(models.TextChoices):
    """The closed loop (HAZ-2): each step is a ``HazardTransition`` row."""

    REPORTED = "reported", "已登记"
    FIXES_COMPLETE = "fixes_complete", "五落实完成"
    RECTIFYING = "rectifying", "整改中"
    RECTIFIED = "rectified", "已整改待验收"
    VERIFIED = "verified", "已验收"
    CLOSED = "closed", "已销号"


STATUS_COLORS = {
    HazardStatus.REPORTED: "orange",
    HazardStatus.FIXES_COMPLETE: "cyan",
    HazardStatus.RECTIFYING: "blue",
    HazardStatus.RECTIFIED: "purple",
    HazardStatus.VERIFIED: "green",
    HazardStatus.CLOSED: "dark",
}

#: Statuses in which the rectification deadline still runs (overdue is judged on these).
OPEN_STATUSES = (HazardStatus.REPORTED, HazardStatus.FIXES_COMPLETE, HazardStatus.RECTIFYING)


class Profession(models.TextChoices):
    """Professional field of a hazard (采掘机运通 …), as the ledgers group them (HAZ-1)."""

    MINING = "mining", "采掘"
    ELECTROMECHANICAL = "electromechanical", "机电运输"
    VENTILATION = "ventilation", "通风"
    GEOLOGY_WATER = "geology_water", "地测防治水"
    MONITORING = "monitoring", "安全监控"
    BLASTING = "blasting", "爆破"
    GAS_OUTBURST = "gas_outburst", "防突"
    FIRE = "fire", "防灭火"
    ROCK_BURST = "rock_burst", "防冲"
    MANAGEMENT = "management", "安全管理"
    OTHER = "other", "其他"


class SuggestionMethod(models.TextChoices):
    TEXT = "text", "描述文本匹配"
    FACT = "fact", "已掌握事实"


class Decision(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已否定"


class NotificationKind(models.TextChoices):
    MAJOR_REPORT = "major_report", "重大隐患报告"
    REMINDER = "reminder", "整改期限提醒"
    OVERDUE = "overdue", "逾期未整改"
    ESCALATION = "escalation", "逾期升级督办"
    LISTED = "listed", "挂牌督办"
    PROPOSAL = "proposal", "处理建议"


class ProposalKind(models.TextChoices):
    """What the repeat rules propose (HAZ-4, HAZ-5, HAZ-6, ENF-5)."""

    PENALTY = "penalty", "处罚建议"
    HEAVIER_PENALTY = "heavier_penalty", "从重处罚建议"
    NO_PENALTY = "no_penalty", "不予处罚"
    EXEMPT = "exempt", "首违免罚"
    CLOSURE = "closure", "提请关闭建议"
    FAKE_RECTIFICATION = "fake_rectification", "假整改从严处理"
    UNLICENSED_PRODUCTION = "unlicensed", "无证生产重大隐患认定建议"


PROPOSAL_COLORS = {
    ProposalKind.PENALTY: "orange",
    ProposalKind.HEAVIER_PENALTY: "red",
    ProposalKind.NO_PENALTY: "green",
    ProposalKind.EXEMPT: "green",
    ProposalKind.CLOSURE: "dark",
    ProposalKind.FAKE_RECTIFICATION: "red",
    ProposalKind.UNLICENSED_PRODUCTION: "red",
}


class CaseStatus(models.TextChoices):
    OPEN = "open", "追责中"
    CLOSED = "closed", "已办结"
