"""The demo county (issue 2 §6): a realistic, fictional county built from a fixed seed.

Every name, code and number is invented: the province 河东省, the city 云岭市 with the demo county
青川县 and its neighbour 石岭县, the bureaus, twelve enterprises (three groups, four 主体企业
under them, five private companies) and about forty mines. Division codes start with 96, a
province code that GB/T 2260 does not assign, so they cannot be mistaken for real ones.

- **Deterministic.** All choices come from ``random.Random(seed)`` (never the global random),
  and every date is relative to ``today``: the same seed gives the same codes, names and facts,
  and the licence warnings (30 / 90 days, one expired licence) stay true whenever it is loaded.
- **Idempotent.** If the demo user ``regulator`` exists the demo is already there: nothing is
  changed and the summary of what is there is returned. There is no wipe-and-reload, so a demo
  whose dossiers someone has since edited is never overwritten.
- **Audited.** The load runs in one transaction with ``acting_as(None, "演示数据")``, so every
  row has its audit entry attributed to the system.
- **Scripted roles.** Some mines play a part in the demo and are placed on purpose (the
  ``_SLOT_*`` constants): ``mine1``'s mine is an exemplary class-A group mine, one mine runs on an
  expired safety-production licence and was raised to class C by the regulator, one resumed
  after rectification with an acceptance document, ``mine2``'s mine is private, one had an
  accident, so classes A, B and C and every production status occur for any seed.

:func:`load_bulk_mines` adds thousands of plain mines with ``bulk_create`` for the web benchmark
(no audit rows); their names start with :data:`BULK_PREFIX`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from minesafe.accounts.choices import DivisionLevel, OrganizationKind, Role
from minesafe.accounts.models import Division, Organization, User
from minesafe.core.context import acting_as
from minesafe.localtime import local_date
from minesafe.registry.choices import (
    AppraisalKind,
    AssignmentKind,
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
    WorkingFaceKind,
    WorkingFaceStatus,
)
from minesafe.registry.models import (
    DisasterAppraisal,
    Enterprise,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)
from minesafe.registry.rules import GRADE_ORDERS

PASSWORD = "demo-password"
REASON = "演示数据"

PROVINCE_CODE = "960000"
CITY_CODE = "960100"
COUNTY_CODE = "960121"
OTHER_COUNTY_CODE = "960122"
DEMO_COUNTIES = (COUNTY_CODE, OTHER_COUNTY_CODE)

MIN_MINES = 16  # room for one mine of every status and every scripted role
MAX_MINES = 9_999
BULK_PREFIX = "基准测试"
BULK_SERIAL_START = 100_000  # bulk codes end in 100000…999999, demo codes in 000001…009999

DEMO_USERNAMES = (
    "regulator",
    "regulator2",
    "city",
    "inspector",
    "enterprise",
    "mine1",
    "mine2",
    "admin",
)


@dataclass(frozen=True)
class _County:
    code: str
    name: str
    short: str  # for document numbers (青应急…)
    towns: tuple[str, ...]
    lon: tuple[float, float]
    lat: tuple[float, float]


COUNTIES = {
    COUNTY_CODE: _County(
        COUNTY_CODE,
        "青川县",
        "青",
        ("城关镇", "龙泉镇", "柳林镇", "马道镇", "石门乡", "白云乡"),
        (112.62, 112.96),
        (35.52, 35.84),
    ),
    OTHER_COUNTY_CODE: _County(
        OTHER_COUNTY_CODE,
        "石岭县",
        "石",
        ("石岭镇", "古城镇", "桃园乡"),
        (112.98, 113.24),
        (35.38, 35.62),
    ),
}


@dataclass(frozen=True)
class _EnterpriseSpec:
    key: str
    name: str
    short: str  # the prefix of its mines' names
    ownership: str
    parent: str | None
    registered: str | None  # "province", "city", a county code, or None (registered elsewhere)


ENTERPRISES = (
    _EnterpriseSpec(
        "hedong", "河东能源集团有限公司", "河东能源", Ownership.PROVINCIAL_SOE, None, "province"
    ),
    _EnterpriseSpec(
        "yunling", "云岭煤业集团有限责任公司", "云岭煤业", Ownership.LOCAL_SOE, None, "city"
    ),
    _EnterpriseSpec(
        "zhongyue", "中岳煤炭能源集团有限公司", "中岳能源", Ownership.CENTRAL_SOE, None, None
    ),
    _EnterpriseSpec(
        "hedong_qc",
        "河东能源集团青川煤业有限公司",
        "河东青川煤业",
        Ownership.PROVINCIAL_SOE,
        "hedong",
        COUNTY_CODE,
    ),
    _EnterpriseSpec(
        "hedong_sl",
        "河东能源集团石岭煤业有限公司",
        "河东石岭煤业",
        Ownership.PROVINCIAL_SOE,
        "hedong",
        OTHER_COUNTY_CODE,
    ),
    _EnterpriseSpec(
        "yunling_qc",
        "云岭煤业集团青川矿业有限公司",
        "云岭青川矿业",
        Ownership.LOCAL_SOE,
        "yunling",
        COUNTY_CODE,
    ),
    _EnterpriseSpec(
        "zhongyue_qc",
        "中岳能源青川煤业有限公司",
        "中岳青川煤业",
        Ownership.CENTRAL_SOE,
        "zhongyue",
        COUNTY_CODE,
    ),
    _EnterpriseSpec(
        "jinquan", "青川县金泉煤业有限公司", "青川金泉", Ownership.PRIVATE, None, COUNTY_CODE
    ),
    _EnterpriseSpec(
        "hongda", "青川县宏达煤业有限公司", "青川宏达", Ownership.PRIVATE, None, COUNTY_CODE
    ),
    _EnterpriseSpec(
        "ruifeng", "青川县瑞丰煤业有限公司", "青川瑞丰", Ownership.PRIVATE, None, COUNTY_CODE
    ),
    _EnterpriseSpec(
        "xinyuan", "青川县鑫源矿业有限公司", "青川鑫源", Ownership.PRIVATE, None, COUNTY_CODE
    ),
    _EnterpriseSpec(
        "xingwang",
        "石岭县兴旺煤业有限公司",
        "石岭兴旺",
        Ownership.PRIVATE,
        None,
        OTHER_COUNTY_CODE,
    ),
)
GROUP_FOR_ENTERPRISE_USER = "hedong"

#: The first demo-county mines, in order: every operator gets one, 河东 a second so its group
#: has at least three mines (with the first mine of the neighbouring county).
COUNTY_OPENING = (
    "hedong_qc",
    "yunling_qc",
    "zhongyue_qc",
    "jinquan",
    "hongda",
    "hedong_qc",
    "ruifeng",
    "xinyuan",
)
COUNTY_WEIGHTS = {
    "hedong_qc": 4,
    "yunling_qc": 3,
    "zhongyue_qc": 2,
    "jinquan": 1,
    "hongda": 1,
    "ruifeng": 1,
    "xinyuan": 1,
}
OTHER_OPENING = ("hedong_sl", "xingwang")
OTHER_WEIGHTS = {"hedong_sl": 2, "xingwang": 1}

# Scripted demo-county mines (indices into COUNTY_OPENING, all producing).
_SLOT_MINE1 = 0  # mine1's mine: exemplary group mine, class A
_SLOT_EXPIRED = 1  # the one expired safety-production licence; computed B, raised to C
_SLOT_RESUMED = 2  # suspended, resumed after acceptance; two gas appraisals; class B
_SLOT_MINE2 = 3  # mine2's mine: private
_SLOT_ACCIDENT = 4  # an accident in the last 12 months: class C
_SCRIPTED = 5

PLACES = (
    "东山", "西沟", "南岭", "北坡", "龙泉", "凤凰山", "白云", "黑石沟", "红岩",
    "青龙", "石门", "金鸡岭", "银河", "清水河", "柳林", "杨家庄", "王家岭", "李家沟",
    "赵庄", "张村", "马道头", "槐树坪", "桃园", "松树坡", "梨园", "枣林", "古城",
    "新村", "长岭", "大阳", "小河", "峪口", "寺河", "磨盘山", "沙坪", "岭南",
    "庙沟", "后沟", "前进", "胜利", "兴隆", "福田", "永安", "安泰", "和平",
)  # fmt: skip
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "韩冯董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = (
    "建国", "志强", "海涛", "永刚", "晓东", "国华", "红军", "卫东", "振华", "文斌",
    "丽娟", "秀英", "勇", "军", "磊", "伟", "敏", "静", "鹏飞", "俊杰",
    "建平", "春生", "保平", "小龙", "海燕", "晋生", "长青", "玉梅",
)  # fmt: skip
AGENCIES = (
    ("河东省煤炭科学研究院", "河煤科"),
    ("云岭市矿山安全技术服务中心", "云矿安"),
    ("河东安泰矿山安全技术鉴定有限公司", "安泰鉴"),
)
SEAMS = (3, 9, 15)
NON_PRODUCING = (
    MineStatus.CONSTRUCTION,
    MineStatus.TRIAL,
    MineStatus.SUSPENDED,
    MineStatus.LONG_STOPPED,
    MineStatus.TO_CLOSE,
    MineStatus.CLOSED,
)
STOPPED = (MineStatus.SUSPENDED, MineStatus.LONG_STOPPED, MineStatus.TO_CLOSE)
CUTTING = (MineStatus.PRODUCING, MineStatus.TRIAL)
LICENCE_YEARS = {LicenceKind.MINING: 10, LicenceKind.SAFETY_PRODUCTION: 3, LicenceKind.BUSINESS: 30}

# GB 32100-2015 (统一社会信用代码) and GB 11714 (组织机构代码) check characters.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds: ``created`` is False when it was already loaded."""

    created: bool
    mines: int
    enterprises: int
    organizations: int = 0
    working_faces: int = 0
    licences: int = 0
    appraisals: int = 0
    status_changes: int = 0
    assignments: int = 0
    users: int = 0


