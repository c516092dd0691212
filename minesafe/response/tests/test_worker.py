"""The response clock on the database: intake, notification by level, escalation across
midnight, suppression, grouping, flapping, duration and the command (MON-4, issue 6 §1–§2)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from minesafe.accounts.choices import Role
from minesafe.core.workflow import Refusal
from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.models import Alarm
from minesafe.notifications.choices import Channel
from minesafe.notifications.models import Notification
from minesafe.notifications.testing import notes
from minesafe.response import services, worker
from minesafe.response.choices import CaseState, GroupReason, NotificationReason
from minesafe.response.models import AlarmCase, CaseTransition
from minesafe.response.testing import make_alarm, make_planned_work
from minesafe.testing import World, make_user

SH = ZoneInfo("Asia/Shanghai")
NIGHT = dt.datetime(2026, 11, 22, 23, 50, tzinfo=SH)


@pytest.fixture(autouse=True)
def quiet_world(world: World) -> None:
    """The world's own cases (one per mine, for the permission walk) are closed here, so each
    test's clock sees only its own alarms."""
    AlarmCase.objects.update(state=CaseState.CLOSED, deadline=None)


def tick(now: dt.datetime) -> worker.TickReport:
    return worker.tick(now)


def case_of(alarm: object) -> AlarmCase:
    return AlarmCase.objects.get(alarm=alarm)


def told(case: AlarmCase) -> set[str]:
    """Usernames told in-app about ``case``."""
    rows = notes(case).filter(channel=Channel.IN_APP)
    return {n.recipient.username for n in rows.select_related("recipient")}


def test_mon4_new_alarm_becomes_one_case_and_the_mine_is_told(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.IV)
    report = tick(NIGHT)
    assert report.cases == 1
    case = case_of(alarm)
    assert case.state == CaseState.NEW and case.effective_level == 4
    assert case.deadline == NIGHT + dt.timedelta(minutes=30)
    assert told(case) == {"mine_a"}
    assert tick(NIGHT).cases == 0  # claimed once
    assert worker._new_case(alarm, NIGHT, state=CaseState.NEW) is None  # conditional insert
    assert case.transitions.get().step == "open"


def test_mon4_level_ii_tells_the_county_and_everyone_below_but_not_other_counties(
    world: World,
) -> None:
    make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.II)
    tick(NIGHT)
    county = told(case_of(alarm))
    assert county >= {"mine_a", "mgr_a", "ent", "reg_x"}
    assert not county & {"reg_y", "mine_b", "city", "insp"}
    top = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.I, point_code="P-I")
    tick(NIGHT)
    assert told(case_of(top)) == county | {"city"}


def test_mon4_unacknowledged_case_escalates_level_by_level_across_midnight(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.IV, closed_at=NIGHT)
    tick(NIGHT)
    case = case_of(alarm)
    assert tick(NIGHT + dt.timedelta(minutes=29)).escalated == 0
    after = dt.datetime(2026, 11, 23, 0, 20, tzinfo=SH)  # the next day
    assert tick(after).escalated == 1
    case.refresh_from_db()
    assert case.effective_level == 3 and case.escalations == 1
    assert case.deadline == after + dt.timedelta(minutes=15)
    assert "ent" in told(case)
    assert notes(case).filter(kind=NotificationReason.ESCALATED).exists()
    tick(after + dt.timedelta(minutes=15))
    case.refresh_from_db()
    assert case.effective_level == 2 and "reg_x" in told(case)
    # Someone handles it: escalation stops for acknowledgement, the disposal clock runs.
    services.take_step(case, "acknowledge", world.users["regulator_x"], after, {})
    case.refresh_from_db()
    assert case.state == CaseState.ACKNOWLEDGED and case.acknowledged_by
    label = case.transitions.filter(step="escalate").first().label
    assert label == "未按时确认，升级为III级"


