"""Demo evacuation history of the demo county (MON-8, EMG-2) for ``minesafe demo``.

Ten days ago a red rainstorm warning led the county regulator to order four mines out; all
confirmed, one late, one without positioning data and found non-compliant by a video spot check
(so a 三违 record and a 9(6) major-hazard candidate exist). Three days ago ``mine1``'s dispatcher
evacuated the mine on water-inrush signs (EMG-2). Today an orange rainstorm warning is in force
with an open order whose deadline has not passed. Positioning snapshots are stored with the
positioning area's own factory, so the checks run on real rows. Idempotent on the warning text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.core.roles import Role
from minesafe.emergency import rules, worker
from minesafe.emergency.choices import OrderReason, SpotMethod, WarningKind, WarningLevel
from minesafe.emergency.models import EvacuationOrder, WeatherWarning
from minesafe.emergency.services import checks, common, orders, weather
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine

COUNTY_CODE = "960121"
MARK = "【演示】"


def _snapshot(mine: Mine, at: dt.datetime, people: list[dict[str, Any]]) -> None:
    from minesafe.positioning.models import Snapshot
    from minesafe.positioning.testing import make_snapshot

    if not Snapshot.objects.filter(mine_id=mine.pk, at=at).exists():
        make_snapshot(mine, at, people)


def _dispatcher(mine: Mine, username: str, name: str) -> User:
    """The dispatcher of a mine without a demo login: an account that confirms in the
    mine's name but cannot log in (the workflow wants the mine's own person)."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": name, "role": Role.MINE_SAFETY_OFFICER, "mine": mine},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the evacuation history to the demo county once; returns a one-line summary."""
    if WeatherWarning.objects.filter(text__startswith=MARK).exists():
        return f"应急撤人：已有 {EvacuationOrder.objects.count()} 条撤人指令，未重复加载"
    regulator = User.objects.filter(username="regulator").first()
    inspector = User.objects.filter(username="inspector").first()
    staff = {u.username: u for u in User.objects.filter(username__in=["mine1", "mine2"])}
    mines = list(
        Mine.objects.filter(county__code=COUNTY_CODE, status=MineStatus.PRODUCING).order_by("code")
    )
    if regulator is None or len(mines) < 4 or set(staff) != {"mine1", "mine2"}:
        return "应急撤人：演示县数据不足，未加载"
    now = timezone.now()
    if today is not None and today != local_date(now):
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(16, 0)))
    first = [staff["mine1"].mine, staff["mine2"].mine]
    chosen = first + [m for m in mines if m not in first][:2]
    county = chosen[0].county
    with transaction.atomic():
        _past_rainstorm(now, regulator, inspector, staff, chosen, county)
        _self_evacuation(now, staff["mine1"])
        _open_order(now, regulator, chosen[:2], county)
    orders = EvacuationOrder.objects.filter(targets__mine__county__code=COUNTY_CODE).distinct()
    return (
        f"应急撤人：{orders.count()} 条撤人指令（含1条自主撤人、1条未到期），"
        "含逾期确认、抽查发现未撤人各1例"
    )


def _past_rainstorm(
    now: dt.datetime,
    regulator: User,
    inspector: User | None,
    staff: dict[str, User],
    mines: list[Mine],
    county: Any,
) -> None:
    start = (now - dt.timedelta(days=10)).replace(hour=2, minute=0, second=0, microsecond=0)
    warning = weather.record_warning(
        user=regulator,
        divisions=[county],
        issuer="青川县气象台",
        kind=WarningKind.RAINSTORM,
        level=WarningLevel.RED,
        valid_from=start,
        valid_to=start + dt.timedelta(hours=18),
        text=f"{MARK}预计未来6小时内青川县大部地区降雨量将达100毫米以上，局地伴有雷电大风。",
    )
    issued = start + dt.timedelta(minutes=25)
    deadline = issued + dt.timedelta(minutes=90)
    bases = dict((m.pk, b) for m, b in weather.proposed_mines(warning, regulator))
    order = orders.issue_order(
        user=regulator,
        mines=mines,
        reason=OrderReason.WEATHER,
        text="青川县气象台发布暴雨红色预警，请立即停止井下一切作业，撤出全部人员，"
        "并于期限前报告撤出人数。",
        deadline=deadline,
        now=issued,
        warning=warning,
        bases=bases,
    )
    targets = {t.mine_id: t for t in order.targets.select_related("mine", "order")}
    on_time = deadline - dt.timedelta(minutes=30)
    pump = {"card": "9001", "name": "周建军", "area_code": "SB01", "area_name": "中央水泵房"}
    # mine1: on time, one pump attendant kept with consent, positioning agrees.
    t1 = targets[mines[0].pk]
    orders.receive(t1, staff["mine1"], issued + dt.timedelta(minutes=4))
    _snapshot(mines[0], on_time - dt.timedelta(minutes=1), [pump])
    _snapshot(mines[0], deadline - dt.timedelta(minutes=1), [pump])
    orders.confirm(
        t1,
        staff["mine1"],
        on_time,
        people_out=186,
        people_remaining=1,
        exemptions=[rules.Exemption("9001", "周建军", "中央水泵房排水值守")],
        note="全部撤至地面，水泵房留1人值守",
    )
    # mine2: late — marked overdue by the clock, confirmed 25 minutes after the deadline.
    t2 = targets[mines[1].pk]
    orders.receive(t2, staff["mine2"], issued + dt.timedelta(minutes=40))
    _snapshot(mines[1], deadline - dt.timedelta(minutes=1), [])
    # mine3: on time, positioning agrees.
    t3 = targets[mines[2].pk]
    _snapshot(mines[2], on_time - dt.timedelta(minutes=2), [])
    _snapshot(mines[2], deadline - dt.timedelta(minutes=1), [])
    dispatcher = _dispatcher(mines[2], "dispatch3", "调度员 王建国")
    orders.receive(t3, dispatcher, issued + dt.timedelta(minutes=6))
    orders.confirm(t3, dispatcher, on_time, people_out=97, people_remaining=0)
    # mine4: confirmed, but no positioning data: unverifiable, then a video spot check finds two.
    t4 = targets[mines[3].pk]
    dispatcher = _dispatcher(mines[3], "dispatch4", "调度员 李志勇")
    orders.receive(t4, dispatcher, issued + dt.timedelta(minutes=9))
    orders.confirm(
        t4, dispatcher, on_time, people_out=64, people_remaining=0, lookup=lambda mine, at: None
    )
    worker.tick(deadline + dt.timedelta(minutes=1), lookup=_lookup_except(mines[3]))
    late = deadline + dt.timedelta(minutes=25)
    _snapshot(mines[1], late - dt.timedelta(minutes=1), [])
    orders.confirm(t2, staff["mine2"], late, people_out=142, people_remaining=0)
    checks.spot_check(
        t4,
        inspector or regulator,
        deadline + dt.timedelta(hours=1),
        method=SpotMethod.VIDEO,
        compliant=False,
        findings="视频抽查：2201掘进工作面仍有2人作业，与煤矿报告“井下无人”不符",
        people=[
            rules.Person("", "吴小军", area_name="2201掘进工作面"),
            rules.Person("", "郑海波", area_name="2201掘进工作面"),
        ],
        checked_at=deadline + dt.timedelta(minutes=50),
    )
    orders.lift(
        order, regulator, start + dt.timedelta(hours=19), "暴雨红色预警解除，经核查可恢复生产"
    )


def _lookup_except(mine: Mine) -> common.Lookup:
    def lookup(other: Any, at: dt.datetime) -> list[rules.Person] | None:
        return None if other.pk == mine.pk else common.positioning_lookup(other, at)

    return lookup


def _self_evacuation(now: dt.datetime, dispatcher: User) -> None:
    """EMG-2: the mine's own order on water-inrush signs, reported to the county."""
    mine = dispatcher.mine
    issued = (now - dt.timedelta(days=3)).replace(hour=10, minute=12, second=0, microsecond=0)
    order = orders.issue_order(
        user=dispatcher,
        mines=[mine],
        reason=OrderReason.OTHER,
        text="3101综采工作面出现顶板淋水增大、挂红等透水征兆，调度员下令撤出3101工作面及下游人员。",
        deadline=issued + dt.timedelta(minutes=30),
        now=issued,
        scope="areas",
        areas=["3101综采工作面", "3101运输顺槽"],
    )
    target = order.targets.get()
    done = issued + dt.timedelta(minutes=18)
    _snapshot(mine, done - dt.timedelta(minutes=1), [])
    orders.confirm(target, dispatcher, done, people_out=23, people_remaining=0)
    _snapshot(mine, target.deadline - dt.timedelta(minutes=1), [])
    worker.tick(target.deadline + dt.timedelta(minutes=1))
    orders.lift(order, dispatcher, issued + dt.timedelta(hours=6), "探放水完成，隐患排除")