# --- small helpers -------------------------------------------------------------------------


def credit_code(division_code: str, body: str) -> str:
    """An 18-character 统一社会信用代码 with valid check characters (GB 32100, GB 11714).

    ``body`` is the 8-character organisation-code body; the result is "91" (enterprise
    registered with market regulation) + division + body + its GB 11714 check + GB 32100 check.
    """
    assert len(division_code) == 6 and len(body) == 8, (division_code, body)
    values = [int(c, 36) for c in body]
    org_check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    org = body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    code17 = f"91{division_code}{org}"
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code17, _USCC_WEIGHTS, strict=True))
    return code17 + _USCC_CHARS[(31 - total % 31) % 31]


def _random_body(rng: random.Random, prefix: str) -> str:
    tail = "".join(rng.choice(_USCC_CHARS[:-1]) for _ in range(8 - len(prefix)))  # no Y
    return prefix + tail


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    """A masked mobile number, as Chinese systems display them; no real person is reachable."""
    return f"1{rng.choice('3589')}{rng.randrange(10)}****{rng.randrange(10**4):04d}"


def _days_ago(today: dt.date, low: int, high: int, rng: random.Random) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(low, high))


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
_NO_SAFETY_LICENCE = (MineStatus.CONSTRUCTION, MineStatus.TRIAL, MineStatus.CLOSED)