def test_mon4_undisposed_case_escalates_and_level_i_is_notified_again(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.I, closed_at=NIGHT)
    tick(NIGHT)
    case = case_of(alarm)
    services.take_step(case, "acknowledge", world.users["mine_a"], NIGHT, {})
    case.refresh_from_db()
    assert case.deadline == NIGHT + dt.timedelta(minutes=30)
    report = tick(NIGHT + dt.timedelta(minutes=31))
    assert report.escalated == 1
    case.refresh_from_db()
    assert case.effective_level == 1
    # Told again: everyone the opening told (level I reaches the mine, enterprise and regulators).
    opened = notes(case).filter(kind=NotificationReason.OPENED)
    told = set(opened.values_list("recipient", flat=True))
    again = set(
        notes(case).filter(kind=NotificationReason.REPEAT).values_list("recipient", flat=True)
    )
    assert len(told) >= 5 and again == told
    assert case.transitions.filter(step="escalate").get().label == "未按时处置，再次通知"


def test_mon4_whole_loop_with_history_and_refusals(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.II)
    tick(NIGHT)
    case = case_of(alarm)
    mine, regulator = world.users["mine_a"], world.users["regulator_x"]
    with pytest.raises(Refusal) as refused:
        services.take_step(case, "dispose", mine, NIGHT, {"measures": "撤人"})
    assert "不能处置" in refused.value.message and not refused.value.forbidden
    services.take_step(case, "acknowledge", mine, NIGHT, {})
    with pytest.raises(Refusal) as missing:
        services.take_step(case, "dispose", mine, NIGHT, {"measures": ""})
    assert missing.value.field == "measures"
    services.take_step(
        case,
        "dispose",
        mine,
        NIGHT + dt.timedelta(minutes=8),
        {"measures": "停止作业、撤出人员、切断电源", "evacuated": 12, "power_cut_confirmed": True},
    )
    # The feedback is checked against the data it describes: the alarm still reads 1.2 %.
    with pytest.raises(Refusal) as untrue:
        services.take_step(
            case, "feedback", mine, NIGHT + dt.timedelta(minutes=40), {"feedback": "已降至0.3%"}
        )
    assert untrue.value.field == "feedback" and "1.2" in untrue.value.message
    Alarm.objects.filter(pk=alarm.pk).update(closed_at=NIGHT + dt.timedelta(minutes=30))
    services.take_step(
        case, "feedback", mine, NIGHT + dt.timedelta(minutes=40), {"feedback": "瓦斯浓度已降至0.3%"}
    )
    with pytest.raises(Refusal) as mine_verifies:
        services.take_step(case, "verify", mine, NIGHT, {})
    assert mine_verifies.value.forbidden
    with pytest.raises(Refusal) as below:  # level II: the enterprise is not the level above
        services.take_step(case, "verify", world.users["enterprise"], NIGHT, {})
    assert below.value.forbidden
    services.take_step(case, "verify", regulator, NIGHT + dt.timedelta(hours=2), {})
    services.take_step(case, "close", regulator, NIGHT + dt.timedelta(hours=2), {})
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.deadline is None
    assert case.evacuated == 12 and case.power_cut_confirmed
    events = list(case.transitions.values_list("step", "from_state", "to_state"))
    assert events[1:] == [
        ("acknowledge", "new", "acknowledged"),
        ("dispose", "acknowledged", "disposed"),
        ("feedback", "disposed", "fed_back"),
        ("verify", "fed_back", "verified"),
        ("close", "verified", "closed"),
    ]
    assert all(t.username for t in case.transitions.all())
    steps = case.transitions.exclude(step="open")
    assert {t.user_id for t in steps} == {mine.pk, regulator.pk}
    assert case.transitions.get(step="open").user_id is None
    assert case.transitions.get(step="verify").label == "核查"
    assert tick(NIGHT + dt.timedelta(days=3)).escalated == 0


def test_mon4_suppressed_by_planned_work_recorded_but_never_notified(world: World) -> None:
    make_planned_work(world.mine_a, NIGHT - dt.timedelta(minutes=10))
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.II)
    outside = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.II, point_code="OTHER-1")
    report = tick(NIGHT)
    assert report.suppressed == 1 and report.cases == 1
    case = case_of(alarm)
    assert case.state == CaseState.SUPPRESSED and case.planned_work is not None
    assert not notes(case).exists()
    tick(NIGHT + dt.timedelta(hours=5))
    case.refresh_from_db()
    assert case.effective_level == 2 and not notes(case).exists()
    assert notes(case_of(outside)).exists()
    services.take_step(case, "close_suppressed", world.users["mine_a"], NIGHT, {})


