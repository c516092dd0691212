"""Rules on the point definitions themselves (issue 3 §1): looser thresholds, missing sensors.

``threshold_looser_than_regulation``: a CH4 or CO point whose declared alarm or power-off
threshold is looser than 煤矿安全规程 2025 表19 / 第五百四十一条 for its location kind (a known
trick to silence alarms). ``missing_point`` (required): an active working face without the
sensors 第五百三十七条 requires. Both are judged when definitions arrive or mine facts change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from minesafe.engine.config import EngineConfig
from minesafe.engine.events import AlarmKind
from minesafe.engine.model import PointDef
from minesafe.engine.registry import gas_of


@dataclass(frozen=True, slots=True)
class Finding:
    """A definition problem: which kind, mine, subject, since when, and why."""

    kind: AlarmKind
    mine_code: str
    subject: str
    at: float
    details: dict[str, Any]

    @property
    def ident(self) -> str:
        return f"{self.kind.value}|{self.mine_code}|{self.subject}"


def looser_than_regulation(point: PointDef, config: EngineConfig, gas_grade: str) -> Finding | None:
    """The regulation row the point's thresholds are looser than, or None."""
    gas = gas_of(point, config.sensor_types)
    kind = config.location_kind(point.location)
    row = config.regulation.get(gas, {}).get(kind)
    if row is None or ("grades" in row and gas_grade not in row["grades"]):
        return None
    scale = 10000.0 if gas == "co" and "%" in point.unit else 1.0
    tol = float(config.rules["threshold_looser_than_regulation"]["tolerance"])
    problems = []
    alarm = point.alarm_hi * scale
    if math.isnan(alarm) or alarm > float(row["alarm"]) + tol:
        problems.append(f"报警门限 {_fmt(point.alarm_hi)} 高于规程 {row['alarm']}")
    if row.get("power_off") is not None:
        poff = point.poweroff_hi * scale
        if math.isnan(poff) or poff > float(row["power_off"]) + tol:
            problems.append(f"断电门限 {_fmt(point.poweroff_hi)} 高于规程 {row['power_off']}")
    if not problems:
        return None
    details = {
        "location": point.location,
        "location_kind": kind,
        "gas": gas,
        "alarm_hi": _json(point.alarm_hi),
        "poweroff_hi": _json(point.poweroff_hi),
        "regulation": {k: row.get(k) for k in ("alarm", "power_off", "restore")},
        "problems": problems,
        "source": f"煤矿安全规程 2025 {row['source']}",
    }
    at = point.defined_at
    return Finding(
        AlarmKind.THRESHOLD_LOOSER_THAN_REGULATION, point.mine_code, point.point_code, at, details
    )


def required_missing(points: list[PointDef], config: EngineConfig) -> list[Finding]:
    """Sensors the regulation requires at an active face that the mine has not defined."""
    if not points:
        return []
    mine = points[0].mine_code
    at = max((p.defined_at for p in points if not math.isnan(p.defined_at)), default=math.nan)
    present: dict[str, set[str]] = {}
    kinds_any: set[str] = set()
    for p in points:
        kind = config.location_kind(p.location)
        kinds_any.add(kind)
        present.setdefault(gas_of(p, config.sensor_types), set()).add(kind)
    return required_missing_of(mine, at, kinds_any, present, config)


def required_missing_of(
    mine: str, at: float, kinds_any: set[str], present: dict[str, set[str]], config: EngineConfig
) -> list[Finding]:
    """:func:`required_missing` from what it reads of a mine's points: the location kinds
    present, and the kinds each gas is measured at (the columnar path computes these once
    per distinct installation text)."""
    out = []
    for rule in config.regulation.get("required", []):
        if not kinds_any.intersection(rule["when_any"]):
            continue
        if present.get(rule["gas"], set()).intersection(rule["kinds"]):
            continue
        subject = f"required:{rule['gas']}:{rule['kinds'][0]}"
        details = {
            "required_kinds": list(rule["kinds"]),
            "gas": rule["gas"],
            "because_of": sorted(kinds_any.intersection(rule["when_any"])),
            "source": f"煤矿安全规程 2025 {rule['source']}",
        }
        out.append(Finding(AlarmKind.MISSING_POINT, mine, subject, at, details))
    return out


def _fmt(x: float) -> str:
    return "未设置" if math.isnan(x) else f"{x:g}"


def _json(x: float) -> float | None:
    return None if math.isnan(x) else x
