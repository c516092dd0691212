"""Inspection and enforcement rules as pure functions (ENF-1, ENF-2, ENF-5, ENF-6, PER-8, PER-9).

No database, no clock: callers pass the facts and the day. The numbers live in the versioned rule
sets under ``data/``; each function cites the requirement and source it serves.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from minesafe.core import rules as shared
from minesafe.core.roles import GOVERNMENT_ROLES
from minesafe.core.workflow import Step, Workflow
from minesafe.enforcement.choices import STEP_ORDER
from minesafe.enforcement.choices import Step as Stage
from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.enforcement"


def _edition(name: str, on: dt.date | None) -> dict[str, Any]:
    return edition_in_force(PACKAGE, name, on)


@dataclass(frozen=True)
class Reason:
    """One line of why: the rule's text and the article it comes from."""

    text: str
    source: str

    def __str__(self) -> str:
        return f"{self.text}（{self.source}）"


# --- plans (ENF-1, ENF-10) -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFacts:
    """What the annual plan needs to know about one mine."""

    supervision_class: str
    status: str
    private: bool = False
    accidents_12m: int = 0
    management_changes_12m: int = 0


@dataclass
class PlanAdvice:
    checks: int
    surprise: bool
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "checks": self.checks,
            "surprise": self.surprise,
            "reasons": [asdict(r) for r in self.reasons],
        }


def plan_checks(facts: PlanFacts, on: dt.date | None = None) -> PlanAdvice:
    """ENF-1/ENF-10: checks a year for one mine by class and risk factors (002:19, 004:11, 003)."""
    edition = _edition("plan_frequency", on)
    stopped = edition["stopped"]
    if facts.status in stopped["statuses"]:
        reason = Reason(stopped["text"], stopped["source"])
        return PlanAdvice(int(stopped["checks_at_least"]), True, [reason])
    base = next(r for r in edition["base_per_class"] if r["class"] == facts.supervision_class)
    checks = int(base["checks"])
    reasons = [Reason(f"{facts.supervision_class}类煤矿每年{checks}次", base["source"])]
    present = {
        "private": facts.private,
        "recent_accident": facts.accidents_12m > 0,
        "management_changes": facts.management_changes_12m >= 2,
    }
    for extra in edition["extras"]:
        if present.get(extra["factor"]):
            checks += int(extra["checks"])
            reasons.append(Reason(f"{extra['text']}（+{extra['checks']}次）", extra["source"]))
    return PlanAdvice(min(checks, int(edition["max_checks"])), False, reasons)


def spread_months(checks: int, offset: int = 0) -> list[int]:
    """ENF-1: spread ``checks`` evenly over the twelve months (1…12); ``offset`` staggers mines so
    that a county's checks do not all fall in the same months. Four checks give one a quarter."""
    if checks <= 0:
        return []
    checks = min(checks, 12)
    step = 12 / checks
    return sorted({(int(i * step) + offset % max(1, int(step))) % 12 + 1 for i in range(checks)})


# --- the draw (ENF-2) ------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFacts:
    supervision_class: str
    open_major_hazards: int = 0
    recent_alarms: int = 0
    data_anomalies: int = 0


def risk_weight(facts: RiskFacts, on: dt.date | None = None) -> float:
    """ENF-2: the draw weight of one mine from its class, open major hazards, recent alarms and
    data anomalies (002:19, 002:21)."""
    e = _edition("draw_weights", on)
    weight = float(e["class_weight"].get(facts.supervision_class, 1))
    weight += float(e["per_open_major_hazard"]) * facts.open_major_hazards
    weight += float(e["per_recent_alarm"]) * min(facts.recent_alarms, int(e["alarm_cap"]))
    weight += float(e["per_data_anomaly"]) * min(facts.data_anomalies, int(e["anomaly_cap"]))
    return round(weight, 3)


def draw_targets(candidates: Sequence[tuple[int, float]], count: int, seed: str) -> list[int]:
    """ENF-2: draw ``count`` distinct mines, each with probability growing with its weight.

    Weighted sampling without replacement (Efraimidis–Spirakis: the largest ``u ** (1 / w)``
    keys win) from ``random.Random(seed)`` over the candidates sorted by id, so anyone holding the
    seed and the stored inputs gets the same targets again. Zero weights are never drawn.
    """
    rng = random.Random(seed)
    keyed = []
    for mine_id, weight in sorted(candidates):
        u = rng.random()
        if weight > 0:
            keyed.append((u ** (1.0 / weight), mine_id))
    keyed.sort(reverse=True)
    return [mine_id for _, mine_id in keyed[: max(0, count)]]


