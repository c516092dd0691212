"""The hazard loop's operations: the one way to record a hazard (used by self-inspection and
enforcement too), the steps of the state machine, major-hazard reporting, the repeat rules
applied to the database, and responsibility-tracing cases (HAZ-1 … HAZ-9).

Rules stay in :mod:`minesafe.hazards.rules`; this module gathers facts, calls them and writes
the rows. Every function takes ``now`` (defaulting to the clock only at this boundary).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minesafe.accounts.models import Organization
from minesafe.core import rules as shared_rules
from minesafe.core.context import acting_as
from minesafe.core.editions import judged_on
from minesafe.core.roles import MINE_ROLES
from minesafe.core.transitions import Binding, apply, note
from minesafe.hazards import rules
from minesafe.hazards.catalogue import resolve_item
from minesafe.hazards.choices import (
    Decision,
    HazardGrade,
    HazardSource,
    HazardStatus,
    NotificationKind,
    ProposalKind,
)
from minesafe.hazards.models import (
    Hazard,
    HazardProposal,
    HazardSuggestion,
    HazardTransition,
    MajorHazardItem,
    ResponsibilityCase,
)
from minesafe.localtime import local_date
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Level, Topic

#: Where each grade's loop lives: the hazard, its history, the table judging it (HAZ-2).
GENERAL_HAZARDS = Binding(Hazard, HazardTransition, "hazard", rules.GENERAL_LOOP)
MAJOR_HAZARDS = Binding(Hazard, HazardTransition, "hazard", rules.MAJOR_LOOP)


def binding_for(hazard: Hazard) -> Binding:
    """The binding whose table judges ``hazard`` now (its grade decides who verifies)."""
    return MAJOR_HAZARDS if hazard.grade == HazardGrade.MAJOR else GENERAL_HAZARDS


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _username(user: Any) -> str:
    return str(user) if user is not None else "系统"


# --- recording ----------------------------------------------------------------------------


def record_hazard(
    *,
    mine: Any,
    source: str,
    description: str,
    found_at: dt.datetime,
    finder: str,
    signer: str = "",
    place: str = "",
    profession: str = "",
    grade: str | None = None,
    situation: Any = None,
    user: Any = None,
    origin: Any = None,
    fixes: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Hazard:
    """Enter a hazard in the mine's ledger (HAZ-1) and start the loop.

    ``situation`` (an item or its code, e.g. "4(6)") makes the hazard major; otherwise ``grade``
    decides, general by default. ``origin`` is the object it came from (a self-inspection
    answer, an inspection finding, an alarm), kept as a generic link. Suggestions are made from
    the description and the facts held; a major hazard is reported at once (HAZ-2). Raises
    ``ValidationError`` naming the field for bad input.
    """
    now = _now(now)
    if source not in HazardSource.values:
        raise ValidationError({"source": f"未知的隐患来源：{source}"})
    if not isinstance(found_at, dt.datetime):
        raise ValidationError({"found_at": "须填写发现时间"})
    if timezone.is_naive(found_at):
        raise ValidationError({"found_at": "发现时间须带时区"})
    found_on = local_date(found_at)
    with judged_on("found_at"):
        rules.policy(found_on)  # judged by the rules in force on the day it was found
    item = resolve_item(situation, found_on)
    if situation not in (None, "") and item is None:
        raise ValidationError({"situation": f"发现之日施行的判定标准中没有情形 {situation}"})
    if grade not in (None, "", *HazardGrade.values):
        raise ValidationError({"grade": f"未知的隐患等级：{grade}"})
    hazard = Hazard(
        mine=mine,
        source=source,
        description=description,
        found_at=found_at,
        finder=finder,
        signer=signer,
        place=place,
        grade=HazardGrade.MAJOR if item else (grade or HazardGrade.GENERAL),
        situation=item,
        recorded_by=_username(user),
        finder_organization=getattr(user, "organization", None),
        **({"profession": profession} if profession else {}),
        **(fixes or {}),
    )
    complete = not hazard.missing_fixes()
    # A hazard entered with its five fixes enters the ledger with them complete (HAZ-1).
    hazard.status = HazardStatus.FIXES_COMPLETE if complete else HazardStatus.REPORTED
    if origin is not None:
        hazard.origin_type = ContentType.objects.get_for_model(type(origin))
        hazard.origin_id = str(origin.pk)
    hazard.full_clean(exclude=["number"])
    with transaction.atomic(), acting_as(user, "登记隐患"):
        hazard.save()
        hazard.number = f"YH{found_on:%Y%m%d}-{hazard.pk:05d}"
        hazard.save(update_fields=["number"])
        entered = "登记隐患，五落实已齐全" if complete else "登记隐患"
        note(binding_for(hazard), hazard, "record", user, now, reason=entered, from_state="")
        from minesafe.hazards.suggest import make_suggestions

        make_suggestions(hazard)
        _after_grade(hazard, user, now)
    return hazard


def _after_grade(hazard: Hazard, user: Any, now: dt.datetime) -> None:
    """What follows from the hazard's grade: report, repeat rules, penalty, mine counter."""
    if hazard.is_major:
        report_major(hazard, now)
    apply_repeat_rules(hazard, now)
    refresh_major_count(hazard.mine, now)


