"""An alarm's details as users read them: labelled Chinese fields, never a key dump.

The engine stores what it knew about the episode as a small dict (thresholds, location, the
rule's source, personnel facts); :func:`detail_fields` turns it into (label, text) rows. Sources
go through :func:`minesafe.citations.cite`, sensor types through the live pages' code table;
keys nobody has labelled yet are shown under 其他信息 with their value only.
"""

from __future__ import annotations

import re
from typing import Any

from minesafe.citations import cite

#: Chinese labels of the detail keys the engine, the sink and the demo write, in display order.
LABELS: dict[str, str] = {
    "location": "安装位置",
    "location_kind": "位置类别",
    "sensor_type": "传感器类型",
    "unit": "单位",
    "alarm_hi": "上限报警门限",
    "alarm_high": "上限报警门限",
    "restore_hi": "上限解报门限",
    "restore_high": "上限解报门限",
    "poweroff_hi": "上限断电门限",
    "power_off_high": "上限断电门限",
    "poweron_hi": "上限复电门限",
    "power_on_high": "上限复电门限",
    "range_lo": "量程下限",
    "range_hi": "量程上限",
    "threshold": "门限",
    "regulation": "规程规定值",
    "gas": "气体",
    "gas_grade": "瓦斯等级",
    "value": "监测值",
    "peak": "峰值",
    "ratio": "超限倍数",
    "duration_s": "持续（秒）",
    "seconds": "持续（秒）",
    "silent_since": "无数据起始时间",
    "episodes": "超限次数",
    "window_s": "统计时段（秒）",
    "name": "姓名",
    "cards": "人员卡",
    "area": "区域编码",
    "area_name": "区域名称",
    "approved": "核定人数",
    "count": "人数",
    "underground": "井下人数",
    "hours": "下井时长（小时）",
    "limit_hours": "时长限值（小时）",
    "shift": "班次",
    "shift_start": "班次开始",
    "speed_m_s": "推算速度（米/秒）",
    "max_speed_m_s": "速度上限（米/秒）",
    "distance_m": "距离（米）",
    "from": "起点",
    "to": "终点",
    "reason": "原因",
    "status": "测点状态",
    "source": "依据",
    "closed_by": "结束方式",
}
GAS = {"ch4": "甲烷", "co": "一氧化碳", "o2": "氧气", "co2": "二氧化碳"}
GAS_GRADE = {"low": "低瓦斯", "high": "高瓦斯", "outburst": "煤与瓦斯突出"}
CLOSED_BY = {"rule": "数据显示报警条件已解除，平台按同一报警规则关闭"}


_REQUIREMENT_ID = re.compile(r"\b[A-Z]{2,}-\d+\b\s*")
_ENGLISH_NOTE = re.compile(r"\s*\([^()\u4e00-\u9fff]*[A-Za-z][^()\u4e00-\u9fff]*\)")


def source_text(text: str) -> str:
    """A rule's source as users read it: official citations (:func:`cite`), without the
    platform's requirement IDs or its English notes; 规程 named in full."""
    text = cite(text)
    text = _REQUIREMENT_ID.sub("", text)
    text = _ENGLISH_NOTE.sub("", text)
    text = re.sub(r"\s+[A-Za-z][A-Za-z0-9 ,/'\-.%]*$", "", text)  # a trailing English note
    text = re.sub(r"(?<!《煤矿安全)规程 ?2025", "《煤矿安全规程》（2025年版）", text)
    text = re.sub(r"^\((.*)\)", r"\1", text.strip())
    return text.strip(" ;；") or "—"


def _text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple | set):
        return "、".join(_text(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{LABELS.get(k, '其他')}：{_text(k, v)}" for k, v in value.items())
    text = str(value)
    if key == "source":
        return source_text(text)
    if key == "gas":
        return GAS.get(text, text)
    if key == "gas_grade":
        return GAS_GRADE.get(text, text)
    if key == "closed_by":
        return CLOSED_BY.get(text, text)
    if key == "location_kind":
        from minesafe.engine.config import EngineConfig

        labels = {k.kind: k.label for k in EngineConfig.load().locations}
        return labels.get(text, "其他位置")
    if key == "sensor_type":
        from minesafe.monitoring.live import live_settings
        from minesafe.monitoring.rules import sensor_group

        return sensor_group(text, live_settings().sensor_types)
    return text


def detail_fields(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) rows of an alarm's details: labelled keys first in :data:`LABELS` order
    (one row per label), the rest under 其他信息."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, label in LABELS.items():
        if key in details and label not in seen:
            seen.add(label)
            rows.append((label, _text(key, details[key])))
    rest = [_text(k, v) for k, v in details.items() if k not in LABELS]
    if rest:
        rows.append(("其他信息", "；".join(rest)))
    return rows
