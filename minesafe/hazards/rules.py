"""The regulation of the hazard loop as pure functions (HAZ-1 … HAZ-9, ENF-5).

No database, no clock: callers pass plain facts and ``now``/``today``. Windows and numbers live
in ``data/hazard_rules.yaml`` (each with its source) and are read through ``ruledata``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from minesafe.core import rules as shared
from minesafe.core.roles import GOVERNMENT_ROLES, MINE_ROLES, Party, Role
from minesafe.core.workflow import EVIDENCE, REASON, Refusal, Step, Workflow
from minesafe.hazards import choices
from minesafe.localtime import local_date
from minesafe.ruledata import edition_in_force

# Plain ``str`` values of the choices: the rules deal in values, not in Django types.
REPORTED = str(choices.HazardStatus.REPORTED)
FIXES_COMPLETE = str(choices.HazardStatus.FIXES_COMPLETE)
RECTIFYING = str(choices.HazardStatus.RECTIFYING)
RECTIFIED = str(choices.HazardStatus.RECTIFIED)
VERIFIED = str(choices.HazardStatus.VERIFIED)
CLOSED = str(choices.HazardStatus.CLOSED)
OPEN_STATUSES: tuple[str, ...] = tuple(str(s) for s in choices.OPEN_STATUSES)
MAJOR = str(choices.HazardGrade.MAJOR)
SELF_CHECK = str(choices.HazardSource.MINE_SELF_CHECK)
ENTERPRISE_CHECK = str(choices.HazardSource.ENTERPRISE_CHECK)
REGULATOR_INSPECTION = str(choices.HazardSource.REGULATOR_INSPECTION)
INSPECTORATE = str(choices.HazardSource.INSPECTORATE)
TIP_OFF = str(choices.HazardSource.TIP_OFF)
MONITORING_ALARM = str(choices.HazardSource.MONITORING_ALARM)
ALL_SOURCES: list[str] = [str(v) for v in choices.HazardSource.values]
PENALTY = str(choices.ProposalKind.PENALTY)
HEAVIER_PENALTY = str(choices.ProposalKind.HEAVIER_PENALTY)
NO_PENALTY = str(choices.ProposalKind.NO_PENALTY)
EXEMPT = str(choices.ProposalKind.EXEMPT)

PACKAGE = "minesafe.hazards"


def policy(on: dt.date | None = None) -> dict[str, Any]:
    """The hazard rule set in force on ``on`` (windows, deadlines, penalty policy)."""
    return edition_in_force(PACKAGE, "hazard_rules", on)


#: Calendar months, clamped to the month's last day (shared with enforcement).
add_months = shared.add_months


# --- the five fixes and time (HAZ-1, HAZ-2) -----------------------------------------------


def missing_fixes(values: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """HAZ-1 (002:14): the five fixes — unit, person, measure, funds, deadline — still missing."""
    return [labels.get(k, k) for k, v in values.items() if v is None or str(v).strip() == ""]


def is_overdue(status: str, deadline: dt.date | None, today: dt.date) -> bool:
    """HAZ-2: an open hazard whose rectification deadline has passed (the deadline day counts)."""
    return deadline is not None and status in OPEN_STATUSES and deadline < today


def default_deadline(grade: str, found_on: dt.date) -> dt.date:
    """HAZ-2 (issue 4 §4): the rectification period proposed when none is given."""
    days = policy(found_on)["deadlines"]
    return found_on + dt.timedelta(days=days[f"{grade}_days"])


def reminder_due(deadline: dt.date | None, today: dt.date, status: str) -> int | None:
    """HAZ-2 (issue 4 §4): the reminder (days before the deadline) due today, if any.

    The largest configured lead time not yet passed applies, so a tick that runs late still
    sends the nearest reminder once."""
    if deadline is None or status not in OPEN_STATUSES:
        return None
    left = (deadline - today).days
    due = [d for d in policy(today)["deadlines"]["reminder_days"] if 0 <= left <= d]
    return min(due) if due else None


# --- the loop as a workflow table (HAZ-2, STYLE 7) -----------------------------------------

STATUS_LABELS: dict[str, str] = {str(v): str(label) for v, label in choices.HazardStatus.choices}
#: Who handles a hazard: the mine and government (the administrator stands in for either).
HANDLER_ROLES = GOVERNMENT_ROLES | MINE_ROLES | {Role.ADMIN}
#: Rectification is the mine's own work.
RECTIFIER_ROLES = MINE_ROLES | {Role.ADMIN}
#: A major hazard is verified and closed by government on site (002:14).
MAJOR_CHECKER_ROLES = GOVERNMENT_ROLES | {Role.ADMIN}
#: Taken by saving complete five fixes, never offered as a button.
AUTOMATIC_STEPS = frozenset({"complete_fixes"})
#: History rows that record something other than a step (the state does not move).
EVENT_LABELS = {
    "record": "登记",
    "confirm_major": "确认重大隐患",
    "reject_suggestion": "否定重大隐患判定建议",
    "list": "挂牌督办",
}
#: Steps that settle a hazard: not taken while a major-hazard suggestion waits for a decision.
SETTLING_STEPS = frozenset({"verify", "close"})


def _loop(name: str, checkers: frozenset[str]) -> Workflow:
    """HAZ-2: reported → five fixes complete → rectifying → rectified → verified → closed, with
    sending back to rectifying. Rectified needs evidence, sending back a reason; whoever recorded
    a rectification may not verify, send back or close it (nobody verifies their own work)."""
    own_work = frozenset({"rectify"})
    return Workflow(
        name,
        STATUS_LABELS,
        (
            Step(
                "complete_fixes",
                "五落实完成",
                frozenset({REPORTED}),
                FIXES_COMPLETE,
                HANDLER_ROLES,
            ),
            Step("start", "开始整改", frozenset({FIXES_COMPLETE}), RECTIFYING, HANDLER_ROLES),
            Step(
                "rectify",
                "整改完成",
                frozenset({RECTIFYING}),
                RECTIFIED,
                RECTIFIER_ROLES,
                needs=frozenset({EVIDENCE}),
            ),
            Step(
                "verify",
                "验收通过",
                frozenset({RECTIFIED}),
                VERIFIED,
                checkers,
                not_by_takers_of=own_work,
            ),
            Step(
                "send_back",
                "验收不通过，退回整改",
                frozenset({RECTIFIED}),
                RECTIFYING,
                checkers,
                needs=frozenset({REASON}),
                not_by_takers_of=own_work,
            ),
            Step(
                "close",
                "销号",
                frozenset({VERIFIED}),
                CLOSED,
                checkers,
                not_by_takers_of=own_work,
            ),
        ),
    )


#: A general hazard is verified and closed by the mine (or a regulator re-checking it).
GENERAL_LOOP = _loop("hazard", HANDLER_ROLES)
MAJOR_LOOP = _loop("major_hazard", MAJOR_CHECKER_ROLES)


def loop_for(grade: str) -> Workflow:
    """The table that judges a hazard of ``grade``: who verifies and closes depends on it."""
    return MAJOR_LOOP if grade == MAJOR else GENERAL_LOOP


def suggestion_refusal(
    step: str, pending: Iterable[tuple[str, float]], grade_decided: bool
) -> Refusal | None:
    """HAZ-2 (002:14): whether a hazard is major is decided before it is verified or closed: while
    a suggested situation of the standard (``pending``: code and score) waits for a person to
    confirm it or reject it with a reason, and the grade is not settled yet (no situation
    confirmed, not recorded as major), the hazard is neither verified nor closed: a hazard that
    may be major must not be closed as general (a major one is verified by government on site)."""
    waiting = sorted(pending, key=lambda p: -p[1])
    if step not in SETTLING_STEPS or grade_decided or not waiting:
        return None
    code, score = waiting[0]
    more = f"等{len(waiting)}条" if len(waiting) > 1 else ""
    verb = "验收" if step == "verify" else "销号"
    return Refusal(
        "step",
        f"该隐患有待确认的重大事故隐患判定建议（第{code}，匹配度{score:.2f}）{more}，"
        f"须先确认或说明理由否定后才能{verb}",
    )


def fixes_refusal(missing: Iterable[str]) -> Refusal | None:
    """HAZ-1 (002:14): no rectifying before the five fixes are in place."""
    names = list(missing)
    if not names:
        return None
    return Refusal("step", f"五落实未完成（缺少：{'、'.join(names)}），不能进入整改")


# --- the repeat rules (HAZ-4, HAZ-5, HAZ-6, HAZ-9, ENF-5) --------------------------------


@dataclass(frozen=True)
class HazardFact:
    """What the repeat rules need to know about one hazard."""

    id: int
    mine_id: int
    found_at: dt.datetime
    grade: str
    situation_code: str | None = None
    place: str = ""
    profession: str = ""
    source: str = ""
    status: str = REPORTED
    closed_at: dt.datetime | None = None
    label: str = ""


@dataclass(frozen=True)
class RuleResult:
    """A rule that fired: its basis (with source) and the earlier hazards that prove it."""

    basis: str
    evidence: list[int] = field(default_factory=list)
    evidence_labels: list[str] = field(default_factory=list)


def _result(basis: str, facts: list[HazardFact]) -> RuleResult:
    facts = sorted(facts, key=lambda f: f.found_at)
    return RuleResult(basis, [f.id for f in facts], [f.label or str(f.id) for f in facts])


def repeated_situation(new: HazardFact, history: Iterable[HazardFact]) -> RuleResult | None:
    """HAZ-4 (002:18): the same situation at the same mine within 12 months ⇒ repeat."""
    rule = policy(local_date(new.found_at))["repeat"]
    if not new.situation_code:
        return None
    since = add_months(new.found_at, -rule["window_months"])
    earlier = [
        h
        for h in history
        if h.id != new.id
        and h.mine_id == new.mine_id
        and h.situation_code == new.situation_code
        and since <= h.found_at <= new.found_at
    ]
    if not earlier:
        return None
    return _result(f"{rule['window_months']}个月内同一情形重复出现（{rule['source']}）", earlier)


def closure_due(new: HazardFact, history: Iterable[HazardFact], status: str) -> RuleResult | None:
    """HAZ-5 (002:34): ≥ 2 major hazards within 3 calendar months at a producing mine (trial
    production included) ⇒ closure proposal. The rule is the one enforcement uses
    (:func:`minesafe.core.rules.repeat_major`); ``status`` is the mine's registry status."""
    today = local_date(new.found_at)
    earlier = [
        h
        for h in history
        if h.id != new.id and h.mine_id == new.mine_id and h.grade == MAJOR
        if shared.in_repeat_window(local_date(h.found_at), today)
    ]
    result = shared.repeat_major(
        [local_date(h.found_at) for h in earlier],
        today,
        found_major=new.grade == MAJOR,
        status=status,
    )
    if not result.due:
        return None
    return _result(result.basis, [*earlier, new])


