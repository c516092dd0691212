"""Choice classes of the video area (MON-7): place kinds, channel status, AI findings."""

from __future__ import annotations

from django.db import models

from minesafe.video import rules
from minesafe.violations.choices import ViolationKind


class PlaceKind(models.TextChoices):
    """What a channel watches. The same codes as ``place_kinds`` in data/coverage.yaml, where
    each kind's source (002:15 人员作业场所 / 重点区域 / 关键设备) and requirement are given."""

    LONGWALL_FACE = "longwall_face", "采煤工作面"
    HEADING_FACE = "heading_face", "掘进工作面"
    MAIN_FAN = "main_fan", "主要通风机"
    HOIST = "hoist", "主提升机"
    MAIN_BELT = "main_belt", "主运输带式输送机"
    CENTRAL_SUBSTATION = "central_substation", "中央变电所"
    MAIN_PUMP_ROOM = "main_pump_room", "主排水泵房"
    SHAFT_TOP = "shaft_top", "井口"
    SHAFT_BOTTOM = "shaft_bottom", "井底车场"
    GAS_DRAINAGE_PUMP = "gas_drainage_pump", "瓦斯抽采泵站"
    EXPLOSIVES_STORE = "explosives_store", "爆炸物品库"
    OTHER = "other", "其他作业场所"


#: Kinds that watch a working face: the channel names the face it covers.
FACE_KINDS = frozenset({PlaceKind.LONGWALL_FACE, PlaceKind.HEADING_FACE})


class ChannelStatus(models.TextChoices):
    """The status the mine's video system reports for a channel."""

    ONLINE = rules.STATUS_ONLINE, "在线"
    OFFLINE = rules.STATUS_OFFLINE, "离线"
    FAULT = rules.STATUS_FAULT, "故障"


STATUS_COLORS = {
    ChannelStatus.ONLINE: "green",
    ChannelStatus.OFFLINE: "red",
    ChannelStatus.FAULT: "orange",
}
#: Colours of the coverage rule's channel states (``rules.WORKING`` …).
STATE_COLORS = {
    rules.WORKING: "green",
    rules.STALE: "yellow",
    rules.OFFLINE: "red",
    rules.FAULT: "orange",
}
STATE_LABELS = {
    rules.WORKING: "正常",
    rules.STALE: "心跳超时",
    rules.OFFLINE: "离线",
    rules.FAULT: "故障",
}


class FindingKind(models.TextChoices):
    """What the mine's video AI recognised (000:29 运用视频监控、智能分析…及时处置"三违"行为)."""

    NO_HELMET = "no_helmet", "未佩戴安全帽"
    INTRUSION = "intrusion", "人员闯入危险区域"
    RIDING_BELT = "riding_belt", "乘坐带式输送机"
    SLEEPING = "sleeping", "睡岗"
    SMOKING = "smoking", "吸烟"
    LEFT_POST = "left_post", "脱岗"
    BELT_DEVIATION = "belt_deviation", "皮带跑偏"
    COAL_PILE = "coal_pile", "堆煤"


#: The 三违 kind a confirmed finding becomes; kinds absent here are equipment anomalies (皮带跑偏,
#: 堆煤): confirming them records no 三违, since nobody violated a rule on the picture.
VIOLATION_KIND_OF: dict[str, str] = {
    FindingKind.NO_HELMET: ViolationKind.OPERATION,
    FindingKind.INTRUSION: ViolationKind.OPERATION,
    FindingKind.RIDING_BELT: ViolationKind.OPERATION,
    FindingKind.SMOKING: ViolationKind.DISCIPLINE,
    FindingKind.SLEEPING: ViolationKind.DISCIPLINE,
    FindingKind.LEFT_POST: ViolationKind.DISCIPLINE,
}


class FindingState(models.TextChoices):
    PENDING = "pending", "待审核"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已驳回"


FINDING_COLORS = {
    FindingState.PENDING: "orange",
    FindingState.CONFIRMED: "red",
    FindingState.REJECTED: "grey",
}
