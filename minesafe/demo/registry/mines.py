"""Which demo mine is what: status plan, register facts by ownership and status, and the mines
placed on purpose for the demo's scripted roles (classes A, B and C, expired licence, …)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from minesafe.demo.registry.world import (
    _NO_SAFETY_LICENCE,
    _SCRIPTED,
    _SLOT_ACCIDENT,
    _SLOT_EXPIRED,
    _SLOT_MINE1,
    _SLOT_RESUMED,
    COUNTIES,
    COUNTY_CODE,
    COUNTY_OPENING,
    COUNTY_WEIGHTS,
    ENTERPRISES,
    NON_PRODUCING,
    OTHER_COUNTY_CODE,
    OTHER_OPENING,
    OTHER_WEIGHTS,
    PLACES,
    STOPPED,
    _County,
)
from minesafe.registry.choices import (
    GasGrade,
    HydroType,
    KeyMineFlag,
    LicenceKind,
    MineStatus,
    MiningMethod,
    Ownership,
    SmartMining,
    SpontaneousCombustion,
    StandardizationGrade,
)


def _status_plan(count: int) -> dict[str, int]:
    """How many mines of each status: mostly producing, at least one of every other status."""
    shares = {
        MineStatus.CONSTRUCTION: 0.10,
        MineStatus.TRIAL: 0.05,
        MineStatus.SUSPENDED: 0.10,
        MineStatus.LONG_STOPPED: 0.075,
        MineStatus.TO_CLOSE: 0.05,
        MineStatus.CLOSED: 0.0,
    }
    plan = {status: max(1, round(count * share)) for status, share in shares.items()}
    plan[MineStatus.PRODUCING] = count - sum(plan.values())
    return plan


# --- the facts of one mine -----------------------------------------------------------------


def _mine_facts(rng: random.Random, county: _County, ownership: str, status: str) -> dict[str, Any]:
    """Register facts of a plausible mine of this ownership and status (grades, size, risk)."""
    state = ownership != Ownership.PRIVATE
    gas = rng.choices(
        [GasGrade.LOW, GasGrade.HIGH, GasGrade.OUTBURST], [5, 3, 1] if state else [7, 2, 1]
    )[0]
    depth = rng.randrange(180, 760, 10) + (180 if gas == GasGrade.OUTBURST else 0)
    if status in (MineStatus.TO_CLOSE, MineStatus.CLOSED):
        capacity = rng.choice([30, 45])
    elif state:
        capacity = rng.choice([90, 120, 150, 180, 240, 300, 400, 500])
    else:
        capacity = rng.choice([30, 45, 60, 90, 120])
    if status in STOPPED or status == MineStatus.CLOSED:
        standard = rng.choice([StandardizationGrade.LEVEL_2, StandardizationGrade.LEVEL_3])
    else:
        standard = rng.choices(
            [
                StandardizationGrade.LEVEL_1,
                StandardizationGrade.LEVEL_2,
                StandardizationGrade.LEVEL_3,
                StandardizationGrade.NONE,
            ],
            [4, 6, 2, 0] if state else [1, 6, 3, 1],
        )[0]
    if status == MineStatus.PRODUCING and state:
        smart = rng.choice(
            [
                SmartMining.BUILDING,
                SmartMining.PRIMARY,
                SmartMining.INTERMEDIATE,
                SmartMining.ADVANCED,
            ]
        )
    elif status in (MineStatus.PRODUCING, MineStatus.CONSTRUCTION, MineStatus.TRIAL):
        smart = rng.choice([SmartMining.NONE, SmartMining.BUILDING, SmartMining.PRIMARY])
    else:
        smart = SmartMining.NONE
    return {
        "status": status,
        "mining_method": MiningMethod.UNDERGROUND,
        "capacity": Decimal(capacity),
        "depth": depth,
        "gas_grade": gas,
        "rock_burst": depth >= 600 and rng.random() < 0.3,
        "hydro_type": rng.choices(
            [HydroType.SIMPLE, HydroType.MEDIUM, HydroType.COMPLEX, HydroType.EXTREME],
            [10, 12, 3, 1],
        )[0],
        "spontaneous_combustion": rng.choices(
            [
                SpontaneousCombustion.NOT_EASY,
                SpontaneousCombustion.SPONTANEOUS,
                SpontaneousCombustion.EASY,
            ],
            [5, 3, 2],
        )[0],
        "coal_dust_explosive": rng.random() < 0.7,
        "standardization_grade": standard,
        "smart_mining": smart,
        "accidents_12m": 0,
        "major_hazards_12m": rng.choices([0, 1], [7, 1])[0] if status != MineStatus.CLOSED else 0,
        "management_changes_12m": rng.choice([0, 1, 2, 3] if not state else [0, 0, 0, 1]),
        "longitude": Decimal(f"{rng.uniform(*county.lon):.6f}"),
        "latitude": Decimal(f"{rng.uniform(*county.lat):.6f}"),
    }


#: Scripted facts that decide a mine's class whatever the seed draws (REG-4 points in brackets).
_CLASS_A = {  # level-1 standardisation (-2), low gas, simple hydrogeology: score ≤ 0
    "gas_grade": GasGrade.LOW,
    "rock_burst": False,
    "hydro_type": HydroType.SIMPLE,
    "spontaneous_combustion": SpontaneousCombustion.SPONTANEOUS,
    "coal_dust_explosive": True,
    "standardization_grade": StandardizationGrade.LEVEL_1,
    "smart_mining": SmartMining.INTERMEDIATE,
    "major_hazards_12m": 0,
    "management_changes_12m": 0,
}
_CLASS_B = {  # high gas (2) + medium hydro (1) + coal dust (1) + one major hazard (2) = 6
    "gas_grade": GasGrade.HIGH,
    "rock_burst": False,
    "hydro_type": HydroType.MEDIUM,
    "spontaneous_combustion": SpontaneousCombustion.NOT_EASY,
    "coal_dust_explosive": True,
    "standardization_grade": StandardizationGrade.LEVEL_2,
    "major_hazards_12m": 1,
    "management_changes_12m": 0,
}
_CLASS_B_EXPIRED = {  # high gas (2) + spontaneous (1) + coal dust (1) = 4
    "gas_grade": GasGrade.HIGH,
    "rock_burst": False,
    "hydro_type": HydroType.SIMPLE,
    "spontaneous_combustion": SpontaneousCombustion.SPONTANEOUS,
    "coal_dust_explosive": True,
    "standardization_grade": StandardizationGrade.LEVEL_2,
    "major_hazards_12m": 0,
    "management_changes_12m": 0,
}
_OPEN_PIT = {
    "mining_method": MiningMethod.OPEN_PIT,
    "gas_grade": GasGrade.LOW,
    "rock_burst": False,
    "hydro_type": HydroType.SIMPLE,
}


@dataclass
class _Plan:
    """One demo mine before it is saved."""

    county: _County
    serial: int
    enterprise: str
    status: str
    facts: dict[str, Any]
    flags: list[str]
    name: str = ""
    second_appraisal: bool = False
    resumed: bool = False
    override: tuple[str, str] | None = None
    expiring: dict[str, int] | None = None  # licence kind → days left, overriding the draw


def _plan_mines(rng: random.Random, count: int) -> list[_Plan]:
    """Counties, operators, statuses and facts of every mine, with the scripted roles placed."""
    in_other = max(3, round(count / 8))
    in_county = count - in_other
    plan = _status_plan(count)
    # The demo county holds the scripted producing mines and one mine of every other status.
    pool = [s for status, n in plan.items() for s in [status] * n]
    for status in [MineStatus.PRODUCING] * _SCRIPTED + list(NON_PRODUCING):
        pool.remove(status)
    rng.shuffle(pool)
    county_rest = [*NON_PRODUCING, *pool[: in_county - _SCRIPTED - len(NON_PRODUCING)]]
    rng.shuffle(county_rest)
    county_statuses = [MineStatus.PRODUCING] * _SCRIPTED + county_rest
    other_statuses = pool[in_county - _SCRIPTED - len(NON_PRODUCING) :]

    def operators(opening: Iterable[str], weights: dict[str, int], n: int) -> list[str]:
        chosen = list(opening)[:n]
        chosen += rng.choices(list(weights), list(weights.values()), k=n - len(chosen))
        return chosen

    specs = {spec.key: spec for spec in ENTERPRISES}
    places = list(PLACES)
    rng.shuffle(places)
    mines: list[_Plan] = []
    for county_code, statuses, owners in (
        (COUNTY_CODE, county_statuses, operators(COUNTY_OPENING, COUNTY_WEIGHTS, in_county)),
        (OTHER_COUNTY_CODE, other_statuses, operators(OTHER_OPENING, OTHER_WEIGHTS, in_other)),
    ):
        county = COUNTIES[county_code]
        for serial, (status, owner) in enumerate(zip(statuses, owners, strict=True), start=1):
            facts = _mine_facts(rng, county, specs[owner].ownership, status)
            mines.append(_Plan(county, serial, owner, status, facts, flags=[]))
    for i, mine in enumerate(mines):
        place = places[i % len(places)] + (f"{i // len(places) + 1}号" if i >= len(places) else "")
        mine.name = f"{specs[mine.enterprise].short}{place}煤矿"
        mine.second_appraisal = rng.random() < 0.25
    _script_roles(rng, mines)
    return mines


def _script_roles(rng: random.Random, mines: list[_Plan]) -> None:
    """Give the scripted mines their part, and scatter flags and licence warnings."""
    mines[_SLOT_MINE1].facts.update(_CLASS_A)
    expired = mines[_SLOT_EXPIRED]
    expired.facts.update(_CLASS_B_EXPIRED)
    expired.expiring = {LicenceKind.SAFETY_PRODUCTION: -12}
    expired.override = ("C", "安全生产许可证已过期仍组织生产，依法责令整改并提级监管")
    resumed = mines[_SLOT_RESUMED]
    resumed.facts.update(_CLASS_B)
    resumed.resumed = resumed.second_appraisal = True
    mines[_SLOT_ACCIDENT].facts["accidents_12m"] = 1
    unscripted = mines[_SCRIPTED:]
    suspended = next(m for m in unscripted if m.status == MineStatus.SUSPENDED)
    suspended.facts["major_hazards_12m"] = 2  # two major hazards: class C
    producing = [m for m in unscripted if m.status == MineStatus.PRODUCING]
    county_producing = [m for m in producing if m.county.code == COUNTY_CODE]
    if county_producing:
        open_pit = county_producing[0]
        open_pit.facts.update(_OPEN_PIT, depth=rng.randrange(80, 200, 10))
        open_pit.name = open_pit.name.removesuffix("煤矿") + "露天煤矿"
        open_pit.flags.append(KeyMineFlag.HIGH_STEEP_SLOPE)
    for mine in [m for m in unscripted if m.status == MineStatus.CONSTRUCTION][:2]:
        mine.flags.append(KeyMineFlag.INTEGRATION)
    if len(producing) > 2:
        producing[-1].flags.append(KeyMineFlag.TAILINGS_ABOVE_SETTLEMENT)
    # Licence warnings (REG-3): three within 30 days, three within 90, on licences that exist.
    licensed = [m for m in unscripted if m.status not in _NO_SAFETY_LICENCE and not m.expiring]
    warned = rng.sample(licensed, min(6, len(licensed)))
    for mine, (kind, low, high) in zip(
        warned,
        [
            (LicenceKind.SAFETY_PRODUCTION, 5, 30),
            (LicenceKind.SAFETY_PRODUCTION, 5, 30),
            (LicenceKind.MINING, 5, 30),
            (LicenceKind.SAFETY_PRODUCTION, 31, 90),
            (LicenceKind.SAFETY_PRODUCTION, 31, 90),
            (LicenceKind.MINING, 31, 90),
        ],
        strict=False,
    ):
        mine.expiring = {kind: rng.randrange(low, high)}


# --- what hangs off a mine -----------------------------------------------------------------

#: A mine only obtains its safety-production licence after completion and acceptance; a closed
#: mine's licences are cancelled (it keeps the business licence of its company).
