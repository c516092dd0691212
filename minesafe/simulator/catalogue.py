"""What a simulated mine is made of: its points, as column arrays for the whole county (MON-1).

A mine's layout (which sensors sit where) is built once per points-per-mine from the position
table in ``data/sensors.yaml`` and tiled across every mine with vectorised string operations,
so a national run (4,000 mines × 300 points) is built in a second, not in a million Python
iterations. Per-point randomness (base value, phase) comes from the seed only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from minesafe.ruledata import edition_in_force

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
Strs = npt.NDArray[np.str_]

SYSTEM_CODE = "01"  # dict B.1: safety-monitoring system
DISTRICT_NAMES = "一二三四五六七八九十"
GAS_GRADES = ("low", "high", "outburst")
GAS_GRADE_WEIGHTS = (0.6, 0.3, 0.1)
# CDDY order: upper alarm, upper restore, lower alarm, lower restore, power-off, power-on
THRESHOLD_FIELDS = (
    "alarm",
    "restore",
    "lower_alarm",
    "lower_restore",
    "power_off",
    "power_on",
)
_PLACE = "青川石岭龙泉白沙黑山柳林清水新庄红岩金沟东坡西峪南梁北台马家王庄李村"


@cache
def sensor_data() -> dict[str, Any]:
    """The sensor kinds, positions and groups of the edition in force (newest)."""
    return edition_in_force("minesafe.simulator", "sensors")


@dataclass(frozen=True, slots=True)
class Slot:
    """One point of the mine layout: its position key and the prefix of its position text."""

    position: str
    prefix: str
    district: int


def mine_layout(points_per_mine: int) -> list[Slot]:
    """The points of one mine, whole working-face groups first (第五百三十七条), then fillers.

    A mine has a main-return group, then per district a district group, one coal face and up
    to two development faces, within the limits of 第五十三条 (3 coal faces, 9 development
    faces). A group that does not fit whole is not started, so no face misses a sensor the
    regulation requires there.
    """
    data = sensor_data()
    groups = data["groups"]
    slots: list[Slot] = []

    def add(group: str, prefix: str, district: int) -> bool:
        positions = groups[group]["positions"]
        if len(slots) + len(positions) > points_per_mine:
            return False
        slots.extend(Slot(p, prefix, district) for p in positions)
        return True

    add("mine", "", 0)
    coal = dev = 0
    for district in range(1, len(DISTRICT_NAMES) + 1):
        if not add("district", DISTRICT_NAMES[district - 1], district):
            break
        if coal < data["max_coal_faces"] and add("coal_face", f"{district}101", district):
            coal += 1
        for face in (2, 3):
            if dev < data["max_dev_faces"] and add("dev_face", f"{district}10{face}", district):
                dev += 1
    fillers = data["filler"]
    districts = max(1, max((s.district for s in slots), default=1))
    i = 0
    while len(slots) < points_per_mine:
        district = 1 + (i // len(fillers)) % districts
        position = fillers[i % len(fillers)]
        prefix = DISTRICT_NAMES[district - 1] if position == "intake_o2" else f"{district}101"
        if position in ("air_door", "feed"):
            prefix = f"{district}采区"
        slots.append(Slot(position, prefix, district))
        i += 1
    return slots


@dataclass(frozen=True, slots=True)
class Mine:
    """A simulated mine: 12-digit code, name, gas grade and approved underground headcount."""

    index: int
    code: str
    name: str
    gas_grade: str
    #: People underground per shift (夜班, 早班, 中班), leader included; None: the roster of
    #: ``sensor_data.yaml`` (the same crews in every mine).
    crew: tuple[int, int, int] | None = None
    #: A stopped mine: its crews are a watch (值守) in the general area, no face is worked.
    watch: bool = False


def make_mines(n: int, seed: int, region: str = "990101") -> list[Mine]:
    """``n`` mines with codes ``<region><serial>`` (12 digits; province 99 is fictional)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be 6 digits")
    rng = np.random.default_rng([seed, 1])
    grades = rng.choice(len(GAS_GRADES), size=n, p=GAS_GRADE_WEIGHTS)
    places = rng.integers(0, len(_PLACE) // 2, size=n)
    mines = []
    for i in range(n):
        place = _PLACE[2 * places[i] : 2 * places[i] + 2]
        mines.append(
            Mine(i, f"{region}{i + 1:06d}", f"{place}第{i + 1}煤矿", GAS_GRADES[grades[i]])
        )
    return mines


def given_mines(rows: Sequence[tuple[Any, ...]]) -> list[Mine]:
    """Mines named by the caller, ``(code, name, gas grade)`` each, optionally followed by the
    crews per shift and whether the mine is stopped: the demo feed streams the register's own
    mines, so their files join the mines the platform already knows."""
    mines = []
    for i, (code, name, grade, *rest) in enumerate(rows):
        if len(code) != 12 or not code.isdigit():
            raise ValueError(f"mine code {code!r}: 12 digits expected")
        if grade not in GAS_GRADES:
            raise ValueError(f"mine {code}: gas grade {grade!r} is not one of {GAS_GRADES}")
        crew = tuple(int(n) for n in rest[0]) if rest and rest[0] is not None else None
        if crew is not None and (len(crew) != 3 or min(crew) < 0):
            raise ValueError(f"mine {code}: crew must be three headcounts ≥ 0")
        watch = bool(rest[1]) if len(rest) > 1 else False
        mines.append(Mine(i, code, name, grade, crew, watch))
    if len({m.code for m in mines}) != len(mines):
        raise ValueError("mine codes must be unique")
    return mines


@dataclass(frozen=True, slots=True)
class PointTable:
    """Every point of the simulation as columns; row ``m * P + j`` is point ``j`` of mine ``m``.

    Text columns are NumPy unicode arrays; value-model columns are float64. Thresholds absent
    from a position are NaN.
    """

    points_per_mine: int
    slots: list[Slot]
    mine_index: I32
    code: Strs
    substation: Strs
    kind: Strs
    position_key: Strs
    location: Strs
    base: F64
    noise: F64
    diurnal: F64
    drift: F64
    phase: F64
    range_lo: F64
    range_hi: F64
    thresholds: dict[str, F64]
    analog: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.code.shape[0])

    def of_mine(self, mine: int) -> slice:
        return slice(mine * self.points_per_mine, (mine + 1) * self.points_per_mine)


