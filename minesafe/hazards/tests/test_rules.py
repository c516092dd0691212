"""Pure rules of the hazard loop, without the database (HAZ-1, HAZ-2, HAZ-4/5/6/9, ENF-5)."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.citations import cite
from minesafe.core.roles import Party, Role
from minesafe.core.workflow import Actor, Refusal
from minesafe.hazards import rules
from minesafe.hazards.choices import HazardGrade, HazardSource, HazardStatus, ProposalKind

TZ = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 10, 0, tzinfo=TZ)


def fact(i: int, when: dt.datetime, **kw: object) -> rules.HazardFact:
    base: dict = {"mine_id": 1, "grade": HazardGrade.MAJOR, "situation_code": "4(6)"}
    return rules.HazardFact(id=i, found_at=when, **{**base, **kw})


def test_haz2_add_months_clamps_month_ends() -> None:
    assert rules.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert rules.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert rules.add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert rules.add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
    assert rules.add_months(at(2026, 5, 31), -12) == at(2025, 5, 31)


def test_haz1_missing_fixes_names_them() -> None:
    labels = {"measure": "整改措施", "funds": "整改资金"}
    assert rules.missing_fixes({"measure": " ", "funds": 0}, labels) == ["整改措施"]
    assert rules.missing_fixes({"measure": "x", "funds": None}, labels) == ["整改资金"]


def test_haz2_overdue_after_the_deadline_day_only() -> None:
    deadline = dt.date(2026, 2, 28)
    assert not rules.is_overdue(HazardStatus.RECTIFYING, deadline, dt.date(2026, 2, 28))
    assert rules.is_overdue(HazardStatus.RECTIFYING, deadline, dt.date(2026, 3, 1))
    assert not rules.is_overdue(HazardStatus.RECTIFIED, deadline, dt.date(2026, 3, 1))


def test_haz2_reminders_three_and_one_day_before() -> None:
    deadline = dt.date(2026, 3, 1)
    due = {
        d: rules.reminder_due(deadline, d, HazardStatus.RECTIFYING)
        for d in [
            dt.date(2026, 2, 25),
            dt.date(2026, 2, 26),
            dt.date(2026, 2, 27),
            dt.date(2026, 2, 28),
        ]
    }
    assert due == {
        dt.date(2026, 2, 25): None,
        dt.date(2026, 2, 26): 3,
        dt.date(2026, 2, 27): 3,
        dt.date(2026, 2, 28): 1,
    }


MINE_OFFICER, MANAGER = Role.MINE_SAFETY_OFFICER, Role.MINE_MANAGER


def actor(role: str = MINE_OFFICER, user_id: int = 1, inside: bool = True) -> Actor:
    return Actor(user_id, role, in_jurisdiction=inside)


def refused(
    grade: str, state: str, step: str, who: Actor, given: tuple[str, ...] = (), **takers: set[int]
) -> Refusal:
    with pytest.raises(Refusal) as caught:
        rules.loop_for(grade).check(state, step, who, given, takers)
    return caught.value


def test_haz2_no_rectifying_without_five_fixes() -> None:
    refusal = rules.fixes_refusal(["整改资金"])
    assert (
        refusal is not None and "五落实未完成" in refusal.message and "整改资金" in refusal.message
    )
    assert not refusal.forbidden
    assert rules.fixes_refusal([]) is None


def test_haz2_the_loop_in_order() -> None:
    loop, me = rules.GENERAL_LOOP, actor()
    state = HazardStatus.REPORTED
    for step, given in [
        ("complete_fixes", ()),
        ("start", ()),
        ("rectify", ("evidence",)),
        ("send_back", ("reason",)),
        ("rectify", ("evidence",)),
    ]:
        state = loop.check(state, step, me, given).target
    assert state == HazardStatus.RECTIFIED
    assert loop.check(state, "verify", actor(MANAGER, user_id=2), (), {"rectify": {1}}).target == (
        HazardStatus.VERIFIED
    )
    assert loop.check(HazardStatus.VERIFIED, "close", me).target == HazardStatus.CLOSED


def test_haz2_major_verified_by_regulator_general_by_mine() -> None:
    rectified = HazardStatus.RECTIFIED
    for role in (MANAGER, Role.COUNTY_REGULATOR, Role.INSPECTOR, Role.ADMIN):
        assert rules.GENERAL_LOOP.check(rectified, "verify", actor(role)).target == "verified"
    for step in ("verify", "close"):
        state = rectified if step == "verify" else HazardStatus.VERIFIED
        mine = refused(HazardGrade.MAJOR, state, step, actor(MANAGER))
        assert mine.forbidden and mine.message.startswith("无权")
        assert rules.MAJOR_LOOP.check(state, step, actor(Role.INSPECTOR)).name == step
    enterprise = refused(HazardGrade.GENERAL, rectified, "verify", actor(Role.ENTERPRISE_OFFICER))
    assert enterprise.forbidden


def test_haz2_nobody_verifies_their_own_rectification() -> None:
    for step, given in (("verify", ()), ("send_back", ("reason",))):
        own = refused(
            HazardGrade.GENERAL, HazardStatus.RECTIFIED, step, actor(), given, rectify={1}
        )
        assert own.forbidden and "整改完成的人不能" in own.message
    other = actor(MANAGER, user_id=2)
    assert rules.GENERAL_LOOP.check(
        HazardStatus.RECTIFIED, "verify", other, (), {"rectify": {1}}
    ).target == (HazardStatus.VERIFIED)


def test_haz2_rectifying_is_the_mines_work_out_of_jurisdiction_nobody_acts() -> None:
    regulator = refused(
        HazardGrade.GENERAL, HazardStatus.RECTIFYING, "rectify", actor(Role.COUNTY_REGULATOR)
    )
    assert regulator.forbidden
    outside = refused(
        HazardGrade.GENERAL, HazardStatus.FIXES_COMPLETE, "start", actor(inside=False)
    )
    assert outside.forbidden and "管辖" in outside.message


def test_haz2_illegal_step_and_what_steps_need() -> None:
    wrong = refused(HazardGrade.GENERAL, HazardStatus.RECTIFYING, "close", actor())
    assert (wrong.field, wrong.forbidden) == ("step", False) and "整改中" in wrong.message
    reason = refused(HazardGrade.GENERAL, HazardStatus.RECTIFIED, "send_back", actor(MANAGER))
    assert (reason.field, reason.forbidden) == ("reason", False)
    evidence = refused(HazardGrade.GENERAL, HazardStatus.RECTIFYING, "rectify", actor())
    assert (evidence.field, evidence.forbidden) == ("evidence", False)


def test_haz2_buttons_are_the_open_steps_and_both_tables_share_names() -> None:
    names = [s.name for s in rules.GENERAL_LOOP.open_steps(HazardStatus.RECTIFIED, actor(MANAGER))]
    assert names == ["verify", "send_back"]
    assert rules.MAJOR_LOOP.open_steps(HazardStatus.RECTIFIED, actor(MANAGER)) == []
    general = [(s.name, s.label) for s in rules.GENERAL_LOOP.steps]
    assert general == [(s.name, s.label) for s in rules.MAJOR_LOOP.steps]
    assert rules.loop_for(HazardGrade.MAJOR) is rules.MAJOR_LOOP


def test_haz1_sources_by_party() -> None:
    assert rules.allowed_sources(Party.MINE) == [HazardSource.MINE_SELF_CHECK]
    assert rules.allowed_sources(Party.ENTERPRISE) == [HazardSource.ENTERPRISE_CHECK]
    assert rules.allowed_sources(Party.GOVERNMENT, inspectorate=True)[0] == (
        HazardSource.INSPECTORATE
    )
    assert set(rules.allowed_sources(Party.ADMIN)) == set(HazardSource.values)


def test_haz4_same_situation_within_12_months_is_repeat() -> None:
    new = fact(3, at(2026, 3, 31))
    inside = fact(1, at(2025, 4, 1))
    outside = fact(2, at(2025, 3, 30))
    result = rules.repeated_situation(new, [inside, outside])
    assert result is not None and result.evidence == [1] and cite("002:18") in result.basis
    other = fact(4, at(2026, 1, 1), situation_code="5(2)")
    assert rules.repeated_situation(new, [other, outside]) is None


def test_haz5_two_major_hazards_within_3_months_at_producing_mine() -> None:
    new = fact(2, at(2026, 5, 31), situation_code="8(1)")
    earlier = fact(1, at(2026, 2, 28))
    result = rules.closure_due(new, [earlier], "producing")
    assert result is not None and result.evidence == [1, 2] and cite("002:34") in result.basis
    assert rules.closure_due(new, [earlier], "trial") is not None  # 联合试运转 produces coal
    assert rules.closure_due(new, [earlier], "suspended") is None
    too_old = fact(1, at(2026, 2, 27))
    assert rules.closure_due(new, [too_old], "producing") is None


def test_haz6_closed_hazard_found_again_within_30_days() -> None:
    closed = fact(1, at(2026, 1, 5), status=HazardStatus.CLOSED, closed_at=at(2026, 1, 31))
    again = fact(2, at(2026, 3, 2))
    result = rules.fake_rectification(again, [closed])
    assert result is not None and cite("002:25") in result.basis
    assert rules.fake_rectification(fact(3, at(2026, 3, 3)), [closed]) is None
    general_closed = fact(
        4,
        at(2026, 1, 5),
        grade="general",
        situation_code=None,
        place="1201运输巷",
        profession="mining",
        status=HazardStatus.CLOSED,
        closed_at=at(2026, 1, 10),
    )
    general_again = fact(
        5,
        at(2026, 1, 20),
        grade="general",
        situation_code=None,
        place="1201运输巷",
        profession="mining",
    )
    assert rules.fake_rectification(general_again, [general_closed]) is not None


def test_enf5_penalty_policy() -> None:
    on = dt.date(2026, 6, 1)
    propose = rules.penalty_proposal
    assert propose(HazardSource.MINE_SELF_CHECK, "major", 3, False, on).kind == (
        ProposalKind.NO_PENALTY
    )
    assert propose(HazardSource.INSPECTORATE, "general", 0, False, on).kind == ProposalKind.EXEMPT
    assert propose(HazardSource.INSPECTORATE, "general", 2, False, on).kind == ProposalKind.PENALTY
    assert propose(HazardSource.INSPECTORATE, "major", 0, False, on).kind == ProposalKind.PENALTY
    assert propose(HazardSource.TIP_OFF, "general", 0, False, on).kind == (
        ProposalKind.HEAVIER_PENALTY
    )
    assert propose(HazardSource.MINE_SELF_CHECK, "major", 1, True, on).kind == (
        ProposalKind.HEAVIER_PENALTY
    )


def test_haz9_basic_condition_major_missed_by_county_inspectors() -> None:
    found = rules.TracingFacts(1, "14(1)", HazardGrade.MAJOR, at(2026, 8, 31), "province")
    checks = [
        rules.PriorCheck(1, at(2026, 2, 27), "county", ("张三",), label="2月检查"),
        rules.PriorCheck(1, at(2026, 3, 1), "county", ("李四", "王五"), label="3月检查"),
        rules.PriorCheck(1, at(2026, 5, 1), "county", ("赵六",), frozenset({"14(1)"})),
        rules.PriorCheck(2, at(2026, 5, 1), "county", ("钱七",)),
    ]
    result = rules.responsibility_tracing(found, checks, at(2026, 9, 1))
    assert result is not None
    assert result.inspectors == ["李四", "王五"] and result.checks == ["3月检查"]
    assert cite("002:9") in result.basis


def test_haz9_not_for_non_basic_or_same_level_findings() -> None:
    checks = [rules.PriorCheck(1, at(2026, 5, 1), "county", ("张三",))]
    not_basic = rules.TracingFacts(1, "4(1)", HazardGrade.MAJOR, at(2026, 8, 1), "province")
    assert rules.responsibility_tracing(not_basic, checks, at(2026, 8, 2)) is None
    same_level = rules.TracingFacts(1, "14(1)", HazardGrade.MAJOR, at(2026, 8, 1), "county")
    assert rules.responsibility_tracing(same_level, checks, at(2026, 8, 2)) is None
    general = rules.TracingFacts(1, "14(1)", HazardGrade.GENERAL, at(2026, 8, 1), "city")
    assert rules.responsibility_tracing(general, checks, at(2026, 8, 2)) is None


def test_haz2_undecided_suggestion_holds_verify_and_close_only() -> None:
    pending = [("8(8)", 0.62), ("5(2)", 0.99)]
    held = rules.suggestion_refusal("close", pending, grade_decided=False)
    assert held is not None and "第5(2)" in held.message and "0.99" in held.message
    assert "等2条" in held.message and "销号" in held.message
    verify = rules.suggestion_refusal("verify", pending, grade_decided=False)
    assert verify is not None and "验收" in verify.message
    assert rules.suggestion_refusal("rectify", pending, grade_decided=False) is None
    assert rules.suggestion_refusal("close", pending, grade_decided=True) is None
    assert rules.suggestion_refusal("close", [], grade_decided=False) is None


def test_haz2_the_rectifier_may_not_verify_send_back_or_close() -> None:
    took = {"rectify": {5}}
    me, other = Actor(5, Role.MINE_MANAGER, True), Actor(6, Role.MINE_MANAGER, True)
    for name, state, given in (
        ("verify", rules.RECTIFIED, ()),
        ("send_back", rules.RECTIFIED, ("reason",)),
        ("close", rules.VERIFIED, ()),
    ):
        with pytest.raises(Refusal) as own:
            rules.GENERAL_LOOP.check(state, name, me, given, took)
        assert own.value.forbidden
        assert rules.GENERAL_LOOP.check(state, name, other, given, took).name == name