# --- the expert pool (ENF-8) -----------------------------------------------------------------


@dataclass(frozen=True)
class ExpertFacts:
    """One pool expert as the selection sees them: specialty and the employer, if any."""

    id: int
    specialty: str
    employer_mine_id: int | None = None
    employer_enterprise_id: int | None = None
    #: Last day with that employer; ``None`` while still employed there.
    employed_until: dt.date | None = None


def _years_later(day: dt.date, years: int) -> dt.date:
    return shared.add_months(day, 12 * years)


def expert_conflict(
    expert: ExpertFacts,
    mine_id: int,
    enterprise_chain: Iterable[int],
    today: dt.date,
    on: dt.date | None = None,
) -> Reason | None:
    """ENF-8: why ``expert`` may not inspect the mine, or ``None`` when they may.

    Excluded: an expert employed by the mine, or by its operator or any enterprise above it
    (``enterprise_chain``), now or until less than ``cooling_off_years`` before ``today``; on
    the anniversary they are eligible again. The period is our choice (data file).
    """
    edition = _edition("expert_conflicts", on or today)
    years = int(edition["cooling_off_years"])
    if expert.employer_mine_id == mine_id:
        where = "被检查煤矿"
    elif expert.employer_enterprise_id is not None and expert.employer_enterprise_id in set(
        enterprise_chain
    ):
        where = "被检查煤矿的主体企业或其上级企业"
    else:
        return None
    until = expert.employed_until
    if until is None:
        return Reason(f"现任职于{where}，应回避", edition["source_note"])
    if today < _years_later(until, years):
        return Reason(
            f"{until.isoformat()}前任职于{where}，离职未满{years}年，应回避",
            edition["source_note"],
        )
    return None


@dataclass
class ExpertSelection:
    chosen: list[int]
    excluded: dict[int, Reason]
    #: Experts of the specialty who were eligible (the pool the draw ran over).
    eligible: list[int]


def select_experts(
    experts: Iterable[ExpertFacts],
    specialty: str,
    count: int,
    seed: str,
    mine_id: int,
    enterprise_chain: Iterable[int],
    today: dt.date,
) -> ExpertSelection:
    """ENF-8: draw ``count`` experts of ``specialty`` at random, conflicts of interest excluded.

    Reproducible like the draws: ``random.Random(seed)`` over the eligible ids sorted, so the
    same seed and pool give the same experts again. Experts of other specialties are ignored.
    """
    chain = frozenset(enterprise_chain)
    excluded: dict[int, Reason] = {}
    eligible: list[int] = []
    for expert in sorted(experts, key=lambda e: e.id):
        if expert.specialty != specialty:
            continue
        reason = expert_conflict(expert, mine_id, chain, today)
        if reason is None:
            eligible.append(expert.id)
        else:
            excluded[expert.id] = reason
    rng = random.Random(seed)
    chosen = rng.sample(eligible, min(max(0, count), len(eligible)))
    return ExpertSelection(chosen=chosen, excluded=excluded, eligible=eligible)


# --- report deadlines (ENF-9) ---------------------------------------------------------------

MONTHLY = "monthly"
QUARTERLY = "quarterly"


def report_period_end(period: str, year: int, number: int) -> dt.date:
    """The last day of month ``number`` or quarter ``number`` of ``year``."""
    if period == MONTHLY and 1 <= number <= 12:
        month = number
    elif period == QUARTERLY and 1 <= number <= 4:
        month = 3 * number
    else:
        raise ValueError(f"bad period {period} {number}")
    first = dt.date(year, month, 1)
    return shared.add_months(first, 1) - dt.timedelta(days=1)


def report_due(period: str, year: int, number: int, on: dt.date | None = None) -> dt.date:
    """ENF-9 (003 每月 5 日前): the due date, day ``due_day`` of the month after the period."""
    end = report_period_end(period, year, number)
    edition = _edition("report_deadlines", on or end)
    return (end + dt.timedelta(days=1)).replace(day=int(edition["due_day"]))


def report_reporters(period: str, on: dt.date | None = None) -> tuple[set[str], set[str]]:
    """ENF-9: the body kinds and division levels owing a report of ``period``."""
    rows = _edition("report_deadlines", on)[period]
    return set(rows["kinds"]), set(rows["levels"])


def report_state(due: dt.date, submitted_on: dt.date | None, today: dt.date) -> str:
    """ENF-9: ``on_time`` (filed by the due date, inclusive), ``late`` (filed after it),
    ``missing`` (not filed and the due date passed) or ``pending`` (not yet due)."""
    if submitted_on is not None:
        return "on_time" if submitted_on <= due else "late"
    return "missing" if today > due else "pending"


