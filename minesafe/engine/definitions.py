"""Rules on the point definitions themselves (issue 3 §1): looser thresholds, missing sensors.

``threshold_looser_than_regulation``: a CH4 or CO point whose declared alarm or power-off
threshold is looser than 煤矿安全规程 2025 表19 / 第五百四十一条 for its location kind (a known
trick to silence alarms). ``missing_point`` (required): an active working face without the
sensors 第五百三十七条 requires. Both are judged when definitions arrive or mine facts change.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from minesafe.engine.config import EngineConfig
from minesafe.engine.events import AlarmKind
from minesafe.engine.model import F64, PointColumns, PointDef
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


def findings_of_columns(
    cols: PointColumns, config: EngineConfig, gas_grade: Callable[[str], str]
) -> tuple[dict[str, Finding], dict[str, list[float]]]:
    """The definition rules over columns: each rule runs once per distinct input (points of a
    mine share sensor types, units, installation texts and thresholds). Returns the findings and
    each judged mine's definition times (what closes a finding that is gone)."""
    text, nums = cols.text, cols.nums
    mine_values, mine_code = text["mine_code"]
    sensors, sensor = text["sensor_type"]
    units, unit = text["unit"]
    locations, location = text["location"]
    codes, point_code = text["point_code"]
    grades = [gas_grade(m) for m in mine_values]
    grade_names = sorted(set(grades))
    grade = np.asarray([grade_names.index(g) for g in grades], np.int64)[mine_code]
    a_hi, p_hi, at = nums["alarm_hi"], nums["poweroff_hi"], nums["defined_at"]
    # one id per distinct (sensor type, unit, installation text), then with the grade
    # and the two thresholds the rule reads
    place = _factorize(_factorize(sensor, unit), location)
    keys = _factorize(_factorize(_factorize(place, grade), _bits(a_hi)), _bits(p_hi))
    first = _first_rows(keys)
    flagged: dict[int, Finding] = {}
    for k, row in enumerate(first.tolist()):
        rep = PointDef(
            "",
            "",
            sensors[sensor[row]],
            unit=units[unit[row]],
            location=locations[location[row]],
            alarm_hi=float(a_hi[row]),
            poweroff_hi=float(p_hi[row]),
        )
        f = looser_than_regulation(rep, config, grade_names[grade[row]])
        if f is not None:
            flagged[k] = f
    findings: dict[str, Finding] = {}
    if flagged:
        for row in np.flatnonzero(np.isin(keys, list(flagged))).tolist():
            f = flagged[int(keys[row])]
            f = Finding(
                f.kind,
                mine_values[mine_code[row]],
                codes[point_code[row]],
                float(at[row]),
                copy.deepcopy(f.details),
            )
            findings[f.ident] = f
    # required sensors: what each mine measures where, from each distinct place's gas and
    # location kind; stamped with the mine's latest definition time
    cfg = config
    place_rows = _first_rows(place).tolist()
    gas_names: list[str] = []
    kind_names: list[str] = []
    for row in place_rows:
        loc = locations[location[row]]
        rep = PointDef("", "", sensors[sensor[row]], unit=units[unit[row]], location=loc)
        gas_names.append(gas_of(rep, cfg.sensor_types))
        kind_names.append(cfg.location_kind(loc))
    pairs = sorted(set(zip(gas_names, kind_names, strict=True)))
    pair_of_place = np.asarray(
        [pairs.index((g, k)) for g, k in zip(gas_names, kind_names, strict=True)], np.int64
    )
    mine_pairs = np.unique(mine_code * len(pairs) + pair_of_place[place])
    held: dict[int, list[tuple[str, str]]] = {}
    for mp in mine_pairs.tolist():
        held.setdefault(mp // len(pairs), []).append(pairs[mp % len(pairs)])
    real = ~np.isnan(at)
    latest = np.full(len(mine_values), -np.inf)
    np.maximum.at(latest, mine_code[real], at[real])
    defined_at: dict[str, list[float]] = {}
    order = np.argsort(mine_code, kind="stable")
    bounds = np.searchsorted(mine_code[order], np.arange(len(mine_values) + 1))
    for m, name in enumerate(mine_values):
        if bounds[m + 1] == bounds[m]:
            continue
        defined_at[name] = at[order[bounds[m] : bounds[m + 1]]].tolist()
        kinds_any = {kind for _, kind in held[m]}
        present: dict[str, set[str]] = {}
        for gas, kind in held[m]:
            present.setdefault(gas, set()).add(kind)
        last = float(latest[m]) if np.isfinite(latest[m]) else math.nan
        found = required_missing_of(name, last, kinds_any, present, cfg)
        findings.update({f.ident: f for f in found})
    return findings, defined_at


def _factorize(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """One dense id per distinct (a, b) pair; both are dense ids already (no overflow)."""
    if not a.shape[0]:
        return a
    key = a * (int(b.max()) + 1) + b
    inverse: npt.NDArray[np.int64] = np.unique(key, return_inverse=True)[1].reshape(-1)
    return inverse


def _bits(x: F64) -> npt.NDArray[np.int64]:
    """Dense ids of float values (by bits: every NaN of the parser is the same NaN)."""
    inverse: npt.NDArray[np.int64] = np.unique(x.view(np.int64), return_inverse=True)[1]
    return inverse.reshape(-1)


def _first_rows(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The first row of each dense id, in id order."""
    first = np.full(int(ids.max()) + 1 if ids.shape[0] else 0, ids.shape[0], np.int64)
    np.minimum.at(first, ids, np.arange(ids.shape[0], dtype=np.int64))
    return first
