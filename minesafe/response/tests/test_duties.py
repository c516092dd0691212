"""Separation of duties in the graded response (MON-4): nobody verifies their own disposal, a
case closes only after its alarm ended or by the level above's recorded decision with a reason,
and a feedback is checked against the stored data of the alarm's point."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from minesafe.core.roles import Role
from minesafe.core.workflow import Refusal
from minesafe.monitoring.choices import AlarmLevel, StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat
from minesafe.response import services
from minesafe.response.choices import CaseState
from minesafe.response.models import AlarmCase
from minesafe.response.testing import make_alarm, make_case
from minesafe.testing import World, make_user

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)
POINT = "PT-DUTY-1"


def minutes(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def level_iii_case(world: World) -> AlarmCase:
    alarm = make_alarm(world.mine_a, T0, level=AlarmLevel.III, point_code=POINT, last_value=1.07)
    return make_case(alarm)


def stored(world: World, value: float, at: dt.datetime) -> ReadingStat:
    """A 1-minute statistic of the case's point as monitoring stores it."""
    return ReadingStat.objects.create(
        mine=world.mine_a,
        point_code=POINT,
        period=StatPeriod.MINUTE,
        bucket=at,
        max=value + 0.01,
        min=value - 0.01,
        avg=value,
        count=60,
        last_at=at + dt.timedelta(seconds=59),
    )


def handled(case: AlarmCase, user: object, feedback: str = "已调整风量，瓦斯浓度下降") -> None:
    services.take_step(case, "acknowledge", user, minutes(1), {})
    services.take_step(case, "dispose", user, minutes(2), {"measures": "停止作业、撤人、断电"})
    services.take_step(case, "feedback", user, minutes(3), {"feedback": feedback})


def end_alarm(case: AlarmCase) -> None:
    Alarm.objects.filter(pk=case.alarm_id).update(closed_at=minutes(4))


def test_mon4_one_person_may_not_handle_and_verify_a_level_iii_case(world: World) -> None:
    enterprise = world.users["enterprise"]
    case = level_iii_case(world)
    handled(case, enterprise)
    with pytest.raises(Refusal) as own:
        services.take_step(case, "verify", enterprise, minutes(5), {})
    assert own.value.forbidden and "处置的人不能再核查" in own.value.message
    # Another officer of the enterprise (the level above a level III case) verifies.
    other = make_user("ent_second", Role.ENTERPRISE_OFFICER, enterprise=enterprise.enterprise)
    waiting = AlarmCase.objects.filter(pk=case.pk)
    assert not waiting.filter(services.waiting_on(enterprise)).exists()  # not their own check
    assert waiting.filter(services.waiting_on(other)).exists()
    services.take_step(case, "verify", other, minutes(5), {"reason": "调阅曲线核实"})
    end_alarm(case)
    with pytest.raises(Refusal):
        services.take_step(case, "close", enterprise, minutes(6), {})
    services.take_step(case, "close", other, minutes(6), {})
    assert case.state == CaseState.CLOSED and case.verified_by == str(other)


def test_mon4_mine_disposes_level_above_verifies_at_its_level(world: World) -> None:
    case = level_iii_case(world)
    handled(case, world.users["mine_a"])
    with pytest.raises(Refusal) as mine:
        services.take_step(case, "verify", world.users["mine_a"], minutes(5), {})
    assert mine.value.forbidden
    services.take_step(case, "verify", world.users["regulator_x"], minutes(5), {})
    assert case.state == CaseState.VERIFIED


def test_mon4_close_refused_while_alarm_active_naming_the_reading(world: World) -> None:
    case = level_iii_case(world)
    stored(world, 1.07, minutes(2))
    handled(case, world.users["mine_a"])
    regulator = world.users["regulator_x"]
    services.take_step(case, "verify", regulator, minutes(5), {})
    with pytest.raises(Refusal) as active:
        services.take_step(case, "close", regulator, minutes(6), {})
    assert "报警尚未解除" in active.value.message and "1.07" in active.value.message
    assert case.state == CaseState.VERIFIED
    end_alarm(case)
    with pytest.raises(Refusal) as pointless:
        services.take_step(case, "override_close", regulator, minutes(7), {"reason": "x"})
    assert "直接关闭" in pointless.value.message
    services.take_step(case, "close", regulator, minutes(7), {})
    assert case.state == CaseState.CLOSED