def _same_hazard(a: HazardFact, b: HazardFact) -> bool:
    """Found again: the same situation, or (general hazards) the same place and profession."""
    if a.situation_code or b.situation_code:
        return a.situation_code == b.situation_code
    place = a.place.strip()
    return bool(place) and place == b.place.strip() and a.profession == b.profession


def fake_rectification(new: HazardFact, history: Iterable[HazardFact]) -> RuleResult | None:
    """HAZ-6 (002:25): a hazard closed within the last 30 days found again ⇒ fake rectification."""
    rule = policy(local_date(new.found_at))["fake_rectification"]
    since = new.found_at - dt.timedelta(days=rule["window_days"])
    closed = [
        h
        for h in history
        if h.id != new.id
        and h.mine_id == new.mine_id
        and h.status == CLOSED
        and h.closed_at is not None
        and since <= h.closed_at <= new.found_at
        and _same_hazard(h, new)
    ]
    if not closed:
        return None
    return _result(f"销号后{rule['window_days']}天内再次发现（{rule['source']}）", closed)


@dataclass(frozen=True)
class PenaltyProposal:
    kind: str
    basis: str


_PROPOSAL_KINDS = {
    shared.HEAVIER: HEAVIER_PENALTY,
    shared.NOT_PENALISED: NO_PENALTY,
    shared.PENALISE: PENALTY,
    shared.EXEMPT: EXEMPT,
}


