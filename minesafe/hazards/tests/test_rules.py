"""Pure rules of the hazard loop, without the database (HAZ-1, HAZ-2, HAZ-4/5/6/9, ENF-5)."""

from __future__ import annotations

import datetime as dt

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


def test_haz2_no_rectifying_without_five_fixes() -> None:
    error = rules.transition_error(
        "start", HazardStatus.REPORTED, "general", rules.MINE, missing_fixes=["整改资金"]
    )
    assert error is not None and "五落实未完成" in error and "整改资金" in error


def test_haz2_major_verified_by_regulator_general_by_mine() -> None:
    status = HazardStatus.RECTIFIED
    assert rules.transition_error("verify", status, HazardGrade.GENERAL, rules.MINE) is None
    refused = rules.transition_error("verify", status, HazardGrade.MAJOR, rules.MINE)
    assert refused == "重大事故隐患须由监管部门验收通过"
    assert rules.transition_error("verify", status, HazardGrade.MAJOR, rules.GOVERNMENT) is None
    assert rules.transition_error("verify", status, HazardGrade.GENERAL, rules.GOVERNMENT) is None
    assert rules.transition_error("verify", status, "general", rules.ENTERPRISE) is not None


def test_haz2_illegal_transition_message_and_send_back_needs_reason() -> None:
    error = rules.transition_error("close", HazardStatus.RECTIFYING, "general", rules.MINE)
    assert error == "当前状态为「整改中」，不能执行「销号」"
    assert "理由" in rules.transition_error(
        "send_back", HazardStatus.RECTIFIED, "general", rules.MINE
    )
    assert "整改情况" in rules.transition_error(
        "rectify", HazardStatus.RECTIFYING, "general", rules.MINE
    )


def test_haz4_same_situation_within_12_months_is_repeat() -> None:
    new = fact(3, at(2026, 3, 31))
    inside = fact(1, at(2025, 4, 1))
    outside = fact(2, at(2025, 3, 30))
    result = rules.repeated_situation(new, [inside, outside])
    assert result is not None and result.evidence == [1] and "002:18" in result.basis
    other = fact(4, at(2026, 1, 1), situation_code="5(2)")
    assert rules.repeated_situation(new, [other, outside]) is None


def test_haz5_two_major_hazards_within_3_months_at_producing_mine() -> None:
    new = fact(2, at(2026, 5, 31), situation_code="8(1)")
    earlier = fact(1, at(2026, 2, 28))
    result = rules.closure_due(new, [earlier], producing=True)
    assert result is not None and result.evidence == [1, 2] and "002:34" in result.basis
    assert rules.closure_due(new, [earlier], producing=False) is None
    too_old = fact(1, at(2026, 2, 27))
    assert rules.closure_due(new, [too_old], producing=True) is None


def test_haz6_closed_hazard_found_again_within_30_days() -> None:
    closed = fact(1, at(2026, 1, 5), status=HazardStatus.CLOSED, closed_at=at(2026, 1, 31))
    again = fact(2, at(2026, 3, 2))
    result = rules.fake_rectification(again, [closed])
    assert result is not None and "002:25" in result.basis
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
    assert "002:9" in result.basis


def test_haz9_not_for_non_basic_or_same_level_findings() -> None:
    checks = [rules.PriorCheck(1, at(2026, 5, 1), "county", ("张三",))]
    not_basic = rules.TracingFacts(1, "4(1)", HazardGrade.MAJOR, at(2026, 8, 1), "province")
    assert rules.responsibility_tracing(not_basic, checks, at(2026, 8, 2)) is None
    same_level = rules.TracingFacts(1, "14(1)", HazardGrade.MAJOR, at(2026, 8, 1), "county")
    assert rules.responsibility_tracing(same_level, checks, at(2026, 8, 2)) is None
    general = rules.TracingFacts(1, "14(1)", HazardGrade.GENERAL, at(2026, 8, 1), "city")
    assert rules.responsibility_tracing(general, checks, at(2026, 8, 2)) is None
