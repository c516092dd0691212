"""Pure self-inspection rules (HAZ-8), without the database."""

from __future__ import annotations

import datetime as dt

from minesafe.accounts.choices import Role
from minesafe.core.workflow import Actor, Refusal
from minesafe.selfinspection import rules
from minesafe.selfinspection.choices import AnswerResult as R
from minesafe.selfinspection.choices import ReportStatus as S


def test_haz8_hazard_and_not_applicable_answers_need_a_written_finding() -> None:
    assert rules.answer_problem(R.COMPLIANT, "") is None
    assert "现状描述" in (rules.answer_problem(R.HAZARD, "  ") or "")
    assert "现状描述" in (rules.answer_problem(R.NOT_APPLICABLE, "") or "")
    assert rules.answer_problem(R.HAZARD, "回风巷风门未闭锁") is None
    assert rules.answer_problem("maybe", "x") == "请选择检查结果"


def test_haz8_report_complete_only_when_every_item_has_a_valid_answer() -> None:
    answers = {1: (R.COMPLIANT, ""), 2: (R.HAZARD, "")}
    partial = rules.completeness([1, 2, 3], answers)
    assert (partial.answered, partial.missing, partial.invalid) == (1, (3,), (2,))
    assert not partial.complete
    answers = {1: (R.COMPLIANT, ""), 2: (R.HAZARD, "漏风"), 3: (R.NOT_APPLICABLE, "无此系统")}
    full = rules.completeness([1, 2, 3], answers)
    assert full.complete and full.hazards == 1 and full.percent == 100
    assert not rules.completeness([], {}).complete


def _check(state: str, step: str, role: str, *, given=(), mine=True, jurisdiction=True) -> str:
    """The table's answer: "" when the step may be taken, else the refusal's field."""
    actor = Actor(7, role, in_jurisdiction=jurisdiction, own_mine=mine)
    try:
        rules.REPORT_WORKFLOW.check(state, step, actor, given)
    except Refusal as refusal:
        return ("403 " if refusal.forbidden else "") + refusal.field
    return ""


def test_haz8_only_the_mines_own_manager_signs_an_editable_report() -> None:
    manager, signed = Role.MINE_MANAGER, {"signature"}
    assert _check(S.DRAFT, "sign", manager, given=signed) == ""
    assert _check(S.RETURNED, "sign", manager, given=signed) == ""
    assert _check(S.DRAFT, "sign", Role.MINE_SAFETY_OFFICER, given=signed) == "403 step"
    assert _check(S.DRAFT, "sign", manager, given=signed, mine=False) == "403 step"
    assert _check(S.DRAFT, "sign", manager) == "signature"
    assert _check(S.ACCEPTED, "sign", manager, given=signed) == "step"


def test_haz8_a_regulator_of_the_mine_reviews_a_signed_report_and_a_return_needs_reasons() -> None:
    reg = Role.COUNTY_REGULATOR
    assert _check(S.SIGNED, "accept", reg, mine=False) == ""
    assert _check(S.SIGNED, "return", reg, mine=False) == "reason"
    assert _check(S.SIGNED, "return", reg, given={"reason"}, mine=False) == ""
    assert _check(S.SIGNED, "accept", Role.INSPECTOR) == "403 step"
    assert _check(S.SIGNED, "accept", reg, jurisdiction=False) == "403 step"
    assert _check(S.DRAFT, "accept", reg) == "step"
    assert _check(S.SIGNED, "approve", reg) == "step"  # no such step


def test_haz8_report_overdue_after_deadline_until_signed() -> None:
    deadline = dt.date(2026, 6, 30)
    assert not rules.is_overdue(S.DRAFT, deadline, dt.date(2026, 6, 30))
    assert rules.is_overdue(S.DRAFT, deadline, dt.date(2026, 7, 1))
    assert rules.is_overdue(S.RETURNED, deadline, dt.date(2026, 7, 1))
    assert not rules.is_overdue(S.SIGNED, deadline, dt.date(2026, 7, 1))


def test_haz8_half_yearly_frequency_across_month_ends() -> None:
    assert rules.frequency_months(dt.date(2026, 1, 1)) == 6
    assert rules.months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert rules.months_before(dt.date(2026, 3, 31), 6) == dt.date(2025, 9, 30)
    today = dt.date(2026, 11, 22)
    assert rules.lacks_recent_inspection(None, today)
    assert not rules.lacks_recent_inspection(dt.date(2026, 5, 22), today)
    assert rules.lacks_recent_inspection(dt.date(2026, 5, 21), today)
