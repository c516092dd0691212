"""A year of 三违 records for the demo county (VIO-1): every kind, severity and source, teams
and people per mine, and a few repeat offenders in the current window; six months of leaders'
underground checks with a few missed months. Idempotent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from minesafe.core.context import acting_as
from minesafe.demo.registry import COUNTY_CODE
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.violations import rules
from minesafe.violations.choices import (
    LeaderPost,
    PenaltyKind,
    Severity,
    ViolationKind,
    ViolationSource,
)
from minesafe.violations.models import LeaderCheck, Violation

TZ = ZoneInfo("Asia/Shanghai")
MARK = "演示："
TEAMS = ["综采一队", "综采二队", "掘进一队", "掘进二队", "机电队", "运输队", "通风队", "探放水队"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建军", "志刚", "海龙", "永强", "卫国", "红兵", "小兵", "立伟", "德胜", "春生", "宝山"]
ACTS = {
    ViolationKind.COMMAND: [
        "班组长安排工人在瓦斯超限区域继续作业",
        "跟班队长指挥未经培训人员操作采煤机",
        "安排工人进入未通风的盲巷清理浮煤",
    ],
    ViolationKind.OPERATION: [
        "空顶作业，临时支护未紧跟迎头",
        "未停电、未闭锁即检修带式输送机",
        "爆破未执行“一炮三检”",
        "乘坐带式输送机出井",
        "未按规定佩戴自救器下井",
        "瓦斯检查空班漏检、假检",
    ],
    ViolationKind.DISCIPLINE: [
        "班中睡岗",
        "酒后下井",
        "未经批准提前升井",
        "携带烟草及点火物品下井",
    ],
}
PLACES = ["1201工作面", "2302运输巷", "中央变电所", "主斜井", "回风大巷", "3104掘进工作面"]
FOUND_BY = ["安监站巡查", "矿长带班检查", "视频AI识别", "县局执法检查", "集团公司督查"]


def _people(rng: random.Random) -> list[tuple[str, str]]:
    return [
        (rng.choice(SURNAMES) + rng.choice(GIVEN), rng.choice(TEAMS))
        for _ in range(rng.randint(10, 18))
    ]


def _penalty(rng: random.Random, severity: str) -> tuple[str, Decimal]:
    if severity == Severity.SERIOUS:
        kind = rng.choice([PenaltyKind.FINE, PenaltyKind.RETRAINING, PenaltyKind.SUSPENSION])
        return kind, Decimal(rng.choice([500, 1000, 2000]))
    kind = rng.choice([PenaltyKind.EDUCATION, PenaltyKind.FINE, PenaltyKind.FINE])
    return kind, Decimal(rng.choice([50, 100, 200])) if kind == PenaltyKind.FINE else Decimal(0)


def _record(
    rng: random.Random, mine: Mine, person: tuple[str, str], day: dt.date, serious: float
) -> Violation:
    kind = rng.choices(list(ACTS), weights=[1, 6, 3])[0]
    severity = Severity.SERIOUS if rng.random() < serious else Severity.GENERAL
    penalty, fine = _penalty(rng, severity)
    source = rng.choices(list(ViolationSource), weights=[6, 3, 1, 2])[0]
    at = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.choice([0, 20, 40])), TZ)
    return Violation(
        mine=mine,
        person_name=person[0],
        team=person[1],
        place=rng.choice(PLACES),
        kind=kind,
        severity=severity,
        source=source,
        found_at=at,
        found_by=rng.choice(FOUND_BY),
        description=rng.choice(ACTS[kind]),
        penalty=penalty,
        fine=fine,
        penalty_note=f"{MARK}按矿《反三违管理办法》处理",
    )


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add a year of records and six months of leaders' checks to the demo county, or leave
    existing ones alone."""
    today = today or local_date()
    return f"{_load_violations(seed, today)}；{_load_leader_checks(seed, today)}"


