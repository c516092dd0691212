"""ENF-9: the monthly and quarterly analysis reports are due by the 5th of the next month
(003: 每月 5 日前), the 5th included, in local (Asia/Shanghai) dates."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.enforcement import rules
from minesafe.localtime import local_date


def test_monthly_due_on_the_5th_of_the_next_month() -> None:
    assert rules.report_due(rules.MONTHLY, 2026, 3) == dt.date(2026, 4, 5)
    assert rules.report_due(rules.MONTHLY, 2026, 12) == dt.date(2027, 1, 5)


def test_quarterly_due_on_the_5th_after_the_quarter() -> None:
    assert rules.report_due(rules.QUARTERLY, 2026, 1) == dt.date(2026, 4, 5)
    assert rules.report_due(rules.QUARTERLY, 2026, 4) == dt.date(2027, 1, 5)


@pytest.mark.parametrize("period,number", [("monthly", 0), ("monthly", 13), ("quarterly", 5)])
def test_bad_period_is_refused(period: str, number: int) -> None:
    with pytest.raises(ValueError):
        rules.report_due(period, 2026, number)


def test_the_5th_is_on_time_and_the_6th_late() -> None:
    due = dt.date(2026, 4, 5)
    assert rules.report_state(due, dt.date(2026, 4, 5), dt.date(2026, 4, 20)) == "on_time"
    assert rules.report_state(due, dt.date(2026, 4, 6), dt.date(2026, 4, 20)) == "late"


def test_missing_only_after_the_due_date() -> None:
    due = dt.date(2026, 4, 5)
    assert rules.report_state(due, None, dt.date(2026, 4, 5)) == "pending"
    assert rules.report_state(due, None, dt.date(2026, 4, 6)) == "missing"


def test_23_30_utc_on_the_5th_is_the_6th_in_beijing_hence_late() -> None:
    due = rules.report_due(rules.MONTHLY, 2026, 3)
    filed = dt.datetime(2026, 4, 5, 23, 30, tzinfo=dt.UTC)
    assert local_date(filed) == dt.date(2026, 4, 6)
    assert rules.report_state(due, local_date(filed), dt.date(2026, 4, 20)) == "late"
    earlier = dt.datetime(2026, 4, 5, 15, 59, tzinfo=dt.UTC)  # 23:59 in Beijing
    assert rules.report_state(due, local_date(earlier), dt.date(2026, 4, 20)) == "on_time"


def test_who_owes_which_report() -> None:
    kinds, levels = rules.report_reporters(rules.QUARTERLY, dt.date(2026, 1, 1))
    assert levels == {"province"} and "inspectorate" in kinds
    kinds, levels = rules.report_reporters(rules.MONTHLY, dt.date(2026, 1, 1))
    assert "county" in levels