def _licence_rows(
    mine: Mine, rng: random.Random, today: dt.date, expiring: dict[str, int] | None
) -> list[Licence]:
    kinds = [LicenceKind.MINING, LicenceKind.SAFETY_PRODUCTION, LicenceKind.BUSINESS]
    if mine.status in _NO_SAFETY_LICENCE:
        kinds.remove(LicenceKind.SAFETY_PRODUCTION)
    if mine.status == MineStatus.CLOSED:
        kinds.remove(LicenceKind.MINING)
    county = mine.code[:6]
    rows = []
    for kind in kinds:
        years = LICENCE_YEARS[kind]
        days_left = (expiring or {}).get(kind, rng.randrange(120, years * 365 - 30))
        until = today + dt.timedelta(days=days_left)
        issued = until - dt.timedelta(days=years * 365)
        if kind == LicenceKind.MINING:
            number = f"C{county}{issued.year}{issued.month:02d}11{rng.randrange(10**7):07d}"
            issuer = "河东省自然资源厅"
        elif kind == LicenceKind.SAFETY_PRODUCTION:
            number = f"（河东）MK安许证字〔{issued.year}〕{rng.randrange(1, 1000):04d}"
            issuer = "河东省应急管理厅"
        else:
            number = credit_code(county, _random_body(rng, "MB"))
            issuer = f"{COUNTIES[county].name}市场监督管理局"
        rows.append(
            Licence(
                mine=mine,
                kind=kind,
                number=number,
                issuer=issuer,
                issued_on=issued,
                valid_until=until,
            )
        )
    return rows


