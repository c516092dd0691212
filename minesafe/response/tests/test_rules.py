"""The response rules without the database (MON-4, issue 6 §2–§3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from minesafe.core.roles import Role
from minesafe.core.workflow import Actor, Refusal
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


def actor(role: str, *, in_jurisdiction: bool = True) -> Actor:
    return Actor(1, role, in_jurisdiction)


def test_mon4_legal_steps_and_chinese_refusals() -> None:
    flow = rules.CASE_WORKFLOW
    mine = actor(Role.MINE_SAFETY_OFFICER)
    assert flow.check(CaseState.NEW, "acknowledge", mine).target == CaseState.ACKNOWLEDGED
    with pytest.raises(Refusal, match="当前状态为“待确认”，不能处置") as wrong_state:
        flow.check(CaseState.NEW, "dispose", mine)
    assert not wrong_state.value.forbidden
    with pytest.raises(Refusal, match="须填写处置措施") as missing:
        rules.step_text("dispose", {"measures": " "})
    assert missing.value.field == "measures" and not missing.value.forbidden
    assert rules.step_text("feedback", {"feedback": " 已恢复 "}) == "已恢复"
    with pytest.raises(Refusal) as no_reason:
        flow.check(CaseState.FED_BACK, "return", actor(Role.COUNTY_REGULATOR))
    assert no_reason.value.field == "reason" and not no_reason.value.forbidden
    with pytest.raises(Refusal, match="无权核查") as forbidden:
        flow.check(CaseState.FED_BACK, "verify", mine)
    assert forbidden.value.forbidden
    with pytest.raises(Refusal, match="不在管辖范围内") as outside:
        flow.check(CaseState.NEW, "acknowledge", actor(Role.MINE_MANAGER, in_jurisdiction=False))
    assert outside.value.forbidden


def test_mon4_an_inspector_is_government_like_a_regulator() -> None:
    inspector = actor(Role.INSPECTOR)
    assert rules.CASE_WORKFLOW.check(CaseState.FED_BACK, "verify", inspector)
    rules.check_level("verify", 1, Role.INSPECTOR)
    with pytest.raises(Refusal):
        rules.CASE_WORKFLOW.check(CaseState.ACKNOWLEDGED, "dispose", inspector)


def test_mon4_verification_by_the_level_above() -> None:
    rules.check_level("verify", 3, Role.ENTERPRISE_OFFICER)
    with pytest.raises(Refusal, match="II级") as below:
        rules.check_level("verify", 2, Role.ENTERPRISE_OFFICER)
    assert below.value.forbidden
    rules.check_level("verify", 2, Role.COUNTY_REGULATOR)
    rules.check_level("acknowledge", 1, Role.MINE_SAFETY_OFFICER)  # not a check of the case
    regulator = actor(Role.COUNTY_REGULATOR)
    opened = rules.CASE_WORKFLOW.open_steps(CaseState.FED_BACK, regulator)
    names = [s.name for s in rules.offered(opened, 1, Role.COUNTY_REGULATOR)]
    assert names == ["verify", "return"]
    enterprise = actor(Role.ENTERPRISE_OFFICER)
    opened = rules.CASE_WORKFLOW.open_steps(CaseState.FED_BACK, enterprise)
    assert [s.name for s in opened] == ["verify", "return"]
    assert rules.offered(opened, 2, Role.ENTERPRISE_OFFICER) == []


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


# --- separation of duties and closing against the data (MON-4) ---------------------------------

ENTERPRISE_ACTOR = Actor(7, Role.ENTERPRISE_OFFICER, True)
OTHER_ENTERPRISE = Actor(8, Role.ENTERPRISE_OFFICER, True)


def test_mon4_who_disposed_or_fed_back_may_not_verify_return_or_close() -> None:
    wf = rules.CASE_WORKFLOW
    took = {"acknowledge": {7}, "dispose": {7}, "feedback": {7}}
    for name, state, given in (
        ("verify", CaseState.FED_BACK, ()),
        ("return", CaseState.FED_BACK, ("reason",)),
        ("close", CaseState.VERIFIED, ()),
        ("override_close", CaseState.VERIFIED, ("reason",)),
    ):
        with pytest.raises(Refusal) as own:
            wf.check(state, name, ENTERPRISE_ACTOR, given, took)
        assert own.value.forbidden and "的人不能再" in own.value.message
        assert wf.check(state, name, OTHER_ENTERPRISE, given, took).name == name
    # Acknowledging alone does not bar verifying: the work checked is the disposal.
    assert wf.check(CaseState.FED_BACK, "verify", ENTERPRISE_ACTOR, (), {"acknowledge": {7}})


def test_mon4_override_close_is_a_distinct_step_of_the_level_above_with_a_reason() -> None:
    step = rules.CASE_WORKFLOW.step("override_close")
    assert step.target == CaseState.CLOSED and "reason" in step.needs
    with pytest.raises(Refusal) as missing:
        rules.CASE_WORKFLOW.check(CaseState.VERIFIED, "override_close", OTHER_ENTERPRISE, ())
    assert missing.value.field == "reason"
    with pytest.raises(Refusal) as mine:
        rules.CASE_WORKFLOW.check(
            CaseState.VERIFIED, "override_close", actor(Role.MINE_SAFETY_OFFICER), ("reason",)
        )
    assert mine.value.forbidden
    # Level II: only the government decides (the enterprise is not the level above).
    with pytest.raises(Refusal):
        rules.check_level("override_close", 2, Role.ENTERPRISE_OFFICER)
    rules.check_level("override_close", 2, Role.COUNTY_REGULATOR)


def test_mon4_a_case_closes_only_after_its_alarm_ended() -> None:
    reading = rules.Reading(1.07, 1.05, 1.09, "%", "11-22 23:40")
    with pytest.raises(Refusal) as active:
        rules.check_alarm_closed("close", True, reading)
    assert "报警尚未解除" in active.value.message and "1.07%" in active.value.message
    rules.check_alarm_closed("close", False)
    rules.check_alarm_closed("override_close", True)
    with pytest.raises(Refusal) as pointless:
        rules.check_alarm_closed("override_close", False)
    assert "直接关闭" in pointless.value.message


def test_mon4_page_offers_close_or_the_override_by_the_alarm() -> None:
    steps = [rules.CASE_WORKFLOW.step(n) for n in ("close", "override_close")]
    active = rules.offered(steps, 3, Role.COUNTY_REGULATOR, alarm_open=True)
    ended = rules.offered(steps, 3, Role.COUNTY_REGULATOR, alarm_open=False)
    assert [s.name for s in active] == ["override_close"]
    assert [s.name for s in ended] == ["close"]


def test_mon4_feedback_stated_percent_is_the_last_written() -> None:
    assert rules.stated_percent("甲烷浓度由1.07%降至0.3％，已恢复") == 0.3
    assert rules.stated_percent("已降至 0.25 %") == 0.25
    assert rules.stated_percent("通信已恢复") is None


def test_mon4_feedback_checked_against_the_reading_within_tolerance() -> None:
    reading = rules.Reading(1.07, 1.05, 1.09, "%", "11-22 23:40")
    with pytest.raises(Refusal) as untrue:
        rules.check_stated(0.3, reading, TABLE)
    assert untrue.value.field == "feedback" and "1.07%" in untrue.value.message
    rules.check_stated(1.0, reading, TABLE)  # within 0.107 of the minute's spread
    with pytest.raises(Refusal):
        rules.check_stated(0.9, reading, TABLE)
    rules.check_stated(0.3, None, TABLE)  # nothing stored: nothing to contradict