def test_mon4_override_close_by_the_level_above_with_a_reason_is_recorded(world: World) -> None:
    case = level_iii_case(world)
    handled(case, world.users["mine_a"])
    regulator = world.users["regulator_x"]
    services.take_step(case, "verify", regulator, minutes(5), {})
    with pytest.raises(Refusal) as mine:
        services.take_step(case, "override_close", world.users["mine_a"], minutes(6), {})
    assert mine.value.forbidden
    with pytest.raises(Refusal) as bare:
        services.take_step(case, "override_close", regulator, minutes(6), {})
    assert bare.value.field == "reason"
    why = "传感器故障待更换，已派人现场监测，决定先行关闭"
    services.take_step(case, "override_close", regulator, minutes(6), {"reason": why})
    assert case.state == CaseState.CLOSED and case.closed_by == str(regulator)
    row = case.transitions.get(step="override_close")
    assert row.reason == why and row.user_id == regulator.pk
    assert row.label == "上级决定关闭（报警未解除）"
    assert not case.transitions.filter(step="close").exists()


def test_mon4_feedback_value_checked_against_the_stored_reading(world: World) -> None:
    case = level_iii_case(world)
    stored(world, 0.5, minutes(-5))
    stored(world, 1.07, minutes(1))
    mine = world.users["mine_a"]
    services.take_step(case, "acknowledge", mine, minutes(1), {})
    services.take_step(case, "dispose", mine, minutes(2), {"measures": "撤人断电"})
    with pytest.raises(Refusal) as untrue:
        services.take_step(case, "feedback", mine, minutes(3), {"feedback": "瓦斯已降至0.3%"})
    assert untrue.value.field == "feedback" and "最新读数为1.07" in untrue.value.message
    with pytest.raises(Refusal):
        services.take_step(
            case, "feedback", mine, minutes(3), {"feedback": "已处置", "current_reading": 0.3}
        )
    assert case.state == CaseState.DISPOSED
    services.take_step(
        case,
        "feedback",
        mine,
        minutes(3),
        {"feedback": "仍为1.05%，持续监测", "current_reading": 1.1},
    )
    assert case.state == CaseState.FED_BACK
    assert "当前读数：1.1" in case.transitions.get(step="feedback").reason


def test_mon4_steps_endpoint_refuses_own_verification_and_active_close(world: World) -> None:
    case = level_iii_case(world)
    mine, regulator = Client(), Client()
    mine.force_login(world.users["mine_a"])
    regulator.force_login(world.users["regulator_x"])
    url = f"/api/alarm-cases/{case.pk}/steps/"
    for name, data in (
        ("acknowledge", {}),
        ("dispose", {"measures": "撤人"}),
        ("feedback", {"feedback": "已处置", "current_reading": 1.07}),
    ):
        assert mine.post(url + f"{name}/", data, content_type="application/json").status_code == 200
    assert mine.post(url + "verify/", {}, content_type="application/json").status_code == 403
    assert regulator.post(url + "verify/", {}, content_type="application/json").status_code == 200
    active = regulator.post(url + "close/", {}, content_type="application/json")
    assert active.status_code == 400 and "报警尚未解除" in str(active.json())
    bare = regulator.post(url + "override_close/", {}, content_type="application/json")
    assert bare.status_code == 400 and "reason" in bare.json()
    done = regulator.post(
        url + "override_close/", {"reason": "上级决定：已现场确认"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "closed"
    history = [row["step"] for row in done.json()["transitions"]]
    assert history[-1] == "override_close"
