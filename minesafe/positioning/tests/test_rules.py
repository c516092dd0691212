"""The positioning rules without the database (MON-5, PER-7): shifts, overtime, over-staffing,
leaders on shift, several cards, the three correspondences, snapshot thinning."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from minesafe.positioning import rules

CN = ZoneInfo("Asia/Shanghai")
POLICY = rules.policy(dt.date(2026, 11, 23))
THREE = rules.shift_starts("三八制", POLICY["shift_modes"], POLICY["default_shift_mode"])
FOUR = rules.shift_starts("四六制", POLICY["shift_modes"], POLICY["default_shift_mode"])


def at(h: int, m: int = 0, day: int = 23) -> dt.datetime:
    return dt.datetime(2026, 11, day, h, m, tzinfo=CN)


def test_policy_numbers_come_from_the_data_file() -> None:
    assert POLICY["overtime_s"] == 36000 and POLICY["stale_after_s"] > 0
    assert "AQ 1048" in POLICY["overtime_source"]


def test_shift_modes_and_unknown_mode_falls_back() -> None:
    assert [t.hour for t in THREE] == [0, 8, 16]
    assert [t.hour for t in FOUR] == [0, 6, 12, 18]
    assert rules.shift_starts("", POLICY["shift_modes"], "三八制") == THREE
    assert rules.shift_starts("五班制", POLICY["shift_modes"], "三八制") == THREE


def test_shift_at_and_across_midnight() -> None:
    s = rules.shift_at(at(9), THREE)
    assert (s.start, s.end, s.index) == (at(8), at(16), 1)
    night = rules.shift_at(at(23, 59), THREE)
    assert night.end == at(0, day=24) and night.index == 2
    assert rules.shift_at(at(0), THREE).start == at(0)


def test_descent_before_the_hour_belongs_to_the_next_shift() -> None:
    """PER-7: a crew going down at 07:40 for its shift meeting is the 08:00 shift."""
    s = rules.shift_of_descent(at(7, 40), THREE, POLICY["early_descent_s"])
    assert s.start == at(8)
    assert rules.shift_of_descent(at(6, 30), THREE, 3600).start == at(0)
    assert rules.shift_of_descent(at(23, 30, day=22), THREE, 3600).start == at(0)


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
       st.sampled_from(["三八制", "四六制"]))  # fmt: skip
def test_every_moment_lies_in_exactly_one_shift(naive: dt.datetime, mode: str) -> None:
    moment = naive.replace(tzinfo=CN)
    starts = rules.shift_starts(mode, POLICY["shift_modes"], "三八制")
    s = rules.shift_at(moment, starts, mode)
    assert s.start <= moment < s.end
    assert (s.end - s.start) == dt.timedelta(hours=24 // len(starts))
    assert 0 <= s.index < len(starts)


def test_overtime_is_strictly_longer_than_the_limit() -> None:
    """AQ 1048-2007 4.3.2 a) 超时."""
    assert not rules.is_overtime(at(0), at(10), 36000)
    assert rules.is_overtime(at(0), at(10, 1), 36000)
    assert not rules.is_overtime(None, at(10), 36000)


def test_over_limit_needs_a_declared_limit_and_data() -> None:
    """PER-7: count above approved; approved 0/None = no limit; no data is never over."""
    assert rules.is_over_limit(31, 30) and not rules.is_over_limit(30, 30)
    assert not rules.is_over_limit(5, 0) and not rules.is_over_limit(5, None)
    assert not rules.is_over_limit(None, 10)


def test_shift_without_a_leader_is_reported_after_the_grace() -> None:
    """带班下井 (煤矿安全生产条例 第二十三条): each shift that went down needs a leader."""
    descents = [(at(7, 50), False, "甲"), (at(7, 55), True, "矿长"), (at(15, 50), False, "乙")]
    early = rules.leaders_by_shift(descents, THREE, 3600, 3600, at(16, 30))
    assert [(s.shift.start, s.leaders, s.missing) for s in early] == [
        (at(8), ("矿长",), False),
        (at(16), (), False),  # within the grace: the leader may still go down
    ]
    late = rules.leaders_by_shift(descents, THREE, 3600, 3600, at(17, 1))
    assert late[-1].missing and late[-1].people == 1


def test_several_cards_by_identity() -> None:
    """MON-5 (002:69): one identity with two cards underground."""
    found = rules.several_cards([("c1", "ID1"), ("c2", "ID1"), ("c3", "ID2"), ("c4", "")])
    assert found == {"ID1": ["c1", "c2"]}


@given(st.lists(st.sampled_from(["王伟", "李强", "张磊", "赵军"]), max_size=12))
def test_identical_sources_agree(names: list[str]) -> None:
    result = rules.reconcile(names, names, len(names), names)
    assert result.agrees and not result.disagreements


@given(
    st.lists(st.sampled_from(["王伟", "李强", "张磊"]), max_size=8),
    st.lists(st.sampled_from(["王伟", "李强", "赵军"]), max_size=8),
)
def test_register_vs_positioning_disagreements_balance(reg: list[str], pos: list[str]) -> None:
    """Every person-level gap is counted: register − positioning and back, as multisets."""
    result = rules.reconcile(reg, None, None, pos)
    gaps = Counter((d.present_in, d.name) for d in result.disagreements)
    assert sum(n for (src, _), n in gaps.items() if src == rules.REGISTER) == sum(
        (Counter(reg) - Counter(pos)).values()
    )
    assert sum(n for (src, _), n in gaps.items() if src == rules.POSITIONING) == sum(
        (Counter(pos) - Counter(reg)).values()
    )
    assert result.display_count is None and not result.counts_agree


def test_reconcile_lists_who_is_missing_where() -> None:
    """三对应: names normalised (spaces, full-width); display compared by names when given."""
    result = rules.reconcile(["王 伟", "李强"], ["王伟", "赵军"], 2, ["王伟", "李强"])
    pairs = {(d.name, d.present_in, d.missing_from) for d in result.disagreements}
    assert ("赵军", "display", "positioning") in pairs
    assert ("李强", "positioning", "display") in pairs
    assert ("李强", "register", "display") in pairs
    assert result.counts_agree and not result.agrees
    count_only = rules.reconcile(["王伟"], None, 2, ["王伟"])
    assert not count_only.counts_agree and not count_only.disagreements
    assert rules.reconcile(["王伟"], None, 1, None).positioning_count is None


def test_snapshot_thinning_keeps_recent_then_one_per_slot() -> None:
    now = at(12)
    recent = [now - dt.timedelta(minutes=m) for m in range(0, 5)]
    old = [now - dt.timedelta(days=10, seconds=30 * k) for k in range(40)]
    ancient = [now - dt.timedelta(days=100)]
    keep = rules.snapshots_to_keep(recent + old + ancient, now, 7 * 86400, 600, 92 * 86400)
    assert set(recent) <= keep
    assert ancient[0] not in keep
    kept_old = sorted(t for t in keep if t in old)
    assert 2 <= len(kept_old) <= 3  # 20 minutes of 30-s snapshots → one per 10-min slot
