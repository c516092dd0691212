"""The response rules without the database (MON-4, issue 6 §2–§3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from minesafe.response import rules
from minesafe.response.choices import CaseState

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 22, 23, 50, tzinfo=SH)
TABLE = rules.policy(dt.date(2026, 11, 22))


def test_mon4_every_level_has_a_limit_for_every_step_shorter_for_severer_levels() -> None:
    for step in ("acknowledge", "dispose", "feedback", "verify"):
        minutes = [TABLE["limits"][level][step] for level in (1, 2, 3, 4)]
        assert minutes == sorted(minutes) and minutes[0] > 0


def test_mon4_audiences_accumulate_from_the_mine_up() -> None:
    assert rules.audiences(4) == ["mine_dispatch"]
    assert rules.audiences(3) == ["mine_dispatch", "mine_management"]
    assert rules.audiences(1) == ["mine_dispatch", "mine_management", "county", "city_province"]


def test_mon4_deadline_runs_across_midnight() -> None:
    due = rules.deadline(CaseState.NEW, 4, T0, TABLE)
    assert due == dt.datetime(2026, 11, 23, 0, 20, tzinfo=SH)
    assert rules.deadline(CaseState.CLOSED, 4, T0, TABLE) is None


def test_mon4_escalation_goes_one_level_up_and_stops_at_level_i() -> None:
    step = rules.escalate(CaseState.NEW, 3, 0, T0, TABLE)
    assert step.level == 2 and step.escalated
    assert step.deadline == T0 + dt.timedelta(minutes=TABLE["limits"][2]["acknowledge"])
    top = rules.escalate(CaseState.ACKNOWLEDGED, 1, 2, T0, TABLE)
    assert top.level == 1 and not top.escalated and top.deadline is not None
    last = rules.escalate(CaseState.NEW, 1, TABLE["escalation"]["max_escalations"] - 1, T0, TABLE)
    assert last.deadline is None


def test_mon4_legal_steps_and_chinese_refusals() -> None:
    assert rules.check_step("acknowledge", CaseState.NEW, 4, rules.MINE, {}).target == (
        CaseState.ACKNOWLEDGED
    )
    with pytest.raises(rules.StepRefused, match="当前为“待确认”状态，不能执行“处置”"):
        rules.check_step("dispose", CaseState.NEW, 4, rules.MINE, {"measures": "x"})
    with pytest.raises(rules.StepRefused, match="须填写处置措施") as missing:
        rules.check_step("dispose", CaseState.ACKNOWLEDGED, 4, rules.MINE, {"measures": " "})
    assert missing.value.field == "measures"
    with pytest.raises(rules.StepRefused) as forbidden:
        rules.check_step("verify", CaseState.FED_BACK, 4, rules.MINE, {})
    assert forbidden.value.forbidden


def test_mon4_verification_by_the_level_above() -> None:
    assert rules.check_step("verify", CaseState.FED_BACK, 3, rules.ENTERPRISE, {})
    with pytest.raises(rules.StepRefused, match="II级"):
        rules.check_step("verify", CaseState.FED_BACK, 2, rules.ENTERPRISE, {})
    assert rules.check_step("verify", CaseState.FED_BACK, 2, rules.REGULATOR, {})
    names = [s.name for s in rules.available_steps(CaseState.FED_BACK, 1, rules.REGULATOR)]
    assert names == ["verify", "return"]


def test_mon2_unhandled_long_alarm_rises_one_level() -> None:
    minutes = TABLE["duration_raise_minutes"][3]
    assert rules.raised_by_duration(3, T0, T0 + dt.timedelta(minutes=minutes - 1), TABLE) is None
    assert rules.raised_by_duration(3, T0, T0 + dt.timedelta(minutes=minutes), TABLE) == 2
    assert rules.raised_by_duration(1, T0, T0 + dt.timedelta(days=1), TABLE) is None


def test_planned_work_scope_by_prefix_location_kind_and_window() -> None:
    scope = rules.WorkScope(
        T0, T0 + dt.timedelta(hours=2), ("ABC01MN*", "X1"), ("回风",), ("over_limit",)
    )
    inside = T0 + dt.timedelta(minutes=5)
    assert rules.work_covers(scope, "ABC01MN0001", "", "over_limit", inside)
    assert rules.work_covers(scope, "X1", "", "over_limit", inside)
    assert not rules.work_covers(scope, "X10", "", "over_limit", inside)
    assert rules.work_covers(scope, "Z9", "工作面回风巷", "over_limit", inside)
    assert not rules.work_covers(scope, "ABC01MN0001", "", "line_break", inside)
    assert not rules.work_covers(scope, "ABC01MN0001", "", "over_limit", T0 + dt.timedelta(hours=2))
    whole = rules.WorkScope(T0, T0 + dt.timedelta(hours=1))
    assert rules.work_covers(whole, "anything", "", "flat_line", T0)
    assert rules.split_items("a，b、c\nd; e") == ("a", "b", "c", "d", "e")


def test_planned_work_declared_in_advance_and_bounded() -> None:
    errors = rules.check_work_window(T0 - dt.timedelta(hours=1), T0, T0, TABLE)
    assert set(errors) == {"starts_at"}
    assert set(rules.check_work_window(T0, T0, T0, TABLE)) == {"ends_at"}
    assert set(rules.check_work_window(T0, T0 + dt.timedelta(days=4), T0, TABLE)) == {"ends_at"}
    assert rules.check_work_window(T0, T0 + dt.timedelta(hours=3), T0, TABLE) == {}


def test_outage_grouping_by_substation_and_network_down() -> None:
    sub_a = "140100000001" + "01" + "001"
    p1 = rules.AlarmFacts("line_break", sub_a + "MN0001", T0)
    p2 = rules.AlarmFacts("line_break", sub_a + "MN0002", T0 + dt.timedelta(minutes=3))
    other = rules.AlarmFacts("line_break", "140100000001" + "01" + "002" + "MN0001", T0)
    down = rules.AlarmFacts("network_down", "", T0)
    assert rules.groups_under(p2, p1, TABLE)
    assert not rules.groups_under(other, p1, TABLE)
    assert rules.groups_under(other, down, TABLE)
    late = rules.AlarmFacts("line_break", sub_a + "MN0003", T0 + dt.timedelta(minutes=30))
    assert not rules.groups_under(late, p1, TABLE)
    over = rules.AlarmFacts("over_limit", sub_a + "MN0004", T0)
    assert not rules.groups_under(over, down, TABLE)
    told = rules.AlarmFacts("line_break", "short", T0, {"substation": "S1"})
    assert rules.substation_of(told, TABLE) == "S1"
    assert rules.pick_parent(p2, [("other", other), ("p1", p1)], TABLE) == "p1"


def test_flapping_within_the_minimum_gap() -> None:
    gap = TABLE["flapping"]["min_gap_minutes"]
    assert rules.is_flapping(None, T0, TABLE)
    assert rules.is_flapping(T0, T0 + dt.timedelta(minutes=gap), TABLE)
    assert not rules.is_flapping(T0, T0 + dt.timedelta(minutes=gap + 1), TABLE)


def test_backlog_is_an_ended_alarm_older_than_the_window() -> None:
    hours = TABLE["intake"]["backlog_hours"]
    old = T0 - dt.timedelta(hours=hours + 1)
    assert rules.is_backlog(old, old + dt.timedelta(minutes=5), T0, TABLE)
    assert not rules.is_backlog(old, None, T0, TABLE)  # still open: handled live
    assert not rules.is_backlog(T0 - dt.timedelta(hours=1), T0, T0, TABLE)