# --- the inspection flow (ENF-3) -------------------------------------------------------------

#: Stages a step may jump to, past the one before them: archiving straight from the advice when
#: nothing is to be rectified (no re-check needed; :func:`skips_recheck`).
SKIPS = {Stage.ARCHIVE: Stage.ADVISE}


def _forward(old: str, new: str) -> Step:
    sources = frozenset({old} | ({SKIPS[new]} if new in SKIPS else set()))
    return Step(new, f"进入「{Stage(new).label}」", sources, new, GOVERNMENT_ROLES)


#: ENF-3 (003 执法闭环): the closed inspection flow, one stage after the other and never back;
#: government officers with jurisdiction over the mine move it (an inspector as much as a
#: regulator, ``core.roles``). Each step is named after the stage it enters.
INSPECTION_WORKFLOW = Workflow(
    "inspection",
    dict(Stage.choices),
    tuple(_forward(old, new) for old, new in pairwise(STEP_ORDER)),
)

#: ENF-2, ENF-3: the steps the mine is told of. An unannounced check stays sealed until the
#: officers stand on site, so planning, preparing and the visit itself notify nobody; the
#: decision, the advice, the re-check and the archiving reach the mine's management.
MINE_TOLD_STEPS = frozenset({Stage.NOTIFY, Stage.ADVISE, Stage.RECHECK, Stage.ARCHIVE})


def skips_recheck(state: str, step: str) -> bool:
    """ENF-3: the step leaves out the re-check, allowed only when no finding awaits one."""
    return SKIPS.get(step) == state


# --- decisions (ENF-5, ENF-6) ----------------------------------------------------------------


@dataclass(frozen=True)
class FindingFacts:
    """One finding as the decision table sees it."""

    kind: str
    major: bool = False
    self_reported: bool = False
    first_offence: bool = False
    tip_off_verified: bool = False
    repeated: bool = False


@dataclass
class Proposal:
    """The decision the rules propose for one inspection: consequences with their reasons."""

    consequences: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    manager_points: int = 0
    referrals: list[str] = field(default_factory=list)
    penalty: str = "none"
    #: Why each consequence is proposed: the rows of the table that gave it.
    because: dict[str, list[Reason]] = field(default_factory=dict)

    def add(self, consequences: Iterable[str], reason: Reason) -> None:
        for item in consequences:
            if item not in self.consequences:
                self.consequences.append(item)
            rows = self.because.setdefault(item, [])
            if reason not in rows:
                rows.append(reason)
        if reason not in self.reasons:
            self.reasons.append(reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "consequences": list(self.consequences),
            "reasons": [asdict(r) for r in self.reasons],
            "manager_points": self.manager_points,
            "referrals": list(self.referrals),
            "penalty": self.penalty,
            "because": {k: [asdict(r) for r in v] for k, v in self.because.items()},
        }


def penalty_outcome(finding: FindingFacts, on: dt.date | None = None) -> tuple[str, list[Reason]]:
    """ENF-5: the platform's one penalty policy (:func:`minesafe.core.rules.penalty_policy`,
    000:37, 001:18) for one finding: repeated or a verified tip-off ⇒ heavier, self-reported ⇒
    not penalised (major ones too), major ⇒ always, a minor first offence ⇒ exempt."""
    facts = shared.PenaltyFacts(
        major=finding.major,
        self_reported=finding.self_reported,
        first_offence=finding.first_offence,
        tip_off_verified=finding.tip_off_verified,
        repeated=finding.repeated,
    )
    result = shared.penalty_policy(facts, on)
    return result.outcome, [Reason(result.text, result.source)]


_PENALTY_RANK = {"none": 0, "not_penalised": 1, "exempt": 2, "penalise": 3, "heavier": 4}
_PENALTY_CONSEQUENCE = {
    "penalise": "penalty",
    "heavier": "heavier_penalty",
    "exempt": "exempt",
    "not_penalised": "not_penalised",
}