# --- the five fixes and the loop ---------------------------------------------------------


def save_fixes(hazard: Hazard, user: Any, now: dt.datetime | None = None) -> Hazard:
    """Save the five fixes; once complete, a reported hazard moves to "five fixes complete"."""
    now = _now(now)
    hazard.full_clean(exclude=["number"])
    with transaction.atomic():
        hazard.save()
        if hazard.status == HazardStatus.REPORTED and not hazard.missing_fixes():
            transition(hazard, "complete_fixes", user, reason="五落实已填写齐全", now=now)
    return hazard


def transition(
    hazard: Hazard,
    name: str,
    user: Any,
    *,
    reason: str = "",
    evidence: str = "",
    now: dt.datetime | None = None,
) -> Hazard:
    """Take one step of the loop (HAZ-2) through the workflow spine, or raise its ``Refusal``.

    The table (``rules.loop_for``) decides who may take it and what it needs; this adds the
    hazard's own facts: the five fixes before rectifying, the rectification's text and time,
    the verifier's name, the close-out time."""
    now = _now(now)
    text = evidence.strip()

    def effect(locked: Hazard) -> None:
        refused = rules.suggestion_refusal(name, pending_suggestions(locked), grade_decided(locked))
        if refused is not None:
            raise refused
        if name in ("complete_fixes", "start"):
            refusal = rules.fixes_refusal(locked.missing_fixes())
            if refusal is not None:
                raise refusal
        if name == "rectify":
            locked.evidence = text
            locked.rectified_at = now
        elif name == "verify":
            locked.verified_by = _username(user)
        elif name == "close":
            locked.closed_at = now

    apply(
        binding_for(hazard),
        hazard,
        name,
        user,
        now,
        reason=reason,
        evidence={"text": text} if text else None,
        effect=effect,
    )
    return hazard


def grade_decided(hazard: Hazard) -> bool:
    """Whether the hazard's major grade is settled: a situation confirmed, or recorded as major
    (a pending suggestion then only names the situation, it no longer asks whether)."""
    return hazard.situation_id is not None or hazard.grade == HazardGrade.MAJOR


def pending_suggestions(hazard: Hazard) -> list[tuple[str, float]]:
    """The suggested situations of ``hazard`` still waiting for a decision: (code, score)."""
    rows = hazard.suggestions.filter(decision=Decision.PENDING).select_related("item")
    return [(s.item.code, s.score) for s in rows]


def list_for_supervision(
    hazard: Hazard,
    user: Any,
    deadline: dt.date,
    *,
    reason: str = "",
    now: dt.datetime | None = None,
    by: str = "",
) -> Hazard:
    """挂牌督办 (HAZ-2): the regulator lists a major hazard with its own supervision deadline."""
    now = _now(now)
    if not hazard.is_major:
        raise ValidationError("只有重大事故隐患可以挂牌督办")
    if hazard.status == HazardStatus.CLOSED:
        raise ValidationError("已销号的隐患不能挂牌督办")
    if deadline < local_date(now):
        raise ValidationError({"listed_deadline": "督办期限不能早于今天"})
    org = getattr(user, "organization", None)
    hazard.listed = True
    hazard.listed_at = hazard.listed_at or now
    hazard.listed_by = by or (str(org) if org else _username(user))
    hazard.listed_deadline = deadline
    with transaction.atomic(), acting_as(user, "挂牌督办"):
        hazard.save()
        note(binding_for(hazard), hazard, "list", user, now, reason=reason or f"期限{deadline}")
        notify(
            hazard,
            NotificationKind.LISTED,
            hazard.mine.supervisor,
            f"{hazard.mine}重大事故隐患「{hazard.description[:40]}」已挂牌督办，督办期限{deadline}",
            now,
            key=f"listed-{deadline.isoformat()}",
        )
    return hazard


# --- notifications and major-hazard reporting ---------------------------------------------


#: How urgent each kind of message of the loop is (I most severe): a major hazard and its
#: supervision reach e-mail and SMS by default, a reminder stays in the inbox.
NOTICE_LEVELS = {
    NotificationKind.MAJOR_REPORT: Level.II,
    NotificationKind.REMINDER: Level.IV,
    NotificationKind.OVERDUE: Level.III,
    NotificationKind.ESCALATION: Level.II,
    NotificationKind.LISTED: Level.II,
    NotificationKind.PROPOSAL: Level.III,
}


