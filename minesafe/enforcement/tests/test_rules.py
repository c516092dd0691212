"""The enforcement rules as pure functions, without the database (ENF-1, ENF-2, ENF-5, ENF-6,
ENF-7, PER-8, PER-9)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minesafe.core.roles import Role
from minesafe.core.workflow import Actor, Refusal
from minesafe.enforcement import rules
from minesafe.enforcement.choices import Consequence, FindingKind
from minesafe.enforcement.rules import FindingFacts, PlanFacts
from minesafe.ruledata import load_rule_set

ON = dt.date(2026, 11, 22)


def _propose(*findings: FindingFacts, producing: bool = True, majors: int = 0) -> rules.Proposal:
    """``majors`` counts the checks that found a major hazard, this one included."""
    earlier = [ON - dt.timedelta(days=10)] * max(majors - 1, 0)
    status = "producing" if producing else "suspended"
    return rules.propose_decision(findings, status=status, earlier_major_dates=earlier, on=ON)


def test_enf1_class_c_planned_more_often_than_b_and_a() -> None:
    counts = {c: rules.plan_checks(PlanFacts(c, "producing"), ON).checks for c in "ABC"}
    assert counts["A"] < counts["B"] < counts["C"]


def test_enf1_private_accident_and_management_changes_add_checks() -> None:
    base = rules.plan_checks(PlanFacts("B", "producing"), ON)
    risky = rules.plan_checks(
        PlanFacts("B", "producing", private=True, accidents_12m=1, management_changes_12m=3), ON
    )
    assert risky.checks == base.checks + 6
    assert {r.source for r in risky.reasons} >= {"晋安办发〔2024〕34号第19项"}


def test_enf10_closed_mine_gets_a_surprise_check_every_quarter() -> None:
    advice = rules.plan_checks(PlanFacts("A", "closed"), ON)
    assert advice.surprise and advice.checks >= 4
    months = rules.spread_months(advice.checks)
    quarters = {(m - 1) // 3 for m in months}
    assert quarters == {0, 1, 2, 3}
    assert advice.reasons[0].source == "003"


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=50))
def test_enf1_spread_months_gives_distinct_valid_months(checks: int, offset: int) -> None:
    months = rules.spread_months(checks, offset)
    assert len(months) == len(set(months)) == checks
    assert all(1 <= m <= 12 for m in months)


def test_enf2_risk_weight_grows_with_class_hazards_alarms_and_anomalies() -> None:
    a = rules.risk_weight(rules.RiskFacts("A"), ON)
    c = rules.risk_weight(rules.RiskFacts("C"), ON)
    hot = rules.risk_weight(rules.RiskFacts("C", 2, 4, 3), ON)
    assert a < c < hot
    capped = rules.risk_weight(rules.RiskFacts("C", 0, 10_000, 0), ON)
    assert capped == rules.risk_weight(rules.RiskFacts("C", 0, 10, 0), ON)


def test_enf2_draw_is_reproducible_from_seed_and_inputs() -> None:
    candidates = [(i, float(1 + i % 4)) for i in range(1, 30)]
    first = rules.draw_targets(candidates, 5, "abc")
    assert first == rules.draw_targets(list(reversed(candidates)), 5, "abc")
    assert len(set(first)) == 5
    assert rules.draw_targets(candidates, 5, "other") != first


def test_enf2_draw_favours_heavy_mines_and_never_draws_zero_weight() -> None:
    candidates = [(1, 10.0), (2, 1.0), (3, 0.0)]
    wins = Counter(rules.draw_targets(candidates, 1, f"s{i}")[0] for i in range(400))
    assert wins[3] == 0
    assert wins[1] > 5 * wins[2]


def test_enf6_hidden_face_means_suspension_12_points_removal_and_deputy_dismissed() -> None:
    p = _propose(FindingFacts(FindingKind.HIDDEN_FACE, major=True))
    assert {
        Consequence.SUSPENSION,
        Consequence.MANAGER_POINTS,
        Consequence.MANAGER_REMOVAL,
        Consequence.DEPUTY_DISMISSAL,
    } <= set(p.consequences)
    assert p.manager_points == 12
    assert "晋安办发〔2024〕34号第30项" in {r.source for r in p.reasons}


def test_enf6_sensor_tampering_monitoring_positioning_outsourcing_mean_suspension() -> None:
    for kind in (
        "sensor_tampering",
        "monitoring_missing",
        "positioning_missing",
        "outsourced_face",
    ):
        p = _propose(FindingFacts(kind, major=True))
        assert Consequence.SUSPENSION in p.consequences, kind
        assert {"晋安办发〔2024〕34号第31项", "晋安办发〔2024〕34号第32项"} & {
            r.source for r in p.reasons
        }, kind


def test_enf6_beyond_boundary_suspension_referral_power_and_explosives() -> None:
    p = _propose(FindingFacts(FindingKind.BEYOND_BOUNDARY, major=True))
    assert {
        Consequence.SUSPENSION,
        Consequence.REFER_NATURAL_RESOURCES,
        Consequence.STOP_POWER,
        Consequence.STOP_EXPLOSIVES,
    } <= set(p.consequences)
    assert set(p.referrals) == {"natural_resources", "power", "police"}


def test_enf6_two_major_hazards_in_three_months_while_producing_closure_proposal() -> None:
    finding = FindingFacts(FindingKind.MAJOR_HAZARD, major=True)
    assert Consequence.CLOSURE_PROPOSAL in _propose(finding, majors=2).consequences
    assert Consequence.CLOSURE_PROPOSAL not in _propose(finding, majors=1).consequences
    stopped = _propose(finding, majors=3, producing=False)
    assert Consequence.CLOSURE_PROPOSAL not in stopped.consequences


def test_enf5_minor_first_offence_exempt() -> None:
    outcome, reasons = rules.penalty_outcome(FindingFacts("general_hazard", first_offence=True), ON)
    assert outcome == "exempt" and reasons[0].source == "泽州县应急管理局通知（2025年）第37项"
    assert (
        Consequence.EXEMPT
        in _propose(FindingFacts("general_hazard", first_offence=True)).consequences
    )


def test_enf5_self_reported_not_penalised_even_major_but_major_found_otherwise_penalised() -> None:
    """自查上报不罚 names no grade (000:37, 001:18): a major hazard the mine found and reported
    itself is not penalised; the same major hazard found by the regulator is."""
    assert rules.penalty_outcome(FindingFacts("general_hazard", self_reported=True), ON)[0] == (
        "not_penalised"
    )
    major = FindingFacts("major_hazard", major=True, self_reported=True, first_offence=True)
    assert rules.penalty_outcome(major, ON)[0] == "not_penalised"
    found = FindingFacts("major_hazard", major=True, first_offence=True)
    assert rules.penalty_outcome(found, ON)[0] == "penalise"
    assert Consequence.PENALTY not in _propose(major).consequences
    assert Consequence.NOT_PENALISED in _propose(major).consequences


def test_enf5_tip_off_and_repeat_penalised_more() -> None:
    for facts in (
        FindingFacts("major_hazard", major=True, tip_off_verified=True),
        FindingFacts("general_hazard", repeated=True),
    ):
        outcome, reasons = rules.penalty_outcome(facts, ON)
        assert outcome == "heavier"
        assert len(reasons) == 1 and "从重" in reasons[0].text
    p = _propose(FindingFacts("major_hazard", major=True, repeated=True))
    assert Consequence.HEAVIER_PENALTY in p.consequences


def test_enf5_legal_review_for_major_decisions_and_deviations() -> None:
    from minesafe.enforcement.choices import MAJOR_CONSEQUENCES

    assert rules.needs_legal_review(["suspension"], False, MAJOR_CONSEQUENCES)
    assert rules.needs_legal_review(["rectify"], True, MAJOR_CONSEQUENCES)
    assert not rules.needs_legal_review(["rectify"], False, MAJOR_CONSEQUENCES)


def test_enf6_every_rule_cites_a_source_and_names_known_kinds() -> None:
    data = load_rule_set("minesafe.enforcement", "decision_rules")
    for edition in data["editions"]:
        for row in edition["rules"]:
            assert row["source"] and row["text"]
            assert set(row["kinds"]) <= set(FindingKind.values), row["id"]
            assert set(row["consequences"]) <= set(Consequence.values), row["id"]
    points = load_rule_set("minesafe.enforcement", "manager_points")["editions"][0]["points"]
    assert {row["kind"] for row in points} == set(FindingKind.values)


def test_enf7_referral_overdue_after_due_day_until_answered() -> None:
    due = rules.referral_due("power", ON, ON)
    assert due == ON + dt.timedelta(days=3)
    assert rules.referral_state(due, None, due) == "pending"
    assert rules.referral_state(due, None, due + dt.timedelta(days=1)) == "overdue"
    assert rules.referral_state(due, due + dt.timedelta(days=9), due + dt.timedelta(days=10)) == (
        "answered"
    )


def test_per9_hidden_face_costs_12_points_and_12_points_mean_removal() -> None:
    assert rules.manager_points("hidden_face", ON)[0] == 12
    assert rules.removal_due(12, ON) and not rules.removal_due(11, ON)
    assert rules.cycle_start(ON, ON) == dt.date(2025, 11, 23)


def test_per8_quiz_pass_mark_and_must_pass_topics() -> None:
    assert rules.quiz_passed(4, 5, on=ON)
    assert not rules.quiz_passed(3, 5, on=ON)
    assert not rules.quiz_passed(5, 5, ["self_rescuer"], on=ON)
    assert not rules.quiz_passed(0, 0, on=ON)


def test_enf4_document_number_layout() -> None:
    assert rules.document_number("青应急煤", "罚", 2026, 3) == "青应急煤罚〔2026〕3号"


def test_per8_question_bank_covers_both_must_pass_topics() -> None:
    topics = {q["topic"] for q in rules.quiz_questions(ON)}
    assert {"escape_route", "self_rescuer"} <= topics


# --- the inspection flow on the spine (ENF-3) ------------------------------------------------

FLOW = rules.INSPECTION_WORKFLOW
OFFICER = Actor(user_id=1, role=Role.INSPECTOR, in_jurisdiction=True)


def test_enf3_the_flow_moves_one_stage_on_and_may_skip_only_the_recheck() -> None:
    moves = {(old, s.name) for s in FLOW.steps for old in s.sources}
    assert moves == {
        ("plan", "prepare"),
        ("prepare", "onsite"),
        ("onsite", "decide"),
        ("decide", "notify"),
        ("notify", "advise"),
        ("advise", "recheck"),
        ("recheck", "archive"),
        ("advise", "archive"),
    }
    assert all(s.target == s.name for s in FLOW.steps)
    assert [s.name for s in FLOW.open_steps("advise", OFFICER)] == ["recheck", "archive"]
    assert FLOW.open_steps("archive", OFFICER) == []
    assert rules.skips_recheck("advise", "archive")
    assert not rules.skips_recheck("recheck", "archive")
    assert not rules.skips_recheck("advise", "recheck")


def test_enf3_only_government_in_jurisdiction_moves_a_record_and_never_back() -> None:
    for role in (Role.COUNTY_REGULATOR, Role.CITY_REGULATOR, Role.INSPECTOR):
        actor = Actor(user_id=1, role=role, in_jurisdiction=True)
        assert FLOW.check("plan", "prepare", actor).target == "prepare"
    for role in (Role.MINE_MANAGER, Role.MINE_SAFETY_OFFICER, Role.ENTERPRISE_OFFICER):
        mine = Actor(user_id=2, role=role, in_jurisdiction=True, own_mine=True)
        with pytest.raises(Refusal) as err:
            FLOW.check("plan", "prepare", mine)
        assert err.value.forbidden and err.value.message == "无权进入「准备」"
    outside = Actor(user_id=3, role=Role.COUNTY_REGULATOR, in_jurisdiction=False)
    with pytest.raises(Refusal) as err:
        FLOW.check("plan", "prepare", outside)
    assert err.value.forbidden
    with pytest.raises(Refusal) as err:
        FLOW.check("onsite", "prepare", OFFICER)
    assert (err.value.field, err.value.forbidden) == ("step", False)
    assert err.value.message == "当前状态为“现场检查”，不能进入「准备」"
    with pytest.raises(Refusal):
        FLOW.check("plan", "onsite", OFFICER)


# --- the decision step and the legal basis of documents (ENF-4 … ENF-6) -----------------------

SHORTHAND = re.compile(r"\b\d{3}:\d+|\b00\d task \d+")
POLICY_NAMES = ("晋安办发", "矿安〔", "泽安委", "泽州县应急管理局通知")
LAW_NAMES = ("《中华人民共和国安全生产法》", "《煤矿安全生产条例》", "《煤矿重大事故隐患判定标准》")
SEVERE = {Consequence.SUSPENSION, Consequence.CLOSURE_PROPOSAL}


@pytest.mark.parametrize("kind", [FindingKind.GENERAL_HAZARD, FindingKind.ILLEGAL_ACT])
@pytest.mark.parametrize("majors", [0, 1, 2, 5])
def test_enf6_single_first_offence_general_finding_never_proposes_suspension_or_closure(
    kind: str, majors: int
) -> None:
    """ENF-6: earlier checks with major hazards do not turn one first-offence general finding
    into suspension and closure (the repeat rule needs a major hazard found by this check)."""
    proposal = _propose(FindingFacts(kind, first_offence=True), majors=majors)
    assert not SEVERE & set(proposal.consequences)
    assert proposal.consequences == [Consequence.RECTIFY, Consequence.EXEMPT]


def test_enf6_single_first_offence_major_hazard_proposes_rectification_and_penalty_only() -> None:
    proposal = _propose(
        FindingFacts(FindingKind.MAJOR_HAZARD, major=True, first_offence=True), majors=1
    )
    assert set(proposal.consequences) == {Consequence.RECTIFY, Consequence.PENALTY}


def test_enf6_repeat_rule_explains_the_count_when_this_check_found_a_major_hazard() -> None:
    proposal = _propose(FindingFacts(FindingKind.MAJOR_HAZARD, major=True), majors=2)
    assert set(proposal.consequences) >= SEVERE
    why = proposal.because[Consequence.CLOSURE_PROPOSAL]
    assert any("第2次" in r.text for r in why)
    assert all(r.source == "晋安办发〔2024〕34号第34项" for r in why)


def test_enf5_each_proposed_measure_carries_its_reasons() -> None:
    proposal = _propose(FindingFacts(FindingKind.HIDDEN_FACE, major=True), majors=1)
    for consequence in proposal.consequences:
        assert proposal.because[consequence], consequence
        for reason in proposal.because[consequence]:
            assert reason.source and not SHORTHAND.search(reason.source)


MEASURES = [c for c in Consequence.values if c not in ("exempt", "not_penalised")]


@pytest.mark.parametrize("consequence", MEASURES)
def test_enf4_every_decision_type_rests_on_law_articles(consequence: str) -> None:
    """ENF-4 (SOURCES.md): each decision type names the articles of a law or regulation that
    give the power; never a policy document, never shorthand."""
    articles = rules.decision_basis(consequence, ON)
    assert articles, consequence
    for article in articles:
        assert article.law in LAW_NAMES
        assert re.fullmatch(r"第[一二三四五六七八九十百零]+条.*", article.article), article
        assert article.text and not SHORTHAND.search(str(article))
        assert not any(name in str(article) for name in POLICY_NAMES)


@pytest.mark.parametrize("kind", FindingKind.values)
def test_enf4_every_finding_kind_has_defining_and_penalty_articles(kind: str) -> None:
    basis = rules.legal_basis([Consequence.PENALTY], [kind], penalised=True, on=ON)
    text = "；".join(str(a) for a in basis)
    assert len(basis) >= 3 and not SHORTHAND.search(text)
    assert not any(name in text for name in POLICY_NAMES)


def test_enf4_suspension_basis_names_the_articles_that_give_the_power() -> None:
    citations = [a.citation for a in rules.decision_basis(Consequence.SUSPENSION, ON)]
    assert citations == ["《中华人民共和国安全生产法》第七十条", "《煤矿安全生产条例》第六十四条"]
    closure = [a.citation for a in rules.decision_basis(Consequence.CLOSURE_PROPOSAL, ON)]
    assert "《煤矿安全生产条例》第七十条第一款" in closure


def test_enf4_inspection_power_per_body() -> None:
    county = [a.citation for a in rules.inspection_power("emergency", ON)]
    inspectorate = [a.citation for a in rules.inspection_power("inspectorate", ON)]
    assert "《中华人民共和国安全生产法》第六十五条第一款第（一）项" in county
    assert "《煤矿安全生产条例》第五十三条第一款" in inspectorate


def test_enf4_remedies_name_the_bodies_and_deadlines_from_the_chain() -> None:
    county = rules.remedies(
        rules.Body("emergency", "甲县", "county", "测试市应急管理局", "测试市"), ON
    )
    assert county.reconsideration_body == "甲县人民政府" and county.court == "甲县人民法院"
    assert county.reconsideration_days == 60 and county.lawsuit_months == 6
    notice = county.notice()
    assert "60日内向甲县人民政府申请行政复议" in notice
    assert "6个月内依法向甲县人民法院提起行政诉讼" in notice
    branch = rules.remedies(
        rules.Body("inspectorate", "云岭市", "city", "国家矿山安全监察局河东局", "河东省"), ON
    )
    assert branch.reconsideration_body == "国家矿山安全监察局河东局"
    assert "云岭市" in branch.court


def test_enf4_documents_need_two_certified_officers() -> None:
    needed, basis = rules.officers_needed(ON)
    assert needed == 2 and "《中华人民共和国行政处罚法》第四十二条" in basis