def _load_violations(seed: int, today: dt.date) -> str:
    if Violation.objects.filter(penalty_note__startswith=MARK).exists():
        return f"三违：已存在 {Violation.objects.count()} 条记录，未重复载入"
    rng = random.Random(seed + 31)
    mines = list(
        Mine.objects.filter(
            county__code=COUNTY_CODE, status__in=[MineStatus.PRODUCING, MineStatus.TRIAL]
        ).order_by("code")
    )
    rows: list[Violation] = []
    for index, mine in enumerate(mines):
        people = _people(rng)
        for day_back in range(365):
            if rng.random() < 0.03:  # about 11 a year per mine
                day = today - dt.timedelta(days=day_back)
                rows.append(_record(rng, mine, rng.choice(people), day, serious=0.15))
        if index % 4 == 0:  # a repeat offender in the current 90-day window
            offender = people[0]
            for days in rng.sample(range(1, 80), rng.randint(3, 4)):
                rows.append(
                    _record(rng, mine, offender, today - dt.timedelta(days=days), serious=0.3)
                )
    with transaction.atomic(), acting_as(None, reason="演示数据"):
        Violation.objects.bulk_create(rows)
    serious = sum(r.severity == Severity.SERIOUS for r in rows)
    return f"三违：{len(rows)} 条记录（严重 {serious} 条），{len(mines)} 座煤矿近一年"


#: Leaders' checks (VIO-1, 000:30): months back (0 = the current month so far) and, for a few
#: mines by their index among the demo county's required mines, the post that skipped that
#: month, so the missed list has something to show.
CHECK_MONTHS = 6
SKIPPED = {(1, 1): LeaderPost.ENTERPRISE_LEADER, (4, 1): LeaderPost.MINE_MANAGER, (2, 3): None}
LEADER_PLACES = ["综采工作面", "掘进工作面", "中央变电所", "主运输大巷", "回风巷", "采区水仓"]


def _month_start(today: dt.date, back: int) -> dt.date:
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


def _load_leader_checks(seed: int, today: dt.date) -> str:
    if LeaderCheck.objects.filter(notes__startswith=MARK).exists():
        return f"领导下井：已存在 {LeaderCheck.objects.count()} 条记录，未重复载入"
    rng = random.Random(seed + 30)
    params = rules.leader_check_params(today)
    mines = list(
        Mine.objects.filter(county__code=COUNTY_CODE, status__in=params.mine_statuses).order_by(
            "code"
        )
    )
    rows: list[LeaderCheck] = []
    for index, mine in enumerate(mines):
        names = {post: rng.choice(SURNAMES) + rng.choice(GIVEN) for post in params.required_posts}
        for back in range(CHECK_MONTHS):
            first = _month_start(today, back)
            # up to yesterday, so no check lies in the future
            last = min(rules.month_bounds(rules.month_key(first))[1], today - dt.timedelta(days=1))
            if last < first:
                continue
            for post in params.required_posts:
                key = (index, back)
                if key in SKIPPED and SKIPPED[key] in (post, None):
                    continue
                if back == 0 and rng.random() < 0.35:  # not yet this month
                    continue
                day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                at = dt.datetime.combine(day, dt.time(rng.choice([8, 9, 14, 20]), 30), TZ)
                rows.append(
                    LeaderCheck(
                        mine=mine,
                        post=post,
                        person_name=names[post],
                        went_down_at=at,
                        places="、".join(rng.sample(LEADER_PLACES, 2)),
                        violations_found=rng.choice([0, 0, 1, 2, 3]),
                        notes=f"{MARK}带班下井查“三违”",
                    )
                )
    with transaction.atomic(), acting_as(None, reason="演示数据"):
        LeaderCheck.objects.bulk_create(rows)
    return f"领导下井：{len(rows)} 条记录，{len(mines)} 座煤矿近{CHECK_MONTHS}个月"