def _face_rows(mine: Mine, rng: random.Random, today: dt.date, small: bool = False) -> list[Any]:
    """Coal-winning and development faces whose status follows the mine's (REG-1)."""
    if mine.mining_method == MiningMethod.OPEN_PIT:
        return []
    status = mine.status
    if status in CUTTING:
        longwalls = [WorkingFaceStatus.ACTIVE] * (1 if small else rng.randint(1, 2))
        if not small and rng.random() < 0.4:
            longwalls.append(WorkingFaceStatus.PLANNED)
        developments = [WorkingFaceStatus.ACTIVE] * (1 if small else rng.randint(2, 3))
    elif status == MineStatus.CONSTRUCTION:
        longwalls = [WorkingFaceStatus.PLANNED]
        developments = [WorkingFaceStatus.ACTIVE] * (1 if small else rng.randint(1, 3))
    elif status == MineStatus.CLOSED:
        longwalls, developments = [WorkingFaceStatus.FINISHED], []
    else:
        longwalls = [WorkingFaceStatus.STOPPED]
        developments = [WorkingFaceStatus.STOPPED] * (1 if small else rng.randint(1, 2))
    seam = rng.choice(SEAMS)
    district = rng.randint(1, 3)
    panels = rng.sample(range(1, 13), len(longwalls) + len(developments))
    rows = []
    for face_status, panel in zip(longwalls + developments, panels, strict=True):
        longwall = len(rows) < len(longwalls)
        rows.append(
            WorkingFace(
                mine=mine,
                name=f"{seam}{district}{panel:02d}"
                + ("综采工作面" if longwall else rng.choice(["运输顺槽", "回风顺槽", "开切眼"])),
                kind=WorkingFaceKind.LONGWALL if longwall else WorkingFaceKind.DEVELOPMENT,
                status=face_status,
                seam=f"{seam}号煤",
                approved_headcount=rng.randrange(20, 46) if longwall else rng.randrange(8, 19),
                started_on=_days_ago(today, 20, 600, rng)
                if face_status != WorkingFaceStatus.PLANNED
                else None,
            )
        )
    return rows


def _appraisals(mine: Mine, rng: random.Random, today: dt.date, second: bool) -> None:
    """REG-2: one appraisal per hazard; for some mines a newer, lower one (就高不就低 keeps
    the higher grade), then the mine takes its grades from them."""
    results = {
        AppraisalKind.SPONTANEOUS_COMBUSTION: mine.spontaneous_combustion,
        AppraisalKind.COAL_DUST: "yes" if mine.coal_dust_explosive else "no",
        AppraisalKind.HYDRO: mine.hydro_type,
    }
    if mine.mining_method == MiningMethod.UNDERGROUND:
        results[AppraisalKind.GAS] = mine.gas_grade
        if mine.rock_burst or (mine.depth or 0) >= 500:
            results[AppraisalKind.ROCK_BURST] = "yes" if mine.rock_burst else "no"
    order_names = {
        AppraisalKind.GAS: "gas",
        AppraisalKind.HYDRO: "hydro",
        AppraisalKind.SPONTANEOUS_COMBUSTION: "spontaneous_combustion",
    }

    def appraise(kind: str, result: str, on: dt.date) -> None:
        agency, short = rng.choice(AGENCIES)
        DisasterAppraisal.objects.create(
            mine=mine,
            kind=kind,
            result=result,
            appraised_on=on,
            agency=agency,
            report_number=f"{short}鉴字〔{on.year}〕{rng.randrange(1, 300):03d}号",
        )

    for kind, result in results.items():
        appraise(kind, result, _days_ago(today, 200, 900, rng))
    if second:
        # Prefer gas; any graded kind above its lowest level can show a lower, newer result.
        for kind in (AppraisalKind.GAS, AppraisalKind.HYDRO, AppraisalKind.SPONTANEOUS_COMBUSTION):
            order = GRADE_ORDERS[order_names[kind]]
            if kind in results and order.index(results[kind]) > 0:
                lower = order[order.index(results[kind]) - 1]
                appraise(kind, lower, _days_ago(today, 15, 150, rng))
                break
    mine.apply_appraisals()
    mine.save()


