"""Leaders' monthly underground 三违 checks (VIO-1, source 000:30), without the database: the
required posts each calendar month in Beijing time, at the month's boundaries."""

from __future__ import annotations

import datetime as dt

from minesafe.citations import cite
from minesafe.violations import rules
from minesafe.violations.choices import LeaderPost

PARAMS = rules.LeaderCheckParams(
    required_posts=(LeaderPost.ENTERPRISE_LEADER, LeaderPost.MINE_MANAGER),
    checks_per_month=1,
    mine_statuses=("producing",),
    source="test",
)
BOTH = [LeaderPost.ENTERPRISE_LEADER, LeaderPost.MINE_MANAGER]
BJ = dt.timezone(dt.timedelta(hours=8))


def check(post: str, at: dt.datetime, mine: int = 1) -> rules.Check:
    return rules.Check(mine, post, at)


def test_vio1_rule_is_data_with_its_official_source() -> None:
    params = rules.leader_check_params(dt.date(2026, 11, 1))
    assert params.required_posts == tuple(BOTH) and params.checks_per_month == 1
    assert {"producing", "trial", "construction"} == set(params.mine_statuses)
    assert cite("000:30") in params.source and "000:30" not in params.source


def test_vio1_no_check_misses_both_posts_and_one_post_is_not_enough() -> None:
    assert rules.missing_posts([], 1, "2026-11", PARAMS) == BOTH
    manager = [check(LeaderPost.MINE_MANAGER, dt.datetime(2026, 11, 15, 9, tzinfo=BJ))]
    assert rules.missing_posts(manager, 1, "2026-11", PARAMS) == [LeaderPost.ENTERPRISE_LEADER]
    other_mine = [check(LeaderPost.MINE_MANAGER, dt.datetime(2026, 11, 15, 9, tzinfo=BJ), 2)]
    assert rules.missing_posts(other_mine, 1, "2026-11", PARAMS) == BOTH


def test_vio1_first_and_last_local_day_count_for_their_month() -> None:
    first = check(LeaderPost.MINE_MANAGER, dt.datetime(2026, 11, 1, 0, 5, tzinfo=BJ))
    last = check(LeaderPost.ENTERPRISE_LEADER, dt.datetime(2026, 11, 30, 23, 55, tzinfo=BJ))
    assert rules.missing_posts([first, last], 1, "2026-11", PARAMS) == []
    assert rules.missing_posts([first, last], 1, "2026-10", PARAMS) == BOTH
    assert rules.missing_posts([first, last], 1, "2026-12", PARAMS) == BOTH


def test_vio1_23_30_utc_on_the_last_day_is_the_next_local_month() -> None:
    # 2026-10-31 23:30 UTC is 2026-11-01 07:30 in Beijing: it counts for November.
    late = check(LeaderPost.MINE_MANAGER, dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC))
    assert rules.check_month(late) == "2026-11"
    assert rules.missing_posts([late], 1, "2026-10", PARAMS) == BOTH
    assert rules.missing_posts([late], 1, "2026-11", PARAMS) == [LeaderPost.ENTERPRISE_LEADER]
    # 15:59 UTC on the last day is still 23:59 that day locally.
    edge = check(LeaderPost.MINE_MANAGER, dt.datetime(2026, 10, 31, 15, 59, tzinfo=dt.UTC))
    assert rules.check_month(edge) == "2026-10"
    # Year end: 2026-12-31 16:00 UTC is New Year's Day in Beijing.
    new_year = check(LeaderPost.MINE_MANAGER, dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC))
    assert rules.check_month(new_year) == "2027-01"


def test_vio1_two_checks_a_month_when_the_rule_asks_for_two() -> None:
    twice = rules.LeaderCheckParams(PARAMS.required_posts, 2, ("producing",), "test")
    one = [check(p, dt.datetime(2026, 11, 3, 9, tzinfo=BJ)) for p in BOTH]
    assert rules.missing_posts(one, 1, "2026-11", twice) == BOTH
    assert rules.missing_posts(one * 2, 1, "2026-11", twice) == []


def test_vio1_missed_lists_only_mines_that_missed_in_their_order() -> None:
    at = dt.datetime(2026, 11, 20, 10, tzinfo=BJ)
    checks = [check(p, at, 2) for p in BOTH] + [check(LeaderPost.MINE_MANAGER, at, 3)]
    missed = rules.missed_checks([3, 1, 2], checks, "2026-11", PARAMS)
    assert missed == [(3, [LeaderPost.ENTERPRISE_LEADER]), (1, BOTH)]


def test_vio1_missed_list_opens_on_the_last_complete_month() -> None:
    assert rules.default_missed_month(dt.date(2026, 12, 1)) == "2026-11"
    assert rules.default_missed_month(dt.date(2026, 12, 31)) == "2026-11"
    assert rules.default_missed_month(dt.date(2027, 1, 1)) == "2026-12"