def _outage(world: World, n: int, substation: str = "001") -> list[object]:
    sub = f"{world.mine_a.code}01{substation}"
    return [
        make_alarm(
            world.mine_a,
            NIGHT + dt.timedelta(seconds=i),
            kind=AlarmKind.LINE_BREAK,
            level=AlarmLevel.III,
            point_code=f"{sub}MN{i:09d}",
        )
        for i in range(n)
    ]


def test_mon4_network_down_gives_one_parent_case_not_200(world: World) -> None:
    down = make_alarm(
        world.mine_a, NIGHT, kind=AlarmKind.NETWORK_DOWN, point_code="", level=AlarmLevel.III
    )
    points = _outage(world, 200)
    report = tick(NIGHT + dt.timedelta(minutes=1))
    Alarm.objects.filter(pk=down.pk).update(closed_at=NIGHT + dt.timedelta(minutes=20))
    assert report.cases == 1 and report.grouped == 200
    parent = case_of(down)
    assert parent.children.count() == 200 and parent.children_count == 200
    assert {c.group_reason for c in parent.children.all()} == {GroupReason.OUTAGE}
    children = list(parent.children.values_list("pk", flat=True))
    assert not Notification.objects.filter(topic="alarm", about_id__in=children).exists()
    assert case_of(points[0]).state == CaseState.GROUPED
    # Closing the parent closes its children.
    for step, user, data in [
        ("acknowledge", "mine_a", {}),
        ("dispose", "mine_a", {"measures": "抢修环网交换机"}),
        ("feedback", "mine_a", {"feedback": "通信恢复"}),
        ("verify", "enterprise", {}),
        ("close", "enterprise", {}),
    ]:
        services.take_step(parent, step, world.users[user], NIGHT, data)
    assert not parent.children.exclude(state=CaseState.CLOSED).exists()


def test_mon4_substation_outage_groups_by_substation_and_a_late_network_down_adopts(
    world: World,
) -> None:
    first = _outage(world, 3, "001")
    second = _outage(world, 2, "002")
    tick(NIGHT + dt.timedelta(minutes=1))
    assert AlarmCase.objects.filter(mine=world.mine_a, kind="line_break", parent=None).count() == 2
    assert case_of(first[1]).parent == case_of(first[0])
    down = make_alarm(
        world.mine_a,
        NIGHT + dt.timedelta(minutes=2),
        kind=AlarmKind.NETWORK_DOWN,
        point_code="",
        level=AlarmLevel.III,
    )
    tick(NIGHT + dt.timedelta(minutes=3))
    root = case_of(down)
    assert root.children_count == 5
    assert case_of(second[1]).parent == root


def test_mon4_flapping_point_joins_the_previous_case(world: World) -> None:
    first = make_alarm(world.mine_a, NIGHT, closed_at=NIGHT + dt.timedelta(minutes=2))
    again = make_alarm(
        world.mine_a, NIGHT + dt.timedelta(minutes=10), closed_at=NIGHT + dt.timedelta(minutes=11)
    )
    later = make_alarm(world.mine_a, NIGHT + dt.timedelta(minutes=40))
    tick(NIGHT + dt.timedelta(minutes=41))
    root = case_of(first)
    assert case_of(again).parent == root
    assert case_of(again).group_reason == GroupReason.FLAPPING
    assert case_of(later).parent is None  # beyond the minimum gap: a new case


def test_mon2_open_unhandled_alarm_rises_with_duration(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.III, closed_at=None)
    tick(NIGHT)
    case = case_of(alarm)
    services.take_step(case, "acknowledge", world.users["mine_a"], NIGHT, {})
    report = tick(NIGHT + dt.timedelta(minutes=30))
    case.refresh_from_db()
    assert report.raised == 1 and case.effective_level == 2 and "reg_x" in told(case)
    assert tick(NIGHT + dt.timedelta(minutes=45)).raised == 0  # the next period runs from now


