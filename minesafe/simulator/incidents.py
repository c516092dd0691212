"""Scripted incidents: what goes wrong, where and when, and the alarms it must raise.

The spec is a ``;``-separated list of ``kind@key=value,key=value``, for example
``gas_surge@mine=1,point=3,at=600,peak=2.4,dur=300;over_staffing@mine=2,area=2,factor=1.3``.
``mine`` (1-based, default 1), ``at`` (seconds after the start, default 600) and ``dur``
(seconds, default 300) are common to all kinds; the others are listed in :data:`KINDS`.
Every incident modifies the stream while the simulator writes it and records what it actually
wrote, so the ground truth (``incidents.json``) is derived from the data, not from the script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from minesafe.simulator.catalogue import PointTable

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]

# kind -> {parameter: default}; ``None`` = chosen by the simulator (documented per kind)
KINDS: dict[str, dict[str, Any]] = {
    # methane rises at a face to ``peak``, holds, falls back; ``cut=0`` scripts a power cut that
    # fails (status shows no cut at or above the power-off threshold).
    "gas_surge": {"point": None, "peak": 2.4, "rise": 60.0, "fall": 60.0, "cut": 1},
    # a wrapped or covered sensor: the value freezes at what it read when the incident began.
    "flat_line": {"point": None},
    # the point's records are missing from the real-time files.
    "line_break": {"point": None},
    # no file at all from the mine (readings and personnel).
    "network_down": {},
    # methane creeps up to ``peak`` over ``rise`` seconds, then someone blows fresh air on the
    # sensor: it reads near zero for the rest of ``dur``.
    "air_blown": {"point": None, "peak": 0.8, "rise": 120.0},
    # spare workers sent into area ``area`` (1-based, 1 = 井底车场) until it holds ``factor`` ×
    # its approved headcount.
    "over_staffing": {"area": 2, "factor": 1.3},
    # person ``person`` (1-based among those underground for the whole window) carries a
    # second card of the same identity.
    "multi_card": {"person": 1},
}
COMMON = {"mine": 1, "at": 600.0, "dur": 300.0}
POINT_DEFAULTS = {
    "gas_surge": "coal_face_corner_ch4",
    "flat_line": "coal_face_ch4",
    "line_break": "coal_face_return_ch4",
    "air_blown": "dev_face_ch4",
}
METHANE_ONLY = ("gas_surge", "air_blown")
HIGH_VALUE = 2.0  # MON-2: a high-value over-limit is CH4 ≥ 2 % (the engine's default)
HIGH_VALUE_RESTORE = 1.5  # the engine's hysteresis: a high-value episode ends below 1.5 %
LONG_DURATION_S = 1800.0  # MON-2 "long duration": the engine's default T (rules.yaml)
HIGH_FREQUENCY = (3, 86400.0)  # MON-2 "high frequency": 3 episodes of one point within a day


class SpecError(ValueError):
    """An incident spec that cannot be understood; the message names the part at fault."""


@dataclass
class Incident:
    """One scripted incident; ``mine`` is 0-based here, ``point`` is a row of the point table."""

    kind: str
    mine: int
    at: float
    dur: float
    params: dict[str, Any]
    point: int = -1
    trace: list[tuple[float, float, int, bool]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def until(self) -> float:
        return self.at + self.dur


def parse_spec(spec: str | None) -> list[Incident]:
    """Parse ``--incidents``; raises :class:`SpecError` naming the bad part."""
    out: list[Incident] = []
    for part in filter(None, (p.strip() for p in (spec or "").split(";"))):
        kind, _, args = part.partition("@")
        kind = kind.strip()
        if kind not in KINDS:
            raise SpecError(f"unknown incident kind {kind!r} (known: {', '.join(KINDS)})")
        values: dict[str, Any] = {**COMMON, **KINDS[kind]}
        for item in filter(None, (a.strip() for a in args.split(","))):
            key, eq, raw = item.partition("=")
            if not eq or key not in values:
                raise SpecError(f"{kind}: unknown parameter {key!r} in {item!r}")
            try:
                values[key] = float(raw)
            except ValueError as exc:
                raise SpecError(f"{kind}: {key}={raw!r} is not a number") from exc
        if values["dur"] <= 0 or values["at"] < 0:
            raise SpecError(f"{kind}: at must be ≥ 0 and dur > 0")
        mine = int(values.pop("mine")) - 1
        at, dur = float(values.pop("at")), float(values.pop("dur"))
        out.append(Incident(kind, mine, at, dur, values))
    return out


def resolve_points(incidents: list[Incident], points: PointTable, n_mines: int) -> None:
    """Check mines and turn ``point=j`` (1-based in the mine) into a row of the point table."""
    for inc in incidents:
        if not 0 <= inc.mine < n_mines:
            raise SpecError(f"{inc.kind}: mine must be 1..{n_mines}")
        if "point" not in inc.params:
            continue
        rows = points.of_mine(inc.mine)
        if inc.params["point"] is None:
            wanted = POINT_DEFAULTS[inc.kind]
            hits = np.flatnonzero(points.position_key[rows] == wanted)
            if not len(hits):
                raise SpecError(f"{inc.kind}: this mine has no {wanted} point; give point=")
            j = int(hits[0])
        else:
            j = int(inc.params["point"]) - 1
            if not 0 <= j < points.points_per_mine:
                raise SpecError(f"{inc.kind}: point must be 1..{points.points_per_mine}")
        inc.point = rows.start + j
        if not points.analog[inc.point]:
            raise SpecError(f"{inc.kind}: point {j + 1} is a switch, not an analogue sensor")
        if inc.kind in METHANE_ONLY and points.kind[inc.point] != "methane":
            raise SpecError(f"{inc.kind}: point {j + 1} is not a methane sensor")


def _envelope(inc: Incident, t: float) -> float:
    """0 → 1 over ``rise``, 1, then 1 → 0 over ``fall`` before the end of the incident."""
    rise, fall = inc.params["rise"], inc.params["fall"]
    up = (t - inc.at) / rise if rise > 0 else 1.0
    down = (inc.until - t) / fall if fall > 0 else 1.0
    return float(np.clip(min(up, down), 0.0, 1.0))


def apply_to_cycle(
    incidents: list[Incident],
    points: PointTable,
    t: float,
    cycle: int,
    seed: int,
    values: F64,
    status: I32,
) -> tuple[npt.NDArray[np.bool_] | None, frozenset[int]]:
    """Modify one cycle's values and statuses in place; return the records to keep and the
    mines that send nothing. Point incidents record what was written in their ``trace``."""
    keep: npt.NDArray[np.bool_] | None = None
    silent = {i.mine for i in incidents if i.kind == "network_down" and i.at <= t < i.until}
    for inc in incidents:
        if inc.point < 0:
            continue
        p = inc.point
        active = inc.at <= t < inc.until
        if active and inc.kind == "gas_surge":
            base = values[p]
            values[p] = round(base + (inc.params["peak"] - base) * _envelope(inc, t), 2)
        elif active and inc.kind == "flat_line":
            values[p] = inc.state.setdefault("value", float(values[p]))
        elif active and inc.kind == "air_blown":
            rise = inc.params["rise"]
            if t < inc.at + rise:
                base = values[p]
                values[p] = round(base + (inc.params["peak"] - base) * (t - inc.at) / rise, 2)
            else:
                rng = np.random.default_rng([seed, 9, cycle])
                values[p] = round(float(rng.uniform(0.0, 0.02)), 2)
        elif active and inc.kind == "line_break":
            keep = np.ones(len(points), dtype=bool) if keep is None else keep
            keep[p] = False
        _set_status(inc, points, values, status)
        written = inc.mine not in silent and (keep is None or bool(keep[p]))
        inc.trace.append((t, float(values[p]), int(status[p]), written))
    return keep, frozenset(silent)


def _set_status(inc: Incident, points: PointTable, values: F64, status: I32) -> None:
    """Status bits of the incident's point: 1 alarm, 2 power cut (latched until power-on)."""
    p = inc.point
    th = {k: float(v[p]) for k, v in points.thresholds.items()}
    bits = 0
    if not np.isnan(th["alarm"]) and values[p] >= th["alarm"]:
        bits |= 1
    cut = bool(inc.state.get("cut", False))
    if not np.isnan(th["power_off"]) and inc.params.get("cut", 1):
        if values[p] >= th["power_off"]:
            cut = True
        elif not np.isnan(th["power_on"]) and values[p] < th["power_on"]:
            cut = False
    inc.state["cut"] = cut
    status[p] = bits | (2 if cut else 0)