def notify(
    hazard: Hazard,
    kind: str,
    recipient: Organization | None,
    message: str,
    now: dt.datetime,
    *,
    key: str = "",
) -> bool:
    """One message of the loop (HAZ-2) to an organisation, or to the mine's own staff when
    ``recipient`` is None, through the notifications app: at most once per (hazard, kind,
    key, recipient); True when it is new. An overdue major hazard is as urgent as its report."""
    mine = hazard.mine
    major_overdue = kind == NotificationKind.OVERDUE and hazard.grade == HazardGrade.MAJOR
    level = Level.II if major_overdue else NOTICE_LEVELS[NotificationKind(kind)]
    audience = (
        notifications.to_organization(recipient)
        if recipient
        else notifications.to_roles(mine, MINE_ROLES)
    )
    new = notifications.notify(
        audience,
        Topic.HAZARD,
        f"{NotificationKind(kind).label}：{mine.name} 隐患{hazard.number}",
        message,
        key=f"hazard|{mine.pk}|{hazard.pk}|{kind}|{key or kind}",
        about=hazard,
        level=level,
        kind=NotificationKind(kind),
        now=now,
    )
    return new > 0


def report_major(hazard: Hazard, now: dt.datetime) -> None:
    """HAZ-2 (002:14): a major hazard goes to the county regulator and the inspectorate."""
    mine = hazard.mine
    what = hazard.situation.code if hazard.situation else "待判定情形"
    message = f"{mine}发现重大事故隐患（第{what}）：{hazard.description[:60]}"
    for org in (mine.supervisor, mine.inspectorate):
        if org is not None:
            notify(hazard, NotificationKind.MAJOR_REPORT, org, message, now)


# --- suggestions --------------------------------------------------------------------------