def _open_order(now: dt.datetime, regulator: User, mines: list[Mine], county: Any) -> None:
    start = now - dt.timedelta(minutes=40)
    warning = weather.record_warning(
        user=regulator,
        divisions=[county],
        issuer="青川县气象台",
        kind=WarningKind.RAINSTORM,
        level=WarningLevel.ORANGE,
        valid_from=start,
        valid_to=start + dt.timedelta(hours=12),
        text=f"{MARK}预计未来12小时青川县东部降雨量将达50毫米以上。",
    )
    proposed = weather.proposed_mines(warning, regulator)[:3]
    bases = {m.pk: basis for m, basis in proposed}
    targets = [m for m, _ in proposed]
    for mine in mines:  # the regulator adds the demo logins' mines, as the form allows
        if mine not in targets:
            targets.append(mine)
            bases[mine.pk] = "监管部门根据矿井地面防洪条件增列"
    orders.issue_order(
        user=regulator,
        mines=targets,
        reason=OrderReason.WEATHER,
        text="暴雨橙色预警：请受地表水威胁区域立即停止作业、撤出人员，期限前报告撤出人数。",
        deadline=now + dt.timedelta(minutes=50),
        now=now - dt.timedelta(minutes=10),
        warning=warning,
        bases=bases,
    )
