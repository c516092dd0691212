"""Pure self-inspection rules (HAZ-8), without the database."""

from __future__ import annotations

import datetime as dt

from minesafe.accounts.choices import Role
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


def test_haz8_only_the_mines_own_manager_signs_a_complete_editable_report() -> None:
    manager = Role.MINE_MANAGER
    assert rules.sign_problem(manager, True, S.DRAFT, True) is None
    assert rules.sign_problem(manager, True, S.RETURNED, True) is None
    assert rules.sign_problem(Role.MINE_SAFETY_OFFICER, True, S.DRAFT, True)
    assert rules.sign_problem(manager, False, S.DRAFT, True)
    assert rules.sign_problem(manager, True, S.DRAFT, False)
    assert rules.sign_problem(manager, True, S.ACCEPTED, True)


def test_haz8_regulator_reviews_signed_report_and_a_return_needs_reasons() -> None:
    reg = Role.COUNTY_REGULATOR
    assert rules.review_problem(reg, True, S.SIGNED, S.ACCEPTED, "") is None
    assert rules.review_problem(reg, True, S.SIGNED, S.RETURNED, "") == "退回时须填写退回原因"
    assert rules.review_problem(reg, True, S.SIGNED, S.RETURNED, "现状描述不写实") is None
    assert rules.review_problem(Role.INSPECTOR, True, S.SIGNED, S.ACCEPTED, "")
    assert rules.review_problem(reg, False, S.SIGNED, S.ACCEPTED, "")
    assert rules.review_problem(reg, True, S.DRAFT, S.ACCEPTED, "")


def test_haz8_transitions_follow_the_workflow() -> None:
    assert rules.transition_problem(S.DRAFT, S.SIGNED) is None
    assert rules.transition_problem(S.SIGNED, S.RETURNED) is None
    assert rules.transition_problem(S.RETURNED, S.SIGNED) is None
    assert rules.transition_problem(S.DRAFT, S.ACCEPTED)
    assert rules.transition_problem(S.ACCEPTED, S.RETURNED)


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