STATUS_REASONS = {
    MineStatus.SUSPENDED: (
        "查出重大事故隐患，依法责令停产整顿",
        "超能力组织生产，依法责令停产整顿",
        "瓦斯超限作业，依法责令停产整顿",
    ),
    MineStatus.LONG_STOPPED: ("停产整顿逾期未申请复工复产验收，转为长期停产停建",),
    MineStatus.TO_CLOSE: ("不符合产业政策，列入年度煤矿关闭退出计划",),
    MineStatus.CLOSED: ("完成关闭退出：井筒封闭、设备拆除，经县政府组织验收",),
    MineStatus.CONSTRUCTION: ("资源整合技改项目经批准开工建设",),
    MineStatus.TRIAL: ("建设项目完工，经批准进入联合试运转（不超过6个月）",),
}
#: Earlier statuses leading to the current one, oldest first, and how long ago (days).
STATUS_PATHS = {
    MineStatus.CONSTRUCTION: [(MineStatus.PRODUCING, MineStatus.CONSTRUCTION, 200, 700)],
    MineStatus.TRIAL: [
        (MineStatus.PRODUCING, MineStatus.CONSTRUCTION, 600, 900),
        (MineStatus.CONSTRUCTION, MineStatus.TRIAL, 20, 150),
    ],
    MineStatus.SUSPENDED: [(MineStatus.PRODUCING, MineStatus.SUSPENDED, 15, 120)],
    MineStatus.LONG_STOPPED: [
        (MineStatus.PRODUCING, MineStatus.SUSPENDED, 450, 700),
        (MineStatus.SUSPENDED, MineStatus.LONG_STOPPED, 150, 400),
    ],
    MineStatus.TO_CLOSE: [
        (MineStatus.PRODUCING, MineStatus.LONG_STOPPED, 500, 900),
        (MineStatus.LONG_STOPPED, MineStatus.TO_CLOSE, 30, 300),
    ],
    MineStatus.CLOSED: [
        (MineStatus.PRODUCING, MineStatus.TO_CLOSE, 500, 900),
        (MineStatus.TO_CLOSE, MineStatus.CLOSED, 60, 400),
    ],
}


def _history(mine: Mine, plan: _Plan, rng: random.Random, today: dt.date, bureau: str) -> None:
    """REG-7: how the mine came to its status; the resumed mine shows its acceptance."""
    if plan.resumed:
        stopped_on = _days_ago(today, 180, 260, rng)
        resumed_on = stopped_on + dt.timedelta(days=rng.randrange(40, 90))
        document = f"{plan.county.short}应急复验〔{resumed_on.year}〕{rng.randrange(1, 40)}号"
        steps = [
            (
                MineStatus.PRODUCING,
                MineStatus.SUSPENDED,
                stopped_on,
                STATUS_REASONS[MineStatus.SUSPENDED][0],
                "",
            ),
            (
                MineStatus.SUSPENDED,
                MineStatus.PRODUCING,
                resumed_on,
                "重大事故隐患整改完成，经复工复产验收合格，恢复生产",
                document,
            ),
        ]
    else:
        steps = [
            (old, new, _days_ago(today, low, high, rng), rng.choice(STATUS_REASONS[new]), "")
            for old, new, low, high in STATUS_PATHS.get(mine.status, [])
        ]
    for old, new, on, reason, document in steps:
        StatusChange.objects.create(
            mine=mine,
            old_status=old,
            new_status=new,
            changed_on=on,
            reason=reason,
            acceptance_document=document,
            changed_by=bureau,
        )


@dataclass
class _People:
    """Officials of one county, so the same person supervises several mines as in reality."""

    county: _County
    bureau: str
    staff: list[str]
    leaders: list[str]
    towns: dict[str, list[str]]


