"""Loading the demo county (divisions, bureaus, enterprises, users, mines and their records)
and the benchmark's bulk mines."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from minesafe.accounts.choices import DivisionLevel, OrganizationKind, Role
from minesafe.accounts.models import Division, Organization, User
from minesafe.core.context import acting_as
from minesafe.demo import crews
from minesafe.demo.registry.mines import _mine_facts, _plan_mines, _status_plan
from minesafe.demo.registry.records import (
    _appraisals,
    _assignments,
    _face_rows,
    _history,
    _licence_rows,
    _people,
)
from minesafe.demo.registry.world import (
    _SLOT_MINE1,
    _SLOT_MINE2,
    BULK_PREFIX,
    BULK_SERIAL_START,
    CITY_CODE,
    COUNTIES,
    COUNTY_CODE,
    DEMO_COUNTIES,
    DEMO_USERNAMES,
    ENTERPRISES,
    GROUP_FOR_ENTERPRISE_USER,
    MAX_MINES,
    MIN_MINES,
    OTHER_COUNTY_CODE,
    PASSWORD,
    PROVINCE_CODE,
    REASON,
    DemoSummary,
    _person,
    _phone,
    _random_body,
    credit_code,
)
from minesafe.localtime import local_date
from minesafe.registry.choices import (
    LicenceKind,
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
                approved_underground_headcount=crews.approved_headcount(
                    plan.facts["capacity"], f"{code}{plan.serial:06d}"
                ),
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
