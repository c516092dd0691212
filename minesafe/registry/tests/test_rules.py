"""The register's rules as pure functions (REG-2, -3, -4, -7, -8, ACC-2); no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minesafe.citations import cite
from minesafe.registry import rules
from minesafe.registry.rules import ClassFactors
from minesafe.ruledata import RuleDataError, edition_in_force

TODAY = dt.date(2026, 11, 22)


def approval(**overrides: object) -> rules.ApprovalResult:
    facts: dict[str, object] = {
        "kind": "new",
        "capacity": 150.0,
        "depth": 800.0,
        "gas_grade": "low",
        "rock_burst": False,
        "hydro_type": "medium",
        "size": "large",
    }
    facts.update(overrides)
    return rules.project_approval(**facts)  # type: ignore[arg-type]


def test_reg8_a_large_low_gas_mine_of_150_is_allowed() -> None:
    assert approval().allowed is True
    assert approval().reasons == []


def test_reg8_below_120_is_refused_citing_002_55() -> None:
    result = approval(capacity=100.0)
    assert result.allowed is False
    assert [(r.rule, r.source, r.id) for r in result.reasons] == [
        ("REG-8", cite("002:55"), "min_capacity_general")
    ]


def test_reg8_outburst_above_500_and_high_gas_above_800_refused() -> None:
    assert [r.id for r in approval(gas_grade="outburst", capacity=600.0).reasons] == [
        "max_capacity_outburst"
    ]
    assert approval(gas_grade="outburst", capacity=500.0).allowed
    assert [r.id for r in approval(gas_grade="high", capacity=900.0).reasons] == [
        "max_capacity_high_gas"
    ]
    assert [r.id for r in approval(rock_burst=True, capacity=810.0).reasons] == [
        "max_capacity_rock_burst"
    ]


def test_reg8_depth_limits_depend_on_kind_and_size() -> None:
    assert approval(depth=1000.0).allowed
    assert [r.id for r in approval(depth=1001.0).reasons] == ["max_depth_new_large_medium"]
    assert approval(kind="expansion", depth=1200.0).allowed
    assert not approval(kind="expansion", depth=1201.0).allowed
    assert [r.id for r in approval(size="small", depth=601.0).reasons] == ["max_depth_other"]


def test_reg8_every_refusing_rule_is_listed_at_once() -> None:
    result = approval(capacity=60.0, gas_grade="outburst", size="small", depth=700.0)
    assert {r.id for r in result.reasons} == {
        "min_capacity_general",
        "min_capacity_severe_disaster",
        "max_depth_other",
    }


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss", "grade", "by"),
    [
        (0, 0, 0, "ordinary", ["deaths", "serious_injuries", "direct_loss"]),
        (2, 9, 999.99, "ordinary", ["deaths", "serious_injuries", "direct_loss"]),
        (3, 0, 0, "serious", ["deaths"]),
        (0, 10, 0, "serious", ["serious_injuries"]),
        (0, 0, 1000, "serious", ["direct_loss"]),
        (9, 49, 4999, "serious", ["deaths", "serious_injuries", "direct_loss"]),
        (10, 0, 0, "major", ["deaths"]),
        (1, 50, 0, "major", ["serious_injuries"]),
        (29, 0, 5000, "major", ["deaths", "direct_loss"]),
        (30, 0, 0, "especially_major", ["deaths"]),
        (0, 100, 0, "especially_major", ["serious_injuries"]),
        (0, 0, 10000, "especially_major", ["direct_loss"]),
    ],
)
def test_acc2_grade_boundaries_include_the_lower_number(
    deaths: int, injuries: int, loss: float, grade: str, by: list[str]
) -> None:
    result = rules.accident_grade(deaths=deaths, serious_injuries=injuries, direct_loss=loss)
    assert (result.grade, result.by) == (grade, by)


@given(st.integers(0, 200), st.integers(0, 300), st.floats(0, 50000, allow_nan=False))
def test_acc2_more_harm_never_gives_a_lower_grade(deaths: int, injuries: int, loss: float) -> None:
    order = ["ordinary", "serious", "major", "especially_major"]
    low = rules.accident_grade(deaths=deaths, serious_injuries=injuries, direct_loss=loss)
    high = rules.accident_grade(deaths=deaths + 1, serious_injuries=injuries, direct_loss=loss)
    assert order.index(high.grade) >= order.index(low.grade)


def test_acc2_negative_numbers_are_refused() -> None:
    with pytest.raises(ValueError):
        rules.accident_grade(deaths=-1, serious_injuries=0, direct_loss=0)


def test_reg2_highest_appraisal_wins() -> None:
    assert rules.highest_grade("gas", ["low", "outburst", "high"]) == "outburst"
    assert rules.highest_grade("hydro", ["medium", "simple"]) == "medium"
    assert rules.highest_grade("rock_burst", ["no", "yes"]) == "yes"
    assert rules.highest_grade("gas", []) is None
    assert rules.highest_grade("gas", ["unknown"]) is None


@pytest.mark.parametrize(
    ("days", "warning"),
    [
        (200, "ok"),
        (91, "ok"),
        (90, "90"),
        (31, "90"),
        (30, "30"),
        (1, "30"),
        (0, "30"),
        (-1, "expired"),
        (-5, "expired"),
    ],
)
def test_reg3_licence_warning_levels_90_30_0(days: int, warning: str) -> None:
    assert rules.licence_warning(TODAY + dt.timedelta(days=days), TODAY) == warning


def test_reg4_a_safe_standardised_mine_is_class_a() -> None:
    result = rules.supervision_class(ClassFactors(standardization_grade="1"))
    assert result.supervision_class == "A"
    assert result.score == -2
    assert result.forced_by == []


def test_reg4_disasters_raise_the_class_through_points() -> None:
    result = rules.supervision_class(
        ClassFactors(gas_grade="high", hydro_type="complex", standardization_grade="2")
    )
    assert (result.supervision_class, result.score) == ("B", 4)
    worse = rules.supervision_class(
        ClassFactors(
            gas_grade="outburst",
            hydro_type="complex",
            standardization_grade="2",
            status="suspended",
        )
    )
    assert (worse.supervision_class, worse.score) == ("C", 9)


def test_reg4_an_accident_or_two_major_hazards_force_class_c() -> None:
    accident = rules.supervision_class(ClassFactors(standardization_grade="1", accidents_12m=1))
    assert accident.supervision_class == "C"
    assert [r.id for r in accident.forced_by] == ["fatal_accident"]
    hazards = rules.supervision_class(ClassFactors(standardization_grade="1", major_hazards_12m=2))
    assert [r.id for r in hazards.forced_by] == ["two_major_hazards"]


def test_reg4_factors_explain_the_score() -> None:
    result = rules.supervision_class(ClassFactors(management_changes_12m=3))
    assert sum(f.points for f in result.factors) == result.score
    assert {f.name: f.points for f in result.factors}["management_changes_12m"] == 2


def test_reg7_resumption_needs_an_acceptance_document() -> None:
    assert not rules.resumption_allowed("suspended", "producing", "")
    assert rules.resumption_allowed("suspended", "producing", "复产验收〔2026〕3号")
    assert rules.resumption_allowed("producing", "suspended", "")


def test_rule_sets_are_judged_by_the_edition_in_force() -> None:
    assert edition_in_force("minesafe.registry", "accident_grades", TODAY)["edition"] == "2007"
    with pytest.raises(RuleDataError):
        edition_in_force("minesafe.registry", "accident_grades", dt.date(2000, 1, 1))


def test_reg3_licence_is_valid_through_its_end_date_inclusive() -> None:
    assert rules.licence_valid(TODAY, TODAY)
    assert not rules.licence_valid(TODAY - dt.timedelta(days=1), TODAY)
    assert rules.licence_warning(TODAY, TODAY) != "expired"


VALID = TODAY + dt.timedelta(days=400)


def test_reg3_producing_mine_needs_mining_and_safety_licences() -> None:
    both = [("mining", VALID), ("safety_production", VALID)]
    assert rules.missing_licences("producing", both, TODAY) == []
    assert rules.missing_licences("producing", [("mining", VALID)], TODAY) == ["safety_production"]
    assert rules.missing_licences("producing", [], TODAY) == ["mining", "safety_production"]


def test_reg3_trial_production_needs_the_mining_licence_before_the_safety_licence() -> None:
    assert rules.missing_licences("trial", [("mining", VALID)], TODAY) == []
    assert rules.missing_licences("trial", [("safety_production", VALID)], TODAY) == ["mining"]


def test_reg3_licence_expiring_today_still_counts_the_day_after_not() -> None:
    held = [("mining", TODAY), ("safety_production", VALID)]
    assert rules.missing_licences("producing", held, TODAY) == []
    assert rules.missing_licences("producing", held, TODAY + dt.timedelta(days=1)) == ["mining"]


def test_reg3_an_expired_licence_is_covered_by_a_renewed_one() -> None:
    held = [
        ("mining", TODAY - dt.timedelta(days=3)),
        ("mining", VALID),
        ("safety_production", VALID),
    ]
    assert rules.missing_licences("producing", held, TODAY) == []


def test_reg3_business_licence_alone_does_not_count() -> None:
    held = [("business", VALID), ("safety_production", VALID)]
    assert rules.missing_licences("producing", held, TODAY) == ["mining"]


@pytest.mark.parametrize("status", ["construction", "suspended", "long_stopped", "closed"])
def test_reg3_mine_not_producing_is_never_flagged(status: str) -> None:
    assert rules.missing_licences(status, [], TODAY) == []


def test_reg2_grade_matching_the_highest_appraisal_is_no_override() -> None:
    current = {"gas_grade": "high", "rock_burst": True, "hydro_type": "simple"}
    appraisals = {"gas": ["low", "high"], "rock_burst": ["no", "yes"]}
    assert rules.grade_overrides(current, appraisals) == []


def test_reg2_grade_below_the_highest_appraisal_is_an_override() -> None:
    current = {"gas_grade": "low", "rock_burst": False}
    appraisals = {"gas": ["high", "low"], "rock_burst": ["yes"]}
    assert rules.grade_overrides(current, appraisals) == ["gas_grade", "rock_burst"]


def test_reg2_grade_without_any_appraisal_is_never_an_override() -> None:
    current = {"gas_grade": "low", "hydro_type": "extreme"}
    assert rules.grade_overrides(current, {"gas": ["low"]}) == []