def penalty_proposal(
    source: str, grade: str, prior_hazards_12m: int, repeat: bool, on: dt.date
) -> PenaltyProposal:
    """ENF-5 (000:37, 001:18): the platform's one penalty policy
    (:func:`minesafe.core.rules.penalty_policy`, the same enforcement applies) over the facts of a
    hazard: repeated (HAZ-4, 002:18) or fake-rectified, or found by verifying a tip-off ⇒
    heavier; found by the mine's own check and reported ⇒ none, major ones too; major ⇒ always;
    a first hazard in 12 months ⇒ exempt; otherwise a penalty."""
    facts = shared.hazard_penalty_facts(source, grade == MAJOR, prior_hazards_12m, repeat, on)
    result = shared.penalty_policy(facts, on)
    return PenaltyProposal(_PROPOSAL_KINDS[result.outcome], result.basis)


# HAZ-9: levels of the organisations that find hazards, lowest first.
LEVELS = {"mine": 0, "enterprise": 0, "county": 1, "city": 2, "province": 3, "national": 4}


@dataclass(frozen=True)
class TracingFacts:
    """The hazard a higher level found (HAZ-9)."""

    mine_id: int
    situation_code: str | None
    grade: str
    found_at: dt.datetime
    finder_level: str  # one of LEVELS


