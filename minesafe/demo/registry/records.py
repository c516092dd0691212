"""The records of each demo mine: licences, working faces, disaster appraisals, status
history and supervision responsibilities."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from minesafe.demo.registry.mines import _Plan
from minesafe.demo.registry.world import (
    _NO_SAFETY_LICENCE,
    AGENCIES,
    COUNTIES,
    CUTTING,
    LICENCE_YEARS,
    SEAMS,
    STOPPED,
    _County,
    _days_ago,
    _person,
    _phone,
    _random_body,
    credit_code,
)
from minesafe.registry.choices import (
    AppraisalKind,
    AssignmentKind,
    LicenceKind,
    MineStatus,
    MiningMethod,
    WorkingFaceKind,
    WorkingFaceStatus,
)
from minesafe.registry.models import (
    DisasterAppraisal,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)
from minesafe.registry.rules import GRADE_ORDERS


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