def propose_decision(
    findings: Sequence[FindingFacts],
    *,
    status: str,
    earlier_major_dates: Iterable[dt.date],
    on: dt.date,
) -> Proposal:
    """ENF-6 then ENF-5: the mandatory consequences of every finding (002:30-34), the closure
    proposal for repeated major hazards while producing (002:34), and the penalty policy on top.

    ``status`` is the mine's registry status; ``earlier_major_dates`` holds the day of each
    earlier separate check at the mine that found a major hazard (this one excluded). The
    closure rule is the shared one (:func:`minesafe.core.rules.repeat_major`): 3 calendar months,
    trial production counts as producing, and it applies only when this check found a major
    hazard itself: earlier checks alone never turn a general finding into suspension or closure.
    """
    edition = _edition("decision_rules", on)
    proposal = Proposal()
    for finding in findings:
        for row in edition["rules"]:
            if finding.kind in row["kinds"]:
                proposal.add(row["consequences"], Reason(row["text"], row["source"]))
                proposal.manager_points = max(
                    proposal.manager_points, int(row.get("manager_points", 0))
                )
                for target in row.get("referrals", []):
                    if target not in proposal.referrals:
                        proposal.referrals.append(target)
        outcome, reasons = penalty_outcome(finding, on)
        if _PENALTY_RANK[outcome] > _PENALTY_RANK[proposal.penalty]:
            proposal.penalty = outcome
        if outcome != "none":
            for reason in reasons:
                proposal.add([], reason)
    repeat = shared.repeat_major(
        earlier_major_dates, on, found_major=any(f.major for f in findings), status=status
    )
    if repeat.due:
        count = f"本次为{repeat.window_months}个月内第{repeat.count}次发现重大事故隐患"
        text = f"{repeat.text}（{count}）"
        proposal.add(list(repeat.consequences), Reason(text, repeat.source))
    if proposal.penalty in _PENALTY_CONSEQUENCE:
        proposal.add([_PENALTY_CONSEQUENCE[proposal.penalty]], proposal.reasons[-1])
    return proposal


def needs_legal_review(consequences: Iterable[str], deviated: bool, major: Iterable[str]) -> bool:
    """ENF-4/ENF-5: a major decision, or any deviation from the proposal, goes to legal review
    (004 task 11, 重大执法决定法制审核)."""
    return deviated or bool(set(consequences) & set(major))


def rectify_days(major: bool, on: dt.date | None = None) -> int:
    """ENF-3 follow-up: the default rectification period, from which the re-check is scheduled."""
    return int(_edition("decision_rules", on)["rectify_days"]["major" if major else "general"])


# --- referrals (ENF-7) -----------------------------------------------------------------------


def referral_due(target: str, sent_on: dt.date, on: dt.date | None = None) -> dt.date:
    """ENF-7: the day the referred department should have answered by (002:11)."""
    days = int(_edition("decision_rules", on)["referral_days"][target])
    return sent_on + dt.timedelta(days=days)


def referral_state(due_on: dt.date, answered_on: dt.date | None, today: dt.date) -> str:
    """ENF-7: answered, pending, or overdue (not answered after the due day)."""
    if answered_on is not None:
        return "answered"
    return "overdue" if today > due_on else "pending"


# --- manager scoring (PER-9) -----------------------------------------------------------------


def manager_points(kind: str, on: dt.date | None = None) -> tuple[int, Reason | None]:
    """PER-9: the points one finding costs the mine manager (002:27, 002:30)."""
    edition = _edition("manager_points", on)
    for row in edition["points"]:
        if row["kind"] == kind:
            return int(row["points"]), Reason(f"记{row['points']}分", row["source"])
    return 0, None


def cycle_start(today: dt.date, on: dt.date | None = None) -> dt.date:
    """PER-9: the first day of the scoring cycle that ends today (a rolling window)."""
    months = int(_edition("manager_points", on)["cycle_months"])
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return dt.date(year, month + 1, day) + dt.timedelta(days=1)


def removal_due(points_in_cycle: int, on: dt.date | None = None) -> bool:
    """PER-9: 12 points within a cycle ⇒ the manager is removed from the post (002:30)."""
    return points_in_cycle >= int(_edition("manager_points", on)["removal_at"])


# --- quiz (PER-8) ----------------------------------------------------------------------------


def quiz_passed(
    correct: int, asked: int, failed_topics: Iterable[str] = (), on: dt.date | None = None
) -> bool:
    """PER-8 逢查必考: pass mark reached and no must-pass topic failed (002:50)."""
    edition = _edition("quiz", on)
    if asked <= 0:
        return False
    if set(failed_topics) & set(edition["must_pass_topics"]):
        return False
    return correct / asked >= float(edition["pass_ratio"])


def quiz_questions(on: dt.date | None = None) -> list[dict[str, str]]:
    """PER-8: the question bank of 逢查必考 (escape routes, self-rescuer; 002:50)."""
    return [dict(q) for q in _edition("quiz", on).get("questions", [])]


# --- documents (ENF-4) -----------------------------------------------------------------------


def document_number(prefix: str, mark: str, year: int, serial: int) -> str:
    """ENF-4: the number of an enforcement document, per issuing body, kind and year."""
    return f"{prefix}{mark}〔{year}〕{serial}号"


