"""Kinds, levels and states of weather warnings, evacuation orders and spot checks, with Chinese
labels and colours (MON-8, EMG-2, issue 6 §6)."""

from django.db import models


class WarningKind(models.TextChoices):
    """Meteorological warnings that can call for evacuation (002:44 雨雪、冰冻等预警信息)."""

    RAINSTORM = "rainstorm", "暴雨"
    TYPHOON = "typhoon", "台风"
    THUNDER = "thunder", "雷电"
    SNOWSTORM = "snowstorm", "暴雪"
    FREEZE = "freeze", "冰冻/道路结冰"
    FLOOD = "flood", "洪水"
    GALE = "gale", "大风"


class WarningLevel(models.TextChoices):
    """The four colours of a warning; ``LEVEL_RANK`` orders them."""

    BLUE = "blue", "蓝色"
    YELLOW = "yellow", "黄色"
    ORANGE = "orange", "橙色"
    RED = "red", "红色"


LEVEL_RANK = {
    WarningLevel.BLUE: 1,
    WarningLevel.YELLOW: 2,
    WarningLevel.ORANGE: 3,
    WarningLevel.RED: 4,
}


class OrderReason(models.TextChoices):
    WEATHER = "weather", "气象预警"
    ALARM = "alarm", "监测报警"
    OTHER = "other", "其他紧急情况"


class IssuerKind(models.TextChoices):
    """Who gave the order: a regulator (MON-8) or the mine itself (EMG-2, 004 task 7)."""

    REGULATOR = "regulator", "监管部门指令"
    MINE = "mine", "煤矿自主撤人"


class OrderScope(models.TextChoices):
    WHOLE_MINE = "whole", "全矿井"
    AREAS = "areas", "指定区域"


class TargetState(models.TextChoices):
    """Where one mine stands on one order; each change is a ``TargetEvent`` row (STYLE 7)."""

    ISSUED = "issued", "已下达"
    RECEIVED = "received", "已签收"
    CONFIRMED = "confirmed", "已确认撤离"
    OVERDUE = "overdue", "逾期未确认"
    MISMATCH = "mismatch", "核查不符"
    UNVERIFIABLE = "unverifiable", "无法核查"
    LIFTED = "lifted", "已解除"


STATE_COLORS = {
    TargetState.ISSUED: "orange",
    TargetState.RECEIVED: "blue",
    TargetState.CONFIRMED: "green",
    TargetState.OVERDUE: "red",
    TargetState.MISMATCH: "red",
    TargetState.UNVERIFIABLE: "purple",
    TargetState.LIFTED: "grey",
}

LEVEL_COLORS = {
    WarningLevel.BLUE: "blue",
    WarningLevel.YELLOW: "yellow",
    WarningLevel.ORANGE: "orange",
    WarningLevel.RED: "red",
}


class CheckResult(models.TextChoices):
    """What the positioning data says about a mine's evacuation."""

    PENDING = "pending", "未核查"
    CONSISTENT = "consistent", "定位数据一致"
    MISMATCH = "mismatch", "井下仍有人员"
    NO_DATA = "no_data", "无定位数据，无法核查"


CHECK_COLORS = {
    CheckResult.PENDING: "grey",
    CheckResult.CONSISTENT: "green",
    CheckResult.MISMATCH: "red",
    CheckResult.NO_DATA: "purple",
}


class SpotMethod(models.TextChoices):
    """How a regulator checked compliance (002:44 对撤人指令落实情况进行抽查检查)."""

    PHONE = "phone", "电话抽查"
    VIDEO = "video", "视频抽查"
    ON_SITE = "on_site", "现场检查"
    POSITIONING = "positioning", "人员定位系统核查"


class NoticeKind(models.TextChoices):
    NEW_ORDER = "new_order", "撤人指令下达"
    SELF_ISSUED = "self_issued", "煤矿自主撤人报告"
    OVERDUE = "overdue", "逾期未确认撤离"
    MISMATCH = "mismatch", "撤人核查不符"
    NO_DATA = "no_data", "无法核查，需抽查"
    SPOT_FAILED = "spot_failed", "抽查发现未撤人"
    LIFTED = "lifted", "撤人指令解除"
