"""The demo county's fixed world: division codes, counties, enterprises, the demo logins,
name pools and small helpers (credit codes, people, dates) shared by the other modules."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from minesafe.registry.choices import (
    LicenceKind,
    MineStatus,
    Ownership,
)

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


_NO_SAFETY_LICENCE = (MineStatus.CONSTRUCTION, MineStatus.TRIAL, MineStatus.CLOSED)