# --- legal basis and remedies (ENF-4) ----------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """An article of a law or regulation as an enforcement document cites it."""

    law: str
    article: str
    text: str

    @property
    def citation(self) -> str:
        return f"{self.law}{self.article}"

    def __str__(self) -> str:
        return f"{self.citation}：{self.text}"


def _articles(edition: dict[str, Any], rows: Iterable[dict[str, str]]) -> list[Article]:
    laws = edition["laws"]
    return [Article(laws[r["law"]], str(r["article"]), str(r["text"])) for r in rows]


def _unique(articles: Iterable[Article]) -> list[Article]:
    seen: list[Article] = []
    for article in articles:
        if article not in seen:
            seen.append(article)
    return seen


def inspection_power(body_kind: str, on: dt.date | None = None) -> list[Article]:
    """ENF-4: the articles giving the issuing body the power to inspect (every document)."""
    edition = _edition("legal_basis", on)
    key = "inspectorate" if body_kind == "inspectorate" else "regulator"
    return _articles(edition, edition["inspect"][key])


def decision_basis(consequence: str, on: dt.date | None = None) -> list[Article]:
    """ENF-4: the articles giving the power to take one decision (责令改正, 停产整顿, 罚款,
    提请关闭 …); empty for an outcome that is no measure (exempt, not penalised)."""
    edition = _edition("legal_basis", on)
    return _articles(edition, edition["decisions"].get(consequence, []))


def legal_basis(
    consequences: Iterable[str],
    finding_kinds: Iterable[str],
    *,
    penalised: bool,
    on: dt.date | None = None,
) -> list[Article]:
    """ENF-4: the legal basis of a decision as its documents state it: the articles that define
    each violation found, the articles giving the power for each measure decided, and (when a
    penalty is imposed) the articles the penalty is imposed under. Laws and regulations only;
    policy documents are never a legal basis (SOURCES.md)."""
    edition = _edition("legal_basis", on)
    kinds = list(dict.fromkeys(finding_kinds))
    rows: list[Article] = []
    for kind in kinds:
        rows += _articles(edition, edition["findings"].get(kind, {}).get("defines", []))
    for consequence in consequences:
        rows += _articles(edition, edition["decisions"].get(consequence, []))
    if penalised:
        for kind in kinds:
            rows += _articles(edition, edition["findings"].get(kind, {}).get("penalty", []))
    return _unique(rows)


def officers_needed(on: dt.date | None = None) -> tuple[int, str]:
    """ENF-4: how many certified officers a document needs, and the article that says so."""
    officers = _edition("legal_basis", on)["officers"]
    return int(officers["at_least"]), str(officers["basis"])


@dataclass(frozen=True)
class Body:
    """An issuing body as the remedies notice needs it."""

    kind: str
    division: str
    level: str
    superior: str = ""
    superior_division: str = ""


@dataclass(frozen=True)
class Remedies:
    """The notice of the right to apply for reconsideration or to sue (ENF-4)."""

    reconsideration_days: int
    reconsideration_body: str
    reconsideration_basis: str
    lawsuit_months: int
    court: str
    lawsuit_basis: str

    def notice(self) -> str:
        return (
            f"如不服本决定，可以自收到本文书之日起{self.reconsideration_days}日内向"
            f"{self.reconsideration_body}申请行政复议（{self.reconsideration_basis}），"
            f"或者自收到本文书之日起{self.lawsuit_months}个月内依法向{self.court}提起行政诉讼"
            f"（{self.lawsuit_basis}）。行政复议和行政诉讼期间，本决定不停止执行。"
        )


def remedies(body: Body, on: dt.date | None = None) -> Remedies:
    """ENF-4: who hears a reconsideration of the body's decision (the people's government of
    its division, or the body above it for one under vertical leadership), the court, and the
    deadlines."""
    data = _edition("legal_basis", on)["remedies"]
    hearer = data["reconsideration_body"].get(body.kind, "government")
    if hearer == "superior" and body.superior:
        name = body.superior
    elif hearer == "superior_government" and body.superior_division:
        name = f"{body.superior_division}人民政府"
    else:
        name = f"{body.division}人民政府"
    court = str(data["court"].get(body.level, data["court"]["county"])).format(
        division=body.division
    )
    return Remedies(
        reconsideration_days=int(data["reconsideration_days"]),
        reconsideration_body=name,
        reconsideration_basis=str(data["reconsideration_basis"]),
        lawsuit_months=int(data["lawsuit_months"]),
        court=court,
        lawsuit_basis=str(data["lawsuit_basis"]),
    )