def _people(rng: random.Random, county: _County, bureau: str) -> _People:
    return _People(
        county,
        bureau,
        staff=[_person(rng) for _ in range(6)],
        leaders=[_person(rng) for _ in range(3)],
        towns={town: [_person(rng) for _ in range(5)] for town in county.towns},
    )


def _assignments(mine: Mine, rng: random.Random, today: dt.date, people: _People) -> None:
    """REG-6: daily supervisor, 包保 leader, resident watch when stopped, five-person group."""
    town = rng.choice(people.county.towns)
    head = "镇长" if town.endswith("镇") else "乡长"
    rows = [
        (AssignmentKind.DAILY_SUPERVISOR, rng.choice(people.staff), f"{people.bureau}监管执法股"),
        (AssignmentKind.BAOBAO_LEADER, rng.choice(people.leaders), f"{people.county.name}副县长"),
    ]
    if mine.status in STOPPED:
        rows += [
            (AssignmentKind.RESIDENT_WATCH, _person(rng), f"{people.bureau}驻矿盯守组")
            for _ in range(rng.randint(1, 2))
        ]
    titles = ("党委书记", head, f"分管安全副{head}", "安监站站长", "驻矿安监员")
    rows += [
        (AssignmentKind.FIVE_PERSON_GROUP, person, f"{town}{title}")
        for person, title in zip(people.towns[town], titles, strict=True)
    ]
    since = _days_ago(today, 30, 800, rng)
    for kind, person, title in rows:
        SupervisionAssignment.objects.create(
            mine=mine, kind=kind, person=person, title=title, phone=_phone(rng), since=since
        )


# --- divisions, organisations, enterprises, users ------------------------------------------


def _divisions() -> dict[str, Division]:
    province = Division.objects.create(
        code=PROVINCE_CODE, name="河东省", level=DivisionLevel.PROVINCE
    )
    city = Division.objects.create(
        code=CITY_CODE, name="云岭市", level=DivisionLevel.CITY, parent=province
    )
    divisions = {"province": province, "city": city}
    for county in COUNTIES.values():
        divisions[county.code] = Division.objects.create(
            code=county.code, name=county.name, level=DivisionLevel.COUNTY, parent=city
        )
    return divisions


def _organizations(divisions: dict[str, Division]) -> dict[str, Organization]:
    def make(key: str, name: str, division: str, kind: str, parent: str | None = None) -> None:
        orgs[key] = Organization.objects.create(
            name=name,
            kind=kind,
            division=divisions[division],
            parent=orgs[parent] if parent else None,
        )

    orgs: dict[str, Organization] = {}
    make("province", "河东省应急管理厅", "province", OrganizationKind.EMERGENCY_BUREAU)
    make("city", "云岭市应急管理局", "city", OrganizationKind.EMERGENCY_BUREAU, "province")
    for county in COUNTIES.values():
        name = county.name
        make(
            county.code, f"{name}应急管理局", county.code, OrganizationKind.EMERGENCY_BUREAU, "city"
        )
        make(
            f"{county.code}-energy",
            f"{name}能源局",
            county.code,
            OrganizationKind.ENERGY_BUREAU,
            "city",
        )
    make("inspectorate", "国家矿山安全监察局河东局", "province", OrganizationKind.INSPECTORATE)
    make(
        "branch",
        "国家矿山安全监察局河东局云岭监察执法处",
        "city",
        OrganizationKind.INSPECTORATE,
        "inspectorate",
    )
    return orgs


def _enterprises(rng: random.Random, divisions: dict[str, Division]) -> dict[str, Enterprise]:
    made: dict[str, Enterprise] = {}
    for index, spec in enumerate(ENTERPRISES):
        division = divisions[spec.registered] if spec.registered else None
        registered_code = division.code if division else "100000"  # seated outside the demo
        made[spec.key] = Enterprise.objects.create(
            name=spec.name,
            credit_code=credit_code(registered_code, _random_body(rng, f"MA{index:02d}")),
            ownership=spec.ownership,
            parent=made[spec.parent] if spec.parent else None,
            division=division,
            legal_representative=_person(rng),
            phone=_phone(rng),
        )
    return made


