"""The demo county (issue 2 §6): a realistic, fictional county built from a fixed seed.

Every name is invented. The same seed gives the same county; licences expire relative to
``today`` so the warnings stay meaningful whenever the demo is loaded. Loading is idempotent:
when the demo users exist the county is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from minesafe.accounts.choices import DivisionLevel, OrganizationKind, Role
from minesafe.accounts.models import Division, Organization, User
from minesafe.core.context import acting_as
from minesafe.registry.choices import (
    AssignmentKind,
    KeyMineFlag,
    LicenceKind,
    MineStatus,
    Ownership,
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

PASSWORD = "demo-password"
COUNTY_CODE, OTHER_COUNTY_CODE = "149901", "149902"

GROUPS = [
    ("河东能源集团有限公司", Ownership.PROVINCIAL_SOE),
    ("云岭煤业集团有限公司", Ownership.LOCAL_SOE),
]
ENTERPRISES = [
    ("河东能源集团青川煤业有限公司", Ownership.PROVINCIAL_SOE, 0),
    ("河东能源集团石岭煤业有限公司", Ownership.PROVINCIAL_SOE, 0),
    ("云岭煤业集团青川矿业有限公司", Ownership.LOCAL_SOE, 1),
    ("青川县金泉煤业有限公司", Ownership.PRIVATE, None),
    ("青川县宏达煤业有限公司", Ownership.PRIVATE, None),
    ("青川县瑞丰煤业有限公司", Ownership.PRIVATE, None),
    ("青川县鑫源矿业有限公司", Ownership.PRIVATE, None),
    ("石岭县兴旺煤业有限公司", Ownership.PRIVATE, None),
    ("中能华晋青川煤业有限公司", Ownership.CENTRAL_SOE, None),
    ("青川县恒泰煤业有限公司", Ownership.PRIVATE, None),
]
MINE_NAMES = [
    "东山",
    "西沟",
    "南岭",
    "北坡",
    "龙泉",
    "凤凰山",
    "白云",
    "黑石沟",
    "红岩",
    "青龙",
    "石门",
    "金鸡岭",
    "银河",
    "清水河",
    "柳林",
    "杨家庄",
    "王家岭",
    "李家沟",
    "赵庄",
    "张村",
    "马道头",
    "槐树坪",
    "桃园",
    "松树坡",
    "梨园",
    "枣林",
    "古城",
    "新村",
    "长岭",
    "大阳",
    "小河",
    "峪口",
    "寺河",
    "磨盘山",
    "沙坪",
    "岭南",
    "庙沟",
    "后沟",
    "前进",
    "胜利",
    "兴隆",
    "福田",
    "永安",
    "安泰",
    "和平",
]
STATUS_PLAN = (
    [MineStatus.PRODUCING] * 24
    + [MineStatus.CONSTRUCTION] * 4
    + [MineStatus.TRIAL] * 2
    + [MineStatus.SUSPENDED] * 4
    + [MineStatus.LONG_STOPPED] * 3
    + [MineStatus.TO_CLOSE] * 2
    + [MineStatus.CLOSED]
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = [
    "建国",
    "志强",
    "海涛",
    "永刚",
    "晓东",
    "国华",
    "红军",
    "卫东",
    "振华",
    "文斌",
    "丽娟",
    "秀英",
]


@dataclass
class DemoSummary:
    created: bool
    mines: int
    enterprises: int


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _divisions() -> tuple[Division, Division, Division, Division]:
    province = Division.objects.create(code="149000", name="河东省", level=DivisionLevel.PROVINCE)
    city = Division.objects.create(
        code="149900", name="云岭市", level=DivisionLevel.CITY, parent=province
    )
    county = Division.objects.create(
        code=COUNTY_CODE, name="青川县", level=DivisionLevel.COUNTY, parent=city
    )
    other = Division.objects.create(
        code=OTHER_COUNTY_CODE, name="石岭县", level=DivisionLevel.COUNTY, parent=city
    )
    return province, city, county, other


def _organizations(
    province: Division, city: Division, county: Division, other: Division
) -> dict[str, Organization]:
    def org(
        key: str, name: str, division: Division, kind: str, parent: Organization | None = None
    ) -> tuple[str, Organization]:
        return key, Organization.objects.create(
            name=name, division=division, kind=kind, parent=parent
        )

    orgs = dict([org("province", "河东省应急管理厅", province, OrganizationKind.EMERGENCY_BUREAU)])
    orgs.update(
        [org("city", "云岭市应急管理局", city, OrganizationKind.EMERGENCY_BUREAU, orgs["province"])]
    )
    orgs.update(
        [
            org(
                "county",
                "青川县应急管理局",
                county,
                OrganizationKind.EMERGENCY_BUREAU,
                orgs["city"],
            ),
            org(
                "county_energy",
                "青川县能源局",
                county,
                OrganizationKind.ENERGY_BUREAU,
                orgs["city"],
            ),
            org(
                "other", "石岭县应急管理局", other, OrganizationKind.EMERGENCY_BUREAU, orgs["city"]
            ),
            org(
                "inspectorate", "国家矿山安全监察局河东局", province, OrganizationKind.INSPECTORATE
            ),
        ]
    )
    orgs.update(
        [
            org(
                "branch",
                "国家矿山安全监察局河东局云岭监察执法处",
                city,
                OrganizationKind.INSPECTORATE,
                orgs["inspectorate"],
            )
        ]
    )
    return orgs


def _enterprises(rng: random.Random, county: Division) -> list[Enterprise]:
    groups = [
        Enterprise.objects.create(
            name=name, ownership=ownership, division=county, credit_code=f"9114000071{i:08d}"
        )
        for i, (name, ownership) in enumerate(GROUPS)
    ]
    return groups + [
        Enterprise.objects.create(
            name=name,
            ownership=ownership,
            division=county,
            parent=groups[parent] if parent is not None else None,
            credit_code=f"91149901MA{i:02d}{rng.randrange(10**5, 10**6)}",
            legal_representative=_person(rng),
        )
        for i, (name, ownership, parent) in enumerate(ENTERPRISES)
    ]


def _mine_facts(rng: random.Random, index: int, status: str) -> dict[str, Any]:
    gas = rng.choices(["low", "high", "outburst"], weights=[6, 3, 1])[0]
    return {
        "status": status,
        "capacity": Decimal(rng.choice([45, 60, 90, 120, 150, 180, 240, 300, 400, 500])),
        "depth": rng.randrange(180, 900, 10),
        "gas_grade": gas,
        "rock_burst": rng.random() < 0.1,
        "hydro_type": rng.choices(["simple", "medium", "complex", "extreme"], [4, 5, 2, 1])[0],
        "spontaneous_combustion": rng.choice(["not_easy", "spontaneous", "easy"]),
        "coal_dust_explosive": rng.random() < 0.7,
        "standardization_grade": rng.choices(["1", "2", "3", "none"], [3, 6, 2, 1])[0],
        "smart_mining": rng.choice(["none", "building", "primary", "intermediate"]),
        "accidents_12m": 1 if index in (5, 17) else 0,
        "major_hazards_12m": 2 if index == 9 else rng.choice([0, 0, 0, 1]),
        "management_changes_12m": rng.choice([0, 0, 1, 2, 3]),
        "longitude": Decimal(f"{112.6 + rng.random() * 0.8:.6f}"),
        "latitude": Decimal(f"{35.4 + rng.random() * 0.6:.6f}"),
    }


def _mine_name(enterprise: Enterprise, division: Division, index: int) -> str:
    place = MINE_NAMES[index % len(MINE_NAMES)]
    if enterprise.parent_id:  # group mines carry the group's short name
        short = enterprise.name.removesuffix("煤业有限公司").removesuffix("矿业有限公司")
        return f"{short}{place}煤矿"
    return f"{division.name}{place}煤矿"


def _furnish(
    mine: Mine, rng: random.Random, today: dt.date, index: int, regulator: Organization
) -> None:
    """Appraisals, faces, licences, status history and supervision for one mine."""
    DisasterAppraisal.objects.create(
        mine=mine,
        kind="gas",
        result=mine.gas_grade,
        appraised_on=today - dt.timedelta(days=rng.randrange(60, 700)),
        agency="河东省煤炭科学研究院",
    )
    if index % 7 == 0:  # an older, lower appraisal: 就高不就低 keeps the higher one
        DisasterAppraisal.objects.create(
            mine=mine,
            kind="gas",
            result="low",
            appraised_on=today - dt.timedelta(days=900),
            agency="云岭市安全技术服务中心",
        )
    DisasterAppraisal.objects.create(
        mine=mine,
        kind="hydro",
        result=mine.hydro_type,
        appraised_on=today - dt.timedelta(days=rng.randrange(30, 900)),
    )
    mine.apply_appraisals()
    mine.save()
    active = mine.status in (MineStatus.PRODUCING, MineStatus.TRIAL)
    for n in range(rng.randint(1, 2)):
        WorkingFace.objects.create(
            mine=mine,
            name=f"{rng.choice([3, 4, 8, 9])}{n + 1}0{rng.randint(1, 9)}综采工作面",
            kind=WorkingFaceKind.LONGWALL,
            seam=f"{rng.choice([3, 9, 15])}号煤",
            status=WorkingFaceStatus.ACTIVE if active else WorkingFaceStatus.STOPPED,
            approved_headcount=rng.randrange(20, 45),
            started_on=today - dt.timedelta(days=rng.randrange(30, 600)),
        )
    for n in range(rng.randint(1, 3)):
        WorkingFace.objects.create(
            mine=mine,
            name=f"{rng.randint(1, 9)}{n + 1}0{rng.randint(1, 9)}回风顺槽",
            kind=WorkingFaceKind.DEVELOPMENT,
            status=WorkingFaceStatus.ACTIVE if active else WorkingFaceStatus.STOPPED,
            approved_headcount=rng.randrange(8, 20),
        )
    _licences(mine, rng, today, index)
    _history(mine, rng, today, index)
    _assignments(mine, rng, regulator)


def _licences(mine: Mine, rng: random.Random, today: dt.date, index: int) -> None:
    for kind, prefix in (
        (LicenceKind.MINING, "C1400002009"),
        (LicenceKind.SAFETY_PRODUCTION, "（晋）MK安许证字"),
        (LicenceKind.BUSINESS, "9114"),
    ):
        days_left = rng.randrange(120, 1500)
        if kind == LicenceKind.SAFETY_PRODUCTION and index == 3:
            days_left = -12  # the one expired licence of the demo
        elif index in (4, 11, 20) and kind == LicenceKind.SAFETY_PRODUCTION:
            days_left = rng.randrange(5, 30)
        elif index in (6, 14, 25) and kind == LicenceKind.MINING:
            days_left = rng.randrange(31, 90)
        until = today + dt.timedelta(days=days_left)
        Licence.objects.create(
            mine=mine,
            kind=kind,
            number=f"{prefix}{mine.code[-6:]}",
            issuer="河东省应急管理厅"
            if kind == LicenceKind.SAFETY_PRODUCTION
            else "河东省自然资源厅",
            issued_on=until - dt.timedelta(days=1826),
            valid_until=until,
        )


def _history(mine: Mine, rng: random.Random, today: dt.date, index: int) -> None:
    if mine.status == MineStatus.PRODUCING and index == 2:
        StatusChange.objects.create(
            mine=mine,
            old_status=MineStatus.PRODUCING,
            new_status=MineStatus.SUSPENDED,
            changed_on=today - dt.timedelta(days=200),
            reason="查出重大事故隐患，责令停产整顿",
            changed_by="青川县应急管理局",
        )
        StatusChange.objects.create(
            mine=mine,
            old_status=MineStatus.SUSPENDED,
            new_status=MineStatus.PRODUCING,
            changed_on=today - dt.timedelta(days=140),
            reason="整改完成，复工复产验收合格",
            acceptance_document="青应急复验〔2026〕12号",
            changed_by="青川县应急管理局",
        )
    elif mine.status != MineStatus.PRODUCING:
        reasons = {
            MineStatus.SUSPENDED: "重大事故隐患未整改，责令停产整顿",
            MineStatus.LONG_STOPPED: "资源整合停产，长期停产停建",
            MineStatus.TO_CLOSE: "产能低于30万吨/年，列入关闭退出计划",
            MineStatus.CLOSED: "已关闭退出，井筒封闭",
            MineStatus.CONSTRUCTION: "改扩建项目开工",
            MineStatus.TRIAL: "建设项目竣工，进入联合试运转",
        }
        StatusChange.objects.create(
            mine=mine,
            old_status=MineStatus.PRODUCING,
            new_status=mine.status,
            changed_on=today - dt.timedelta(days=rng.randrange(20, 400)),
            reason=reasons[mine.status],
            changed_by="青川县应急管理局",
        )


def _assignments(mine: Mine, rng: random.Random, regulator: Organization) -> None:
    def add(kind: str, title: str) -> None:
        SupervisionAssignment.objects.create(
            mine=mine,
            kind=kind,
            person=_person(rng),
            title=title,
            phone=f"139{rng.randrange(10**7, 10**8)}",
        )

    add(AssignmentKind.DAILY_SUPERVISOR, f"{regulator.name} 监管执法科")
    add(AssignmentKind.BAOBAO_LEADER, "县政府副县长")
    if mine.status in (MineStatus.SUSPENDED, MineStatus.LONG_STOPPED, MineStatus.TO_CLOSE):
        add(AssignmentKind.RESIDENT_WATCH, "驻矿盯守组")
    for title in ("乡镇长", "分管副乡镇长", "安监站长", "驻矿安监员", "村干部"):
        add(AssignmentKind.FIVE_PERSON_GROUP, title)


def _users(orgs: dict[str, Organization], group: Enterprise, mine1: Mine, mine2: Mine) -> None:
    password = make_password(PASSWORD)
    people: list[tuple[str, str, str, dict[str, Any]]] = [
        ("regulator", "刘卫东", Role.COUNTY_REGULATOR, {"organization": orgs["county"]}),
        ("regulator2", "高振华", Role.COUNTY_REGULATOR, {"organization": orgs["other"]}),
        ("city", "赵国华", Role.CITY_REGULATOR, {"organization": orgs["city"]}),
        ("inspector", "孙海涛", Role.INSPECTOR, {"organization": orgs["branch"]}),
        ("enterprise", "陈志强", Role.ENTERPRISE_OFFICER, {"enterprise": group}),
        ("mine1", "马永刚", Role.MINE_SAFETY_OFFICER, {"mine": mine1}),
        ("mine2", "胡晓东", Role.MINE_SAFETY_OFFICER, {"mine": mine2}),
        ("admin", "系统管理员", Role.ADMIN, {"is_staff": True, "is_superuser": True}),
    ]
    for username, name, role, anchor in people:
        User.objects.create(
            username=username, first_name=name, role=role, password=password, **anchor
        )


def _producing_first(statuses: list[str], count: int) -> None:
    """Swap producing statuses to the front, keeping every status of the plan."""
    for i in range(count):
        if statuses[i] != MineStatus.PRODUCING:
            j = next(k for k in range(count, len(statuses)) if statuses[k] == MineStatus.PRODUCING)
            statuses[i], statuses[j] = statuses[j], statuses[i]


def load_demo(seed: int = 2025, mines: int = 40, today: dt.date | None = None) -> DemoSummary:
    """Build the demo county, or leave an existing one alone."""
    if User.objects.filter(username="regulator").exists():
        return DemoSummary(False, Mine.objects.count(), Enterprise.objects.count())
    rng = random.Random(seed)
    today = today or timezone.localdate()
    with transaction.atomic(), acting_as(None, reason="演示数据"):
        province, city, county, other = _divisions()
        orgs = _organizations(province, city, county, other)
        enterprises = _enterprises(rng, county)
        operators = enterprises[2:]
        statuses = [STATUS_PLAN[i % len(STATUS_PLAN)] for i in range(mines)]
        rng.shuffle(statuses)
        _producing_first(statuses, 3)  # the demo users' mines produce
        created: list[Mine] = []
        for index in range(mines):
            in_other = index >= mines - max(1, mines // 8)
            division, regulator = (other, orgs["other"]) if in_other else (county, orgs["county"])
            facts = _mine_facts(rng, index, statuses[index])
            enterprise = operators[index % len(operators)]
            mine = Mine.objects.create(
                code=f"{division.code}{index + 1:06d}",
                name=_mine_name(enterprise, division, index),
                enterprise=enterprise,
                county=division,
                supervisor=regulator,
                inspectorate=orgs["branch"],
                declared_key_flags=[KeyMineFlag.INTEGRATION] if index % 9 == 4 else [],
                **facts,
            )
            _furnish(mine, rng, today, index, regulator)
            created.append(mine)
        override = created[1]
        override.class_override = "C"
        override.class_override_reason = "近期群众举报超能力生产，提级监管"
        override.save()
        _users(orgs, enterprises[0], created[0], created[2])
    return DemoSummary(True, len(created), len(enterprises))


def load_bulk_mines(count: int, seed: int = 7) -> int:
    """Add ``count`` mines with licences to the demo city, for the web benchmark (no audit)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    counties = list(Division.objects.filter(code__in=[COUNTY_CODE, OTHER_COUNTY_CODE]))
    regulators = {
        o.division_id: o
        for o in Organization.objects.filter(division__in=counties).exclude(
            kind=OrganizationKind.ENERGY_BUREAU
        )
    }
    operators = list(Enterprise.objects.filter(division__code=COUNTY_CODE, children=None))
    start = Mine.objects.count()
    mines = []
    for i in range(count):
        county = counties[i % len(counties)]
        mine = Mine(
            code=f"{county.code}9{start + i:05d}",
            name=f"基准测试{start + i:05d}号煤矿",
            enterprise=operators[i % len(operators)],
            county=county,
            supervisor=regulators[county.pk],
            **_mine_facts(rng, 100 + i, rng.choice(STATUS_PLAN)),
        )
        mine.classify()
        mines.append(mine)
    with transaction.atomic():
        Mine.objects.bulk_create(mines, batch_size=500)  # sets primary keys (RETURNING)
        Licence.objects.bulk_create(
            [
                Licence(
                    mine=mine,
                    kind=LicenceKind.SAFETY_PRODUCTION,
                    number=f"B{mine.code}",
                    issued_on=today - dt.timedelta(days=1500),
                    valid_until=today + dt.timedelta(days=rng.randrange(-30, 900)),
                )
                for mine in mines
            ],
            batch_size=1000,
        )
    return len(mines)