def _slot_columns(slots: list[Slot]) -> dict[str, Any]:
    """Per-slot facts of the layout (identical for every mine)."""
    data = sensor_data()
    kinds, positions = data["kinds"], data["positions"]
    cols: dict[str, list[Any]] = {k: [] for k in ("kind", "tail", "location", "lo", "hi")}
    cols.update({f: [] for f in THRESHOLD_FIELDS})
    for seq, slot in enumerate(slots, start=1):
        pos = positions[slot.position]
        kind = kinds[pos["kind"]]
        cols["kind"].append(pos["kind"])
        cols["tail"].append(f"{kind['value_type']}{kind['type_code']}{seq:08d}")
        cols["location"].append(slot.prefix + pos["suffix"])
        lo, hi = kind.get("range", (0, 1))
        cols["lo"].append(float(lo))
        cols["hi"].append(float(hi))
        for f in THRESHOLD_FIELDS:
            cols[f].append(float(pos[f]) if pos.get(f) is not None else np.nan)
    return cols


def make_points(mines: list[Mine], points_per_mine: int, seed: int) -> PointTable:
    """The point table of a county: the layout tiled over the mines, values drawn per point."""
    if points_per_mine < 1:
        raise ValueError("points per mine must be at least 1")
    slots = mine_layout(points_per_mine)
    cols = _slot_columns(slots)
    n_mines, p = len(mines), points_per_mine
    mine_codes = np.array([m.code for m in mines])
    mine_index = np.repeat(np.arange(n_mines, dtype=np.int32), p)
    per_mine = np.repeat(mine_codes, p)
    tail = np.tile(np.array(cols["tail"]), n_mines)
    code = np.char.add(np.char.add(per_mine, SYSTEM_CODE), tail)
    districts = np.tile(np.array([f"{max(1, s.district):03d}" for s in slots]), n_mines)
    substation = np.char.add(np.char.add(per_mine, SYSTEM_CODE), districts)
    kind = np.tile(np.array(cols["kind"]), n_mines)
    kinds = sensor_data()["kinds"]
    rng = np.random.default_rng([seed, 2])
    u = rng.random(n_mines * p)
    model = {f: np.zeros(n_mines * p) for f in ("base", "noise", "diurnal", "drift")}
    analog = np.zeros(n_mines * p, dtype=bool)
    for name, spec in kinds.items():
        sel = kind == name
        if spec["value_type"] != "MN":
            model["base"][sel] = 0.0 if name == "door_switch" else 1.0
            continue
        analog |= sel
        lo, hi = spec["base"]
        model["base"][sel] = lo + (hi - lo) * u[sel]
        for f in ("noise", "diurnal", "drift"):
            model[f][sel] = spec[f]
    return PointTable(
        points_per_mine=p,
        slots=slots,
        mine_index=mine_index,
        code=code,
        substation=substation,
        kind=kind,
        position_key=np.tile(np.array([s.position for s in slots]), n_mines),
        location=np.tile(np.array(cols["location"]), n_mines),
        phase=rng.random(n_mines * p) * 2 * np.pi,
        range_lo=np.tile(np.array(cols["lo"]), n_mines),
        range_hi=np.tile(np.array(cols["hi"]), n_mines),
        thresholds={f: np.tile(np.array(cols[f]), n_mines) for f in THRESHOLD_FIELDS},
        analog=analog,
        **model,
    )