def test_mon4_late_feedback_is_reminded_once(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.IV, closed_at=NIGHT)
    tick(NIGHT)
    case = case_of(alarm)
    services.take_step(case, "acknowledge", world.users["mine_a"], NIGHT, {})
    services.take_step(case, "dispose", world.users["mine_a"], NIGHT, {"measures": "检查探头"})
    late = NIGHT + dt.timedelta(hours=9)
    assert tick(late).reminded == 1
    assert tick(late + dt.timedelta(minutes=5)).reminded == 0
    assert notes(case).filter(kind=NotificationReason.REMINDER).count() == 1


def test_mon4_comment_and_assignment_are_recorded_and_told(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.IV)
    tick(NIGHT)
    case = case_of(alarm)
    manager = make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    services.assign(case, world.users["mine_a"], manager, NIGHT, "请矿长督办")
    assert told(case) >= {"mgr_a"}
    assert CaseTransition.objects.filter(case=case, step="assign").exists()
    with pytest.raises(ValidationError):
        services.assign(case, world.users["mine_a"], world.users["mine_b"], NIGHT)
    services.add_comment(case, world.users["regulator_x"], "请尽快核实", NIGHT)
    with pytest.raises(ValidationError):
        services.add_comment(case, world.users["regulator_x"], "  ", NIGHT)
    mine_q = services.waiting_on(manager)
    assert AlarmCase.objects.filter(mine_q, pk=case.pk).exists()


def test_mon4_my_alarms_by_actor(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.II)
    tick(NIGHT)
    case = case_of(alarm)

    def mine(user: str) -> bool:
        query = services.waiting_on(world.users[user])
        return AlarmCase.objects.filter(query, pk=case.pk).exists()

    assert mine("mine_a") and mine("regulator_x") and not mine("city")
    services.take_step(case, "acknowledge", world.users["mine_a"], NIGHT, {})
    assert mine("mine_a") and not mine("regulator_x")


def test_mon4_response_tick_command_runs_one_step_at_a_given_time(world: World) -> None:
    make_alarm(world.mine_a, NIGHT, level=AlarmLevel.IV)
    out = io.StringIO()
    call_command("response_tick", "--now", "2026-11-22T23:51:00", stdout=out)
    report = json.loads(out.getvalue())
    assert report["cases"] == 1 and report["now"].startswith("2026-11-22T23:51:00+08:00")


def test_mon4_response_tick_loop_stops_cleanly_on_sigterm(world: World) -> None:
    make_alarm(world.mine_a, timezone.now() - dt.timedelta(minutes=1), level=AlarmLevel.IV)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    out = io.StringIO()
    try:
        timer.start()
        call_command("response_tick", "--loop", "--interval", "0.05", stdout=out)
    finally:
        timer.cancel()
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    steps = [json.loads(line) for line in out.getvalue().splitlines()]
    assert steps and steps[0]["cases"] == 1


def test_mon4_a_second_tick_at_the_same_moment_does_nothing_twice(world: World) -> None:
    alarm = make_alarm(world.mine_a, NIGHT, level=AlarmLevel.III, closed_at=NIGHT)
    tick(NIGHT)
    later = NIGHT + dt.timedelta(minutes=16)
    first, second = tick(later), tick(later)
    assert (first.escalated, second.escalated) == (1, 0)
    assert case_of(alarm).escalations == 1


def test_mon4_stale_ended_alarm_gets_a_case_without_notification_or_escalation(
    world: World,
) -> None:
    old = NIGHT - dt.timedelta(days=3)
    alarm = make_alarm(
        world.mine_a, old, level=AlarmLevel.I, closed_at=old + dt.timedelta(minutes=5)
    )
    report = tick(NIGHT)
    case = case_of(alarm)
    assert report.backlog == 1 and case.state == CaseState.NEW and case.deadline is None
    assert not notes(case).exists()
    assert tick(NIGHT + dt.timedelta(hours=2)).escalated == 0
    services.take_step(case, "acknowledge", world.users["mine_a"], NIGHT, {})
