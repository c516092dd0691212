"""Demo history of the graded response (MON-4, issue 6 §1–§2): cases in every state for alarms of
the demo county's mines, some escalated, one suppressed by planned work, one grouped outage, one
flapping point. Runs after the monitoring demo; alarms the engine demo left without a case are
taken in by the final tick. Idempotent: marked planned work means it is already there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.demo.monitoring import demo_point_code, hold_condition, layout_point_codes
from minesafe.localtime import local_date
from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.models import Alarm
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.response import services, worker
from minesafe.response.choices import CaseState, PlannedWorkKind
from minesafe.response.models import AlarmCase, CaseTransition, PlannedWork

COUNTY_CODE = "960121"
MARK = "【演示】"


def _alarm(mine: Mine, at: dt.datetime, n: int, **extra: Any) -> Alarm:
    """An alarm on one of the mine's real methane points (story number ``n`` picks which)."""
    code = extra.pop("point_code", demo_point_code(mine, 1 + n % 4))
    kind = extra.pop("kind", AlarmKind.OVER_LIMIT)
    fields: dict[str, Any] = {
        "level": AlarmLevel.III,
        "peak": 1.25,
        "last_value": 0.6,
        "details": {"location": "回采工作面上隅角甲烷", "alarm_high": 1.0, "source": "演示数据"},
        **extra,
    }
    return Alarm.objects.create(
        mine=mine,
        point_code=code,
        kind=kind,
        opened_at=at,
        key=f"demo-response|{mine.code}|{code}|{kind}|{at.timestamp():.0f}",
        **fields,
    )


