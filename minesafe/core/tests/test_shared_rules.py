"""The rules the hazard loop and enforcement share (HAZ-5, ENF-5, ENF-6), without the database:
one definition, its boundaries, and the same answer from both areas for the same facts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from minesafe.citations import cite
from minesafe.core import rules
from minesafe.enforcement import rules as enforcement
from minesafe.enforcement.choices import Consequence
from minesafe.enforcement.rules import FindingFacts
from minesafe.hazards import rules as hazards
from minesafe.hazards.choices import HazardSource, ProposalKind
from minesafe.localtime import LOCAL
from minesafe.registry.choices import MineStatus


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=LOCAL)


def _hazard(i: int, day: dt.date, grade: str = "major") -> hazards.HazardFact:
    return hazards.HazardFact(id=i, mine_id=1, found_at=_at(day), grade=grade)


def _enforcement_closure(earlier: list[dt.date], today: dt.date, status: str) -> bool:
    finding = FindingFacts("major_hazard", major=True)
    proposal = enforcement.propose_decision(
        [finding], status=status, earlier_major_dates=earlier, on=today
    )
    return Consequence.CLOSURE_PROPOSAL in proposal.consequences


def _hazards_closure(earlier: list[dt.date], today: dt.date, status: str) -> bool:
    history = [_hazard(i, d) for i, d in enumerate(earlier, start=10)]
    return hazards.closure_due(_hazard(1, today), history, status) is not None


# --- HAZ-5 / ENF-6: repeated major hazards within 3 calendar months --------------------------


@pytest.mark.parametrize(
    ("today", "first_day"),
    [
        (dt.date(2026, 5, 31), dt.date(2026, 2, 28)),  # clamped to February's last day
        (dt.date(2028, 5, 31), dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 3, 15), dt.date(2025, 12, 15)),  # across the year
        (dt.date(2026, 7, 1), dt.date(2026, 4, 1)),
    ],
)
def test_window_is_three_calendar_months_that_day_included(
    today: dt.date, first_day: dt.date
) -> None:
    assert rules.repeat_window_start(today) == first_day
    assert rules.in_repeat_window(first_day, today)
    assert not rules.in_repeat_window(first_day - dt.timedelta(days=1), today)
    for area in (_enforcement_closure, _hazards_closure):
        assert area([first_day], today, "producing"), area.__name__
        assert not area([first_day - dt.timedelta(days=1)], today, "producing"), area.__name__


def test_three_calendar_months_is_not_ninety_days() -> None:
    """Across February the two differ: 2026-05-31 minus 90 days is 2026-03-02, but 3 months back
    is 2026-02-28, so a major hazard found on 2026-03-01 (91 days earlier) still counts; in
    summer 3 months are 92 days, so one found 91 days earlier counts too."""
    today = dt.date(2026, 5, 31)
    earlier = dt.date(2026, 3, 1)
    assert (today - earlier).days == 91
    assert _enforcement_closure([earlier], today, "producing")
    assert _hazards_closure([earlier], today, "producing")
    summer = dt.date(2026, 8, 31)
    assert _enforcement_closure([dt.date(2026, 6, 1)], summer, "producing")  # 91 days earlier


def test_trial_production_counts_as_producing_and_stopped_mines_do_not() -> None:
    assert rules.counts_as_producing(MineStatus.PRODUCING)
    assert rules.counts_as_producing(MineStatus.TRIAL)  # 联合试运转 extracts coal
    today, earlier = dt.date(2026, 6, 10), [dt.date(2026, 5, 1)]
    for status in MineStatus.values:
        expected = status in {MineStatus.PRODUCING, MineStatus.TRIAL}
        assert rules.counts_as_producing(status) == expected, status
        assert _enforcement_closure(earlier, today, status) == expected, status
        assert _hazards_closure(earlier, today, status) == expected, status


def test_closure_needs_two_findings_and_this_one_major() -> None:
    today = dt.date(2026, 6, 10)
    assert not rules.repeat_major([], today, found_major=True, status="producing").due
    earlier = [dt.date(2026, 6, 1), dt.date(2026, 5, 1)]
    assert not rules.repeat_major(earlier, today, found_major=False, status="producing").due
    result = rules.repeat_major(earlier, today, found_major=True, status="producing")
    assert result.due and result.count == 3 and result.window_months == 3
    assert cite("002:34") in result.basis
    later = [dt.date(2026, 6, 11)]  # after the day judged: not in the window
    assert not rules.repeat_major(later, today, found_major=True, status="producing").due


def test_both_areas_answer_alike_for_the_same_facts() -> None:
    today = dt.date(2026, 5, 31)
    days = [
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 2),
        dt.date(2026, 5, 30),
    ]
    for status in (MineStatus.PRODUCING, MineStatus.TRIAL, MineStatus.SUSPENDED):
        for n in range(3):
            for earlier in itertools.combinations(days, n):
                shared = rules.repeat_major(earlier, today, found_major=True, status=status).due
                assert _enforcement_closure(list(earlier), today, status) == shared
                assert _hazards_closure(list(earlier), today, status) == shared


# --- ENF-5: the penalty policy ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        (rules.PenaltyFacts(major=True, self_reported=True), rules.NOT_PENALISED),
        (rules.PenaltyFacts(major=False, self_reported=True), rules.NOT_PENALISED),
        (rules.PenaltyFacts(major=True), rules.PENALISE),
        (rules.PenaltyFacts(major=True, first_offence=True), rules.PENALISE),
        (rules.PenaltyFacts(first_offence=True), rules.EXEMPT),
        (rules.PenaltyFacts(), rules.PENALISE),
        (rules.PenaltyFacts(major=True, self_reported=True, repeated=True), rules.HEAVIER),
        (rules.PenaltyFacts(self_reported=True, first_offence=True, repeated=True), rules.HEAVIER),
        (rules.PenaltyFacts(first_offence=True, tip_off_verified=True), rules.HEAVIER),
    ],
)
def test_enf5_penalty_policy_rows(facts: rules.PenaltyFacts, outcome: str) -> None:
    assert rules.penalty_policy(facts, dt.date(2026, 6, 1)).outcome == outcome


def test_enf5_self_reported_major_hazard_not_penalised_in_either_area() -> None:
    """自查上报不罚 (000:37, 001:18) names no grade: the defect was enforcement penalising a major
    hazard the mine found and reported itself while the hazard loop proposed none."""
    on = dt.date(2026, 6, 1)
    finding = FindingFacts("major_hazard", major=True, self_reported=True)
    assert enforcement.penalty_outcome(finding, on)[0] == rules.NOT_PENALISED
    hazard = hazards.penalty_proposal(HazardSource.MINE_SELF_CHECK, "major", 3, False, on)
    assert hazard.kind == ProposalKind.NO_PENALTY
    assert cite("000:37") in hazard.basis


_KINDS = {
    rules.NOT_PENALISED: ProposalKind.NO_PENALTY,
    rules.EXEMPT: ProposalKind.EXEMPT,
    rules.PENALISE: ProposalKind.PENALTY,
    rules.HEAVIER: ProposalKind.HEAVIER_PENALTY,
}


@pytest.mark.parametrize(
    "source",
    [
        HazardSource.MINE_SELF_CHECK,
        HazardSource.INSPECTORATE,
        HazardSource.TIP_OFF,
        HazardSource.REGULATOR_INSPECTION,
    ],
)
@pytest.mark.parametrize("grade", ["major", "general"])
@pytest.mark.parametrize("prior", [0, 2])
@pytest.mark.parametrize("repeated", [False, True])
def test_enf5_both_areas_give_the_same_outcome_for_the_same_facts(
    source: str, grade: str, prior: int, repeated: bool
) -> None:
    on = dt.date(2026, 6, 1)
    hazard = hazards.penalty_proposal(source, grade, prior, repeated, on)
    finding = FindingFacts(
        "major_hazard" if grade == "major" else "general_hazard",
        major=grade == "major",
        self_reported=source == HazardSource.MINE_SELF_CHECK,
        first_offence=prior == 0,
        tip_off_verified=source == HazardSource.TIP_OFF,
        repeated=repeated,
    )
    outcome, _ = enforcement.penalty_outcome(finding, on)
    assert _KINDS[outcome] == hazard.kind


def test_shared_data_names_known_statuses_consequences_and_sources() -> None:
    from minesafe.ruledata import load_rule_set

    for edition in load_rule_set("minesafe.core", "sanctions")["editions"]:
        assert set(edition["producing_statuses"]) <= set(MineStatus.values)
        assert set(edition["repeat_major"]["consequences"]) <= set(Consequence.values)
        sources = edition["self_reported_sources"] + edition["tip_off_sources"]
        assert set(sources) <= set(HazardSource.values)
        outcomes = {row["outcome"] for row in edition["penalty_policy"]}
        assert outcomes <= set(_KINDS) and edition["penalty_policy"][-1]["when"] == {}
        for row in edition["penalty_policy"]:
            assert row["source"] and row["text"] and ":" not in row["source"], row["id"]
