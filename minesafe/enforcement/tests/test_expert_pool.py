"""ENF-8: the expert pool selection excludes conflicts of interest and is reproducible."""

from __future__ import annotations

import datetime as dt

from minesafe.enforcement import rules
from minesafe.enforcement.rules import ExpertFacts

TODAY = dt.date(2026, 6, 15)
MINE, OPERATOR, GROUP, OTHER = 10, 20, 21, 99
CHAIN = (GROUP, OPERATOR)


def test_current_employee_of_the_mine_is_excluded() -> None:
    reason = rules.expert_conflict(
        ExpertFacts(1, "通风", employer_mine_id=MINE), MINE, CHAIN, TODAY
    )
    assert reason is not None and "现任职于被检查煤矿" in reason.text


def test_employee_of_the_operator_or_the_group_is_excluded() -> None:
    for ent in (OPERATOR, GROUP):
        expert = ExpertFacts(1, "通风", employer_enterprise_id=ent)
        reason = rules.expert_conflict(expert, MINE, CHAIN, TODAY)
        assert reason is not None and "主体企业" in reason.text


def test_unrelated_employer_is_eligible() -> None:
    expert = ExpertFacts(1, "通风", employer_mine_id=OTHER, employer_enterprise_id=OTHER)
    assert rules.expert_conflict(expert, MINE, CHAIN, TODAY) is None
    assert rules.expert_conflict(ExpertFacts(2, "通风"), MINE, CHAIN, TODAY) is None


def test_cooling_off_boundary_is_the_anniversary() -> None:
    """Left on 2023-06-15: still excluded on 2026-06-14, eligible on 2026-06-15 (3 years)."""
    expert = ExpertFacts(
        1, "通风", employer_enterprise_id=OPERATOR, employed_until=dt.date(2023, 6, 15)
    )
    before = rules.expert_conflict(expert, MINE, CHAIN, dt.date(2026, 6, 14))
    assert before is not None and "未满3年" in before.text
    assert rules.expert_conflict(expert, MINE, CHAIN, dt.date(2026, 6, 15)) is None


def _pool() -> list[ExpertFacts]:
    return [
        ExpertFacts(1, "通风", employer_mine_id=MINE),
        ExpertFacts(2, "通风", employer_enterprise_id=GROUP, employed_until=dt.date(2025, 1, 1)),
        ExpertFacts(3, "通风"),
        ExpertFacts(4, "通风", employer_enterprise_id=OTHER),
        ExpertFacts(5, "通风", employer_enterprise_id=OPERATOR, employed_until=dt.date(2020, 1, 1)),
        ExpertFacts(6, "地测"),
        ExpertFacts(7, "通风"),
        ExpertFacts(8, "通风"),
    ]


def test_selection_excludes_conflicts_and_other_specialties() -> None:
    result = rules.select_experts(_pool(), "通风", 10, "seed", MINE, CHAIN, TODAY)
    assert set(result.excluded) == {1, 2}
    assert result.eligible == [3, 4, 5, 7, 8]
    assert sorted(result.chosen) == [3, 4, 5, 7, 8]
    assert 6 not in result.chosen


def test_selection_is_random_but_reproducible() -> None:
    picks = {
        tuple(rules.select_experts(_pool(), "通风", 2, f"s{i}", MINE, CHAIN, TODAY).chosen)
        for i in range(30)
    }
    assert len(picks) > 1
    for pick in picks:
        assert len(pick) == 2 and set(pick) <= {3, 4, 5, 7, 8}
    again = rules.select_experts(list(reversed(_pool())), "通风", 2, "s0", MINE, CHAIN, TODAY)
    first = rules.select_experts(_pool(), "通风", 2, "s0", MINE, CHAIN, TODAY)
    assert again.chosen == first.chosen


def test_selection_with_no_eligible_expert_is_empty() -> None:
    pool = [ExpertFacts(1, "通风", employer_mine_id=MINE)]
    result = rules.select_experts(pool, "通风", 2, "x", MINE, CHAIN, TODAY)
    assert result.chosen == [] and set(result.excluded) == {1}