class _Demo:
    """Builds the story: alarms at given times, the clock run at those times, people's steps."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.users = {
            u.username: u
            for u in User.objects.filter(
                username__in=["regulator", "enterprise", "mine1", "mine2", "city"]
            )
        }

    def at(self, minutes_ago: float) -> dt.datetime:
        return self.now - dt.timedelta(minutes=minutes_ago)

    def case(self, alarm: Alarm) -> AlarmCase:
        worker.tick(alarm.opened_at)
        return AlarmCase.objects.get(alarm=alarm)

    def steps(self, case: AlarmCase, plan: list[tuple[str, str, float, dict[str, Any]]]) -> None:
        for name, who, minutes_ago, data in plan:
            user = self.users.get(who)
            if user is not None:
                services.take_step(case, name, user, self.at(minutes_ago), data)


DISPOSE = {
    "measures": "停止工作面作业，撤出回风流中人员，切断电源，加强通风",
    "evacuated": 14,
    "power_cut_confirmed": True,
}
FEEDBACK = {"feedback": "甲烷浓度已降至报警门限以下，经检查为采空区瓦斯涌出，已调整风量，恢复生产"}


def _story(demo: _Demo, mines: list[Mine]) -> PlannedWork:
    m1, m2, m3, m4, m5 = mines[:5]
    closed = demo.case(
        _alarm(m1, demo.at(300), 1, level=AlarmLevel.II, peak=1.6, closed_at=demo.at(280))
    )
    demo.steps(
        closed,
        [
            ("acknowledge", "mine1", 297, {}),
            ("dispose", "mine1", 290, DISPOSE),
            ("feedback", "mine1", 260, FEEDBACK),
            ("verify", "regulator", 200, {"reason": "现场核实属实"}),
            ("close", "regulator", 199, {}),
        ],
    )
    verified = demo.case(_alarm(m1, demo.at(240), 2, closed_at=demo.at(230)))
    demo.steps(
        verified,
        [
            ("acknowledge", "mine1", 236, {}),
            ("dispose", "mine1", 225, DISPOSE),
            ("feedback", "mine1", 200, FEEDBACK),
            ("verify", "enterprise", 120, {"reason": "已核实"}),
        ],
    )
    fed_back = demo.case(_alarm(m1, demo.at(180), 3, level=AlarmLevel.IV, closed_at=demo.at(175)))
    demo.steps(
        fed_back,
        [
            ("acknowledge", "mine1", 170, {}),
            ("dispose", "mine1", 160, DISPOSE),
            ("feedback", "mine1", 100, FEEDBACK),
        ],
    )
    disposed = demo.case(_alarm(m2, demo.at(150), 4, closed_at=demo.at(140)))
    demo.steps(disposed, [("acknowledge", "mine2", 148, {}), ("dispose", "mine2", 130, DISPOSE)])
    lasting = _alarm(m2, demo.at(40), 5, level=AlarmLevel.II)
    hold_condition(lasting, demo.now)
    acknowledged = demo.case(lasting)
    demo.steps(acknowledged, [("acknowledge", "mine2", 35, {})])
    # Nobody answers: IV → III → II by the clock.
    demo.case(_alarm(m3, demo.at(50), 6, level=AlarmLevel.IV, closed_at=demo.at(45)))
    unanswered = _alarm(m4, demo.at(12), 7, level=AlarmLevel.I, peak=3.2, closed_at=None)
    hold_condition(unanswered, demo.now)
    demo.case(unanswered)
    # Planned calibration: recorded, not notified.
    work = PlannedWork.objects.create(
        mine=m1,
        kind=PlannedWorkKind.CALIBRATION,
        points=demo_point_code(m1, 1 + 8 % 4),
        starts_at=demo.at(90),
        ends_at=demo.at(-30),
        reason=f"{MARK}甲烷传感器月度标校",
        declared_by=str(demo.users.get("mine1", "系统")),
    )
    demo.case(_alarm(m1, demo.at(80), 8, level=AlarmLevel.III, peak=2.0, closed_at=demo.at(78)))
    # One outage: the network goes down and every point of the mine breaks.
    _alarm(
        m5,
        demo.at(25),
        0,
        kind=AlarmKind.NETWORK_DOWN,
        point_code="",
        level=AlarmLevel.III,
        peak=None,
        last_value=None,
        closed_at=demo.at(10),
        details={"source": "演示数据"},
    )
    for n, code in enumerate(layout_point_codes(m5)):
        _alarm(
            m5,
            demo.at(25) + dt.timedelta(seconds=5 + n),
            100 + n,
            point_code=code,
            kind=AlarmKind.LINE_BREAK,
            level=AlarmLevel.IV,
            peak=None,
            closed_at=demo.at(10),
        )
    worker.tick(demo.at(24))
    # A flapping point: three episodes minutes apart are one case.
    for k in range(3):
        _alarm(m2, demo.at(70 - 6 * k), 9, closed_at=demo.at(69 - 6 * k), level=AlarmLevel.IV)
    worker.tick(demo.at(55))
    return work


def _drain(now: dt.datetime) -> None:
    """Take in the alarms other demos left (a year of monitoring history: backlog cases), so
    each step of the story below picks up exactly its own alarm."""
    while Alarm.objects.filter(case__isnull=True).exists():
        worker.intake(now, worker.TickReport())


def _archive_history(now: dt.datetime) -> int:
    """Demo only: history older than a week was handled long ago; close it in bulk with one
    history row each, so the lists show the recent story rather than a year of backlog."""
    old = AlarmCase.objects.filter(
        state=CaseState.NEW, deadline__isnull=True, opened_at__lt=now - dt.timedelta(days=7)
    )
    ids = list(old.values_list("pk", flat=True))
    closed_by = "演示数据：历史报警已处置归档"
    AlarmCase.objects.filter(pk__in=ids).update(
        state=CaseState.CLOSED,
        closed_by=closed_by,
        closed_at=F("opened_at") + dt.timedelta(hours=4),
    )
    CaseTransition.objects.bulk_create(
        CaseTransition(
            case_id=pk,
            step="archive",
            label=closed_by,
            from_state=CaseState.NEW,
            to_state=CaseState.CLOSED,
            username="系统",
            at=now,
        )
        for pk in ids
    )
    return len(ids)


def load_demo(seed: int = 20261122, today: dt.date | None = None) -> str:
    """Load the response history of the demo county once; returns a one-line Chinese summary."""
    if PlannedWork.objects.filter(reason__startswith=MARK).exists():
        return f"报警处置：已有 {AlarmCase.objects.count()} 件报警处置，未重复加载"
    mines = list(
        Mine.objects.filter(county__code=COUNTY_CODE, status=MineStatus.PRODUCING).order_by("code")
    )
    if len(mines) < 5:
        return "报警处置：演示县煤矿不足，未加载"
    now = timezone.now()
    if today is not None and today != local_date(now):
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(16, 0)))
    staffed = {u.username: u.mine for u in User.objects.filter(username__in=["mine1", "mine2"])}
    first = [staffed[name] for name in ("mine1", "mine2") if staffed.get(name) is not None]
    unique = first + [m for m in mines if m not in first]
    with transaction.atomic():
        demo = _Demo(now)
        _drain(demo.at(360))
        _archive_history(now)
        _story(demo, unique)
        worker.tick(now)
    cases = AlarmCase.objects.filter(mine__county__code=COUNTY_CODE)
    escalated = cases.filter(escalations__gt=0).count()
    return (
        f"报警处置：{cases.count()} 件报警处置（升级 {escalated} 件），"
        "含全流程关闭、计划作业抑制、断网归并和频繁启停归并案例"
    )
