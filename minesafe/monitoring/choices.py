"""Alarm kinds and levels with Chinese labels and colours (issue 3 §1–§2, MON-2..MON-5).

The values are the engine's own (:mod:`minesafe.engine.events`), so an ``AlarmEvent`` maps to a
row without translation; a test keeps the two lists equal.
"""

from django.db import models


class AlarmKind(models.TextChoices):
    OVER_LIMIT = "over_limit", "超限报警"
    THRESHOLD_LOOSER_THAN_REGULATION = "threshold_looser_than_regulation", "门限设置宽于规程"
    POWER_OFF_FAILED = "power_off_failed", "超限未断电"
    HIGH_VALUE = "high_value", "高值超限"
    LONG_DURATION = "long_duration", "长时超限"
    HIGH_FREQUENCY = "high_frequency", "高频超限"
    LINE_BREAK = "line_break", "断线"
    NETWORK_DOWN = "network_down", "断网"
    FLAT_LINE = "flat_line", "平线"
    AIR_BLOWN = "air_blown", "疑似吹气"
    MISSING_POINT = "missing_point", "缺线/测点缺失"
    OUT_OF_RANGE = "out_of_range", "超量程"
    NEGATIVE_VALUE = "negative_value", "负值"
    CALIBRATION_OUTSIDE_WINDOW = "calibration_outside_window", "非标校时段标校"
    OVER_STAFFING = "over_staffing", "超员"
    OVERTIME_UNDERGROUND = "overtime_underground", "超时"
    IMPOSSIBLE_MOVE = "impossible_move", "轨迹异常"
    MULTI_CARD = "multi_card", "一人多卡"
    RESTRICTED_AREA = "restricted_area", "进入限制区域"
    LEADER_ON_SHIFT = "leader_on_shift", "带班领导"
    CARD_NO_MOVEMENT = "card_no_movement", "定位卡长时未移动"
    NO_CARD_UNDERGROUND = "no_card_underground", "入井未带定位卡(三对应)"


#: Kinds the regulator treats as evidence of tampering or data loss (MON-3).
DATA_QUALITY_KINDS = frozenset(
    {
        AlarmKind.LINE_BREAK,
        AlarmKind.NETWORK_DOWN,
        AlarmKind.FLAT_LINE,
        AlarmKind.AIR_BLOWN,
        AlarmKind.MISSING_POINT,
        AlarmKind.OUT_OF_RANGE,
        AlarmKind.NEGATIVE_VALUE,
        AlarmKind.CALIBRATION_OUTSIDE_WINDOW,
    }
)


class AlarmLevel(models.IntegerChoices):
    """Level I (most severe) … IV, shown red / orange / yellow / blue (MON-4)."""

    I = 1, "I级（红）"  # noqa: E741 - the regulation's own numeral
    II = 2, "II级（橙）"
    III = 3, "III级（黄）"
    IV = 4, "IV级（蓝）"


LEVEL_COLORS = {
    AlarmLevel.I: "red",
    AlarmLevel.II: "orange",
    AlarmLevel.III: "yellow",
    AlarmLevel.IV: "blue",
}


class StatPeriod(models.IntegerChoices):
    """Length of a statistics bucket in seconds (issue 3 §4)."""

    MINUTE = 60, "1分钟"
    FIVE_MINUTES = 300, "5分钟"


class ValueType(models.TextChoices):
    """测点数值类型 (CDDY dict B.5): analogue or switch."""

    ANALOGUE = "MN", "模拟量"
    SWITCH = "KG", "开关量"
    OTHER = "", "其他"


class PointStatus(models.TextChoices):
    """A sensor point's state on a mine's live page (MON-1): reading normally, in alarm, or
    silent past the no-data window."""

    NORMAL = "normal", "正常"
    ALARM = "alarm", "报警"
    NO_DATA = "nodata", "无数据"


POINT_STATUS_COLORS = {
    PointStatus.NORMAL: "green",
    PointStatus.ALARM: "red",
    PointStatus.NO_DATA: "grey",
}
#: Map colours (hex: ECharts needs real colours) of a mine by its worst open level; green = none.
MAP_COLORS = {0: "#16a34a", 1: "#dc2626", 2: "#ea580c", 3: "#ca8a04", 4: "#2563eb"}