def _users(
    orgs: dict[str, Organization], enterprises: dict[str, Enterprise], mine1: Mine, mine2: Mine
) -> int:
    """The demo logins. One hash serves all (they share the password): eight PBKDF2 hashes
    would triple the load time."""
    password = make_password(PASSWORD)
    county, other, city = orgs[COUNTY_CODE], orgs[OTHER_COUNTY_CODE], orgs["city"]
    group = enterprises[GROUP_FOR_ENTERPRISE_USER]
    people: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("regulator", "刘卫东", "监管执法股股长", Role.COUNTY_REGULATOR, {"organization": county}),
        ("regulator2", "高振华", "监管执法股股长", Role.COUNTY_REGULATOR, {"organization": other}),
        ("city", "赵国华", "煤矿安全监管科科长", Role.CITY_REGULATOR, {"organization": city}),
        ("inspector", "孙海涛", "监察员", Role.INSPECTOR, {"organization": orgs["branch"]}),
        ("enterprise", "陈志强", "安全监察部部长", Role.ENTERPRISE_OFFICER, {"enterprise": group}),
        ("mine1", "马永刚", "安全副矿长", Role.MINE_SAFETY_OFFICER, {"mine": mine1}),
        ("mine2", "胡晓东", "安全科科长", Role.MINE_SAFETY_OFFICER, {"mine": mine2}),
        ("admin", "系统管理员", "", Role.ADMIN, {"is_staff": True, "is_superuser": True}),
    ]  # fmt: skip
    for username, name, title, role, anchor in people:
        user = User(username=username, first_name=name, title=title, role=role, **anchor)
        user.password = password
        user.clean()
        user.save()
    return len(people)


# --- entry points --------------------------------------------------------------------------


def _existing_summary() -> DemoSummary:
    mines = Mine.objects.filter(county__code__in=DEMO_COUNTIES).exclude(
        name__startswith=BULK_PREFIX
    )
    return DemoSummary(
        created=False,
        mines=mines.count(),
        enterprises=Enterprise.objects.filter(name__in=[e.name for e in ENTERPRISES]).count(),
        organizations=Organization.objects.filter(division__code__startswith="96").count(),
        working_faces=WorkingFace.objects.filter(mine__in=mines).count(),
        licences=Licence.objects.filter(mine__in=mines).count(),
        appraisals=DisasterAppraisal.objects.filter(mine__in=mines).count(),
        status_changes=StatusChange.objects.filter(mine__in=mines).count(),
        assignments=SupervisionAssignment.objects.filter(mine__in=mines).count(),
        users=User.objects.filter(username__in=DEMO_USERNAMES).count(),
    )


def load_demo(seed: int = 2025, mines: int = 40, today: dt.date | None = None) -> DemoSummary:
    """Build the demo county from ``seed`` with ``mines`` mines, or leave an existing one alone.

    ``today`` is the reference day of every date (default: the local date), so the licence
    warnings are the same whenever the demo is loaded. Raises ValueError for a mine count
    outside ``MIN_MINES``…``MAX_MINES``.
    """
    if not MIN_MINES <= mines <= MAX_MINES:
        raise ValueError(f"演示煤矿数量须在 {MIN_MINES} 至 {MAX_MINES} 之间")
    today = today or local_date()
    rng = random.Random(seed)
    with transaction.atomic(), acting_as(None, reason=REASON):
        if User.objects.filter(username="regulator").exists():
            return _existing_summary()
        divisions = _divisions()
        orgs = _organizations(divisions)
        enterprises = _enterprises(rng, divisions)
        people = {code: _people(rng, county, orgs[code].name) for code, county in COUNTIES.items()}
        created: list[Mine] = []
        faces: list[Any] = []
        licences: list[Licence] = []
        for plan in _plan_mines(rng, mines):
            code = plan.county.code
            mine = Mine.objects.create(
                code=f"{code}{plan.serial:06d}",
                name=plan.name,
                enterprise=enterprises[plan.enterprise],
                county=divisions[code],
                supervisor=orgs[code],
                inspectorate=orgs["branch"],
                declared_key_flags=plan.flags,
                **plan.facts,
            )
            _appraisals(mine, rng, today, plan.second_appraisal)
            mine_faces = _face_rows(mine, rng, today)
            mine_licences = _licence_rows(mine, rng, today, plan.expiring)
            for row in [*mine_faces, *mine_licences]:
                row.save()  # one by one, so each has its audit entry
            faces += mine_faces
            licences += mine_licences
            _history(mine, plan, rng, today, orgs[code].name)
            _assignments(mine, rng, today, people[code])
            if plan.override:
                mine.class_override, mine.class_override_reason = plan.override
                mine.save()
            created.append(mine)
        users = _users(orgs, enterprises, created[_SLOT_MINE1], created[_SLOT_MINE2])
    return DemoSummary(
        created=True,
        mines=len(created),
        enterprises=len(enterprises),
        organizations=len(orgs),
        working_faces=len(faces),
        licences=len(licences),
        appraisals=DisasterAppraisal.objects.filter(mine__in=created).count(),
        status_changes=StatusChange.objects.filter(mine__in=created).count(),
        assignments=SupervisionAssignment.objects.filter(mine__in=created).count(),
        users=users,
    )


