"""Pure 三违 rules (VIO-1), without the database."""

from __future__ import annotations

import datetime as dt

from minesafe.citations import cite
from minesafe.violations import rules
from minesafe.violations.choices import Severity, ViolationKind

TODAY = dt.date(2026, 11, 22)
PARAMS = rules.RepeatParams(min_count=3, window_days=90, serious_counts_as=2, source="test")


def act(name: str, days_ago: int, severity: str = Severity.GENERAL, mine: int = 1, pk: int = 0):
    return rules.Act(
        mine, name, "综采一队", ViolationKind.OPERATION, severity,
        TODAY - dt.timedelta(days=days_ago), pk,
    )  # fmt: skip


def test_vio1_repeat_offender_needs_three_acts_within_the_window() -> None:
    acts = [act("张三", 1), act("张三", 30), act("张三", 89), act("李四", 1), act("李四", 2)]
    offenders = rules.repeat_offenders(acts, TODAY, PARAMS)
    assert [(o.person_name, o.count) for o in offenders] == [("张三", 3)]
    late = [act("张三", 1), act("张三", 30), act("张三", 90)]  # day 90 is outside
    assert rules.repeat_offenders(late, TODAY, PARAMS) == []


def test_vio1_serious_act_weighs_double_and_people_are_per_mine() -> None:
    acts = [act("王五", 3, Severity.SERIOUS), act("王五", 5), act("王五", 7, mine=2)]
    [offender] = rules.repeat_offenders(acts, TODAY, PARAMS)
    assert (offender.mine_id, offender.weight, offender.serious) == (1, 3, 1)


def test_vio1_threshold_is_data_with_its_source() -> None:
    params = rules.repeat_params(TODAY)
    assert params.min_count >= 2 and params.window_days > 0 and cite("000:30") in params.source


def test_vio1_monthly_counts_over_a_year_end() -> None:
    months = rules.last_months(dt.date(2026, 1, 15), 3)
    assert months == ["2025-11", "2025-12", "2026-01"]
    acts = [
        rules.Act(1, "a", "t", ViolationKind.COMMAND, "general", dt.date(2025, 12, 31)),
        rules.Act(1, "b", "t", ViolationKind.COMMAND, "general", dt.date(2026, 1, 1)),
        rules.Act(1, "c", "t", ViolationKind.DISCIPLINE, "general", dt.date(2026, 1, 31)),
        rules.Act(1, "d", "t", ViolationKind.DISCIPLINE, "general", dt.date(2025, 10, 31)),
    ]
    table = rules.monthly_counts(acts, months, lambda a: a.kind)
    assert table == {ViolationKind.COMMAND: [0, 1, 1], ViolationKind.DISCIPLINE: [0, 0, 1]}
    assert rules.month_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert rules.month_bounds("2025-12")[1] == dt.date(2025, 12, 31)


def test_vio1_notification_lists_serious_cases_first_then_newest() -> None:
    acts = [act("a", 5, pk=1), act("b", 1, pk=2), act("c", 9, Severity.SERIOUS, pk=3)]
    assert [a.pk for a in sorted(acts, key=rules.notification_order)] == [3, 2, 1]
    assert rules.top(acts, lambda a: a.team) == [("综采一队", 3)]