def decide_suggestion(
    suggestion: HazardSuggestion,
    user: Any,
    accept: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> HazardSuggestion:
    """A person confirms or rejects a suggested situation; confirming makes the hazard major."""
    now = _now(now)
    if suggestion.decision != Decision.PENDING:
        raise ValidationError({"decision": "该建议已确认或否定，不能重复处理"})
    hazard = suggestion.hazard
    if accept and hazard.situation_id and hazard.situation_id != suggestion.item_id:
        raise ValidationError({"decision": "该隐患已确认了其他重大隐患情形"})
    if not accept and not reason.strip():
        raise ValidationError({"decision_reason": "否定建议须说明理由"})
    suggestion.decision = Decision.CONFIRMED if accept else Decision.REJECTED
    suggestion.decided_by = _username(user)
    suggestion.decided_at = now
    suggestion.decision_reason = reason
    with transaction.atomic(), acting_as(user, "确认判定建议" if accept else "否定判定建议"):
        suggestion.save()
        if accept:
            make_major(hazard, suggestion.item, user, now, reason)
        else:
            note(
                binding_for(hazard),
                hazard,
                "reject_suggestion",
                user,
                now,
                reason=f"第{suggestion.item.code}：{reason.strip()}",
            )
    return suggestion


def make_major(
    hazard: Hazard, item: MajorHazardItem, user: Any, now: dt.datetime, reason: str = ""
) -> Hazard:
    """Confirm a hazard as the major hazard ``item`` and run what follows (HAZ-2, HAZ-4/5)."""
    hazard.situation = item
    hazard.grade = HazardGrade.MAJOR
    hazard.save()
    note(
        binding_for(hazard),
        hazard,
        "confirm_major",
        user,
        now,
        reason=reason or f"判定为第{item.code}",
    )
    _after_grade(hazard, user, now)
    return hazard


# --- the repeat rules on the database -----------------------------------------------------


def fact(hazard: Hazard) -> rules.HazardFact:
    return rules.HazardFact(
        id=hazard.pk,
        mine_id=hazard.mine_id,
        found_at=hazard.found_at,
        grade=hazard.grade,
        situation_code=hazard.situation.code if hazard.situation_id else None,
        place=hazard.place,
        profession=hazard.profession,
        source=hazard.source,
        status=hazard.status,
        closed_at=hazard.closed_at,
        label=f"{hazard.number} {timezone.localtime(hazard.found_at):%Y-%m-%d} "
        f"{hazard.description[:30]}",
    )


def _history(hazard: Hazard) -> list[rules.HazardFact]:
    since = rules.add_months(hazard.found_at, -12) - dt.timedelta(days=31)
    rows = (
        Hazard.objects.filter(mine_id=hazard.mine_id, found_at__gte=since)
        .exclude(pk=hazard.pk)
        .select_related("situation")
    )
    return [fact(h) for h in rows]


def _propose(
    hazard: Hazard, kind: str, result: rules.RuleResult, now: dt.datetime, addressee: str = ""
) -> None:
    evidence = [
        {"id": i, "label": label}
        for i, label in zip(result.evidence, result.evidence_labels, strict=True)
    ]
    HazardProposal.objects.get_or_create(
        hazard=hazard,
        kind=kind,
        defaults={
            "mine": hazard.mine,
            "basis": result.basis,
            "evidence": evidence,
            "time": now,
            "addressee": addressee,
        },
    )
    notify(
        hazard,
        NotificationKind.PROPOSAL,
        hazard.mine.supervisor,
        f"{hazard.mine}：{ProposalKind(kind).label}——{result.basis}",
        now,
        key=f"proposal-{kind}",
    )


def apply_repeat_rules(hazard: Hazard, now: dt.datetime) -> None:
    """Run HAZ-4, HAZ-5, HAZ-6 and the ENF-5 penalty proposal for one hazard."""
    me = fact(hazard)
    history = _history(hazard)
    repeat = rules.repeated_situation(me, history)
    fake = rules.fake_rectification(me, history)
    if repeat:
        hazard.repeat = True
        _propose(hazard, ProposalKind.HEAVIER_PENALTY, repeat, now)
    if fake:
        hazard.fake_rectification = True
        _propose(hazard, ProposalKind.FAKE_RECTIFICATION, fake, now)
    closure = rules.closure_due(me, history, hazard.mine.status)
    if closure and not _closure_pending(hazard, now):
        _propose(
            hazard, ProposalKind.CLOSURE, closure, now, addressee=f"{hazard.mine.county}人民政府"
        )
    prior = sum(1 for h in history if h.found_at >= rules.add_months(hazard.found_at, -12))
    penalty = rules.penalty_proposal(
        hazard.source, hazard.grade, prior, bool(repeat or fake), local_date(me.found_at)
    )
    hazard.penalty, hazard.penalty_basis = penalty.kind, penalty.basis[:300]
    hazard.save(update_fields=["repeat", "fake_rectification", "penalty", "penalty_basis"])


def _closure_pending(hazard: Hazard, now: dt.datetime) -> bool:
    """One closure proposal per mine per window: later majors add to it, not duplicate it."""
    since = shared_rules.repeat_window_start(local_date(hazard.found_at))
    return HazardProposal.objects.filter(
        mine_id=hazard.mine_id,
        kind=ProposalKind.CLOSURE,
        hazard__found_at__date__gte=since,
    ).exists()


def refresh_major_count(mine: Any, now: dt.datetime) -> int:
    """REG-4: keep ``Mine.major_hazards_12m`` (a supervision-class factor) up to date."""
    count = Hazard.objects.filter(
        mine_id=mine.pk,
        grade=HazardGrade.MAJOR,
        found_at__gt=rules.add_months(now, -12),
        found_at__lte=now,
    ).count()
    if mine.major_hazards_12m != count:
        mine.major_hazards_12m = count
        mine.save(update_fields=["major_hazards_12m"])
    return count


# --- responsibility tracing (HAZ-9) -------------------------------------------------------


def open_responsibility_case(
    hazard: Hazard, inspectors: list[str], checks: list[str], now: dt.datetime, basis: str = ""
) -> ResponsibilityCase:
    """Store a HAZ-9 case (谁检查、谁签名、谁负责) naming the inspectors who missed the hazard.

    Callers (enforcement) run :func:`rules.responsibility_tracing` on their inspection records
    first; one case per hazard, a second call returns the first."""
    if not inspectors:
        raise ValidationError({"inspectors": "责任倒查须列明检查人员"})
    case, _ = ResponsibilityCase.objects.get_or_create(
        hazard=hazard,
        defaults={
            "inspectors": list(inspectors),
            "checks": list(checks),
            "basis": basis or rules.policy(local_date(now))["tracing"]["source"],
            "opened_at": now,
        },
    )
    return case


def tracing_facts(hazard: Hazard) -> rules.TracingFacts:
    """The HAZ-9 input for one hazard: its finder's level from the organisation or source."""
    org = hazard.finder_organization
    level = rules.finder_level_of(hazard.source)
    if org is not None:
        level = "province" if org.kind == "inspectorate" else org.division.level
    return rules.TracingFacts(
        mine_id=hazard.mine_id,
        situation_code=hazard.situation.code if hazard.situation_id else None,
        grade=hazard.grade,
        found_at=hazard.found_at,
        finder_level=level,
    )