@dataclass(frozen=True)
class PriorCheck:
    """An earlier inspection of the mine: who signed it and what it found (HAZ-9)."""

    mine_id: int
    checked_at: dt.datetime
    level: str
    inspectors: tuple[str, ...]
    found_codes: frozenset[str] = frozenset()
    label: str = ""


@dataclass(frozen=True)
class TracingResult:
    inspectors: list[str]
    checks: list[str]
    basis: str


def is_basic_condition(situation_code: str | None, on: dt.date) -> bool:
    """HAZ-9 (002:9): whether a situation is a basic safety-production condition."""
    codes = policy(on)["tracing"]["basic_conditions"]
    return situation_code is not None and situation_code in codes


def responsibility_tracing(
    hazard_facts: TracingFacts, prior_checks: Iterable[PriorCheck], now: dt.datetime
) -> TracingResult | None:
    """HAZ-9 (002:9): a basic-condition major hazard found by a higher level at a mine local
    inspectors checked within 6 months without finding it ⇒ a case naming those inspectors."""
    rule = policy(local_date(now))["tracing"]
    facts = hazard_facts
    if facts.grade != MAJOR or not is_basic_condition(
        facts.situation_code, local_date(facts.found_at)
    ):
        return None
    finder_level = LEVELS.get(facts.finder_level, 0)
    since = add_months(facts.found_at, -rule["window_months"])
    missed = [
        c
        for c in prior_checks
        if c.mine_id == facts.mine_id
        and c.level in rule["local_levels"]
        and LEVELS.get(c.level, 0) < finder_level
        and since <= c.checked_at < facts.found_at
        and facts.situation_code not in c.found_codes
    ]
    if not missed:
        return None
    missed.sort(key=lambda c: c.checked_at)
    inspectors = list(dict.fromkeys(name for c in missed for name in c.inspectors))
    labels = [c.label or local_date(c.checked_at).isoformat() for c in missed]
    return TracingResult(
        inspectors,
        labels,
        f"上级查出基本条件类重大事故隐患第{facts.situation_code}，"
        f"{rule['window_months']}个月内本地检查未发现（{rule['source']}）",
    )


def finder_level_of(source: str) -> str:
    """HAZ-9: the level implied by a hazard's source when no organisation is known."""
    return {
        INSPECTORATE: "province",
        REGULATOR_INSPECTION: "county",
        ENTERPRISE_CHECK: "enterprise",
    }.get(source, "mine")


def allowed_sources(party: Party, inspectorate: bool = False) -> list[str]:
    """HAZ-1, HAZ-9: the sources a party may record — the mine its self-checks, the enterprise
    its checks, regulators their inspections and tip-offs, the inspectorate its own findings."""
    if party == Party.MINE:
        return [SELF_CHECK]
    if party == Party.ENTERPRISE:
        return [ENTERPRISE_CHECK]
    if party == Party.GOVERNMENT:
        own = INSPECTORATE if inspectorate else REGULATOR_INSPECTION
        return [own, TIP_OFF, MONITORING_ALARM]
    return list(ALL_SOURCES)


#: Uploads (HAZ-1): JPEG or PNG by their first bytes, at most 5 MB.
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def photo_error(head: bytes, size: int) -> str | None:
    """Why an uploaded photo is refused, or None (type judged by content, not by name)."""
    if size > PHOTO_MAX_BYTES:
        return f"照片不能超过5MB（当前{size / 1024 / 1024:.1f}MB）"
    if not any(head.startswith(sig) for sig in PHOTO_SIGNATURES):
        return "只能上传JPEG或PNG格式的照片"
    return None