def _bulk_warning(rng: random.Random) -> dict[str, int] | None:
    """About one bulk mine in ten has a safety licence expired or about to expire."""
    if rng.random() < 0.1:
        return {LicenceKind.SAFETY_PRODUCTION: rng.randrange(-30, 90)}
    return None


def load_bulk_mines(count: int, seed: int = 2025, today: dt.date | None = None) -> int:
    """Add ``count`` plain mines to the demo city's counties, for the web benchmark.

    Each gets its licences and two working faces. Rows go in with ``bulk_create``, so there are
    no audit entries and ``Mine.save`` does not run: the class is computed here with
    ``classify()``. Names start with :data:`BULK_PREFIX`; codes continue after earlier bulk
    mines, so calling it again adds more. Needs the demo county (:func:`load_demo`) loaded.
    """
    if count <= 0:
        return 0
    today = today or local_date()
    counties = list(Division.objects.filter(code__in=DEMO_COUNTIES).order_by("code"))
    if len(counties) != len(DEMO_COUNTIES):
        raise RuntimeError("请先载入演示县（load_demo）")
    start = BULK_SERIAL_START + Mine.objects.filter(name__startswith=BULK_PREFIX).count()
    if start + count > 10**6:
        raise ValueError("基准测试煤矿编号已用尽")
    rng = random.Random(f"{seed}-bulk-{start}")
    supervisors = {
        o.division_id: o
        for o in Organization.objects.filter(
            division__in=counties, kind=OrganizationKind.EMERGENCY_BUREAU
        )
    }
    inspectorate = Organization.objects.filter(
        kind=OrganizationKind.INSPECTORATE, division__code=CITY_CODE
    ).first()
    operators = {
        county.pk: list(
            Enterprise.objects.filter(division=county, children__isnull=True).order_by(
                "credit_code"
            )
        )
        for county in counties
    }
    statuses, weights = zip(*_status_plan(40).items(), strict=True)
    mines = []
    for i in range(count):
        division = counties[i % len(counties)]
        enterprise = rng.choice(operators[division.pk])
        status = rng.choices(statuses, weights)[0]
        mine = Mine(
            code=f"{division.code}{start + i:06d}",
            name=f"{BULK_PREFIX}{start + i - BULK_SERIAL_START + 1:06d}号煤矿",
            enterprise=enterprise,
            county=division,
            supervisor=supervisors[division.pk],
            inspectorate=inspectorate,
            **_mine_facts(rng, COUNTIES[division.code], enterprise.ownership, status),
        )
        mine.classify()  # what Mine.save() would do
        mines.append(mine)
    with transaction.atomic():
        Mine.objects.bulk_create(mines, batch_size=500)
        if any(mine.pk is None for mine in mines):  # a backend without RETURNING
            ids = dict(
                Mine.objects.filter(code__in=[m.code for m in mines]).values_list("code", "pk")
            )
            for mine in mines:
                mine.pk = ids[mine.code]
        licences = [
            row for mine in mines for row in _licence_rows(mine, rng, today, _bulk_warning(rng))
        ]
        Licence.objects.bulk_create(licences, batch_size=1000)
        faces = [row for mine in mines for row in _face_rows(mine, rng, today, small=True)]
        WorkingFace.objects.bulk_create(faces, batch_size=1000)
    return len(mines)
