"""Evacuation orders on the database (MON-8, EMG-2, issue 6 §6): issuing, the mine's receipt and
confirmation, the check against positioning, spot checks, lifting, and what a failure leads to
(a 三违 record and a major-hazard candidate). Rules live in :mod:`minesafe.emergency.rules`;
every function takes ``now`` and, where positioning is read, a ``lookup`` (injected in tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minesafe.accounts.choices import MINE_ROLES, Role
from minesafe.accounts.models import User
from minesafe.core.audiences import AUDIENCE_ROLES
from minesafe.core.context import acting_as
from minesafe.emergency import rules
from minesafe.emergency.choices import (
    CheckResult,
    IssuerKind,
    NoticeKind,
    OrderReason,
    OrderScope,
    TargetState,
)
from minesafe.emergency.models import (
    EvacuationOrder,
    OrderTarget,
    SpotCheck,
    TargetEvent,
    WeatherWarning,
)
from minesafe.localtime import local_date
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Level, Topic
from minesafe.registry.models import Mine

#: (mine, moment) -> people underground, or None when the mine sent no positioning data.
Lookup = Callable[[Any, dt.datetime], list[rules.Person] | None]


def _name(user: Any) -> str:
    return str(user) if user is not None else "系统"


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def policy_at(now: dt.datetime) -> dict[str, Any]:
    return rules.policy(local_date(now))


# --- positioning --------------------------------------------------------------------------


def positioning_lookup(mine: Any, at: dt.datetime) -> list[rules.Person] | None:
    """People underground at ``at`` per the positioning area, or None when the mine sent no
    positioning data for that moment (``underground_count`` None: no data is not zero)."""
    from minesafe.positioning import services as positioning

    if positioning.underground_count(mine, at) is None:
        return None
    return [
        rules.Person(
            card=p.card,
            name=p.name,
            area_code=p.area_code or "",
            area_name=p.area_name or "",
            entered_at=p.entered_at,
            job=p.job or "",
        )
        for p in positioning.underground_at(mine, at)
    ]


# --- warnings -----------------------------------------------------------------------------


def mine_facts(mine: Mine) -> rules.MineFacts:
    return rules.MineFacts(
        id=mine.pk, mining_method=mine.mining_method, hydro_type=mine.hydro_type, status=mine.status
    )


def mines_in(warning: WeatherWarning) -> Any:
    """Mines whose county lies in one of the warning's divisions."""
    query = Q(pk__in=[])
    for path in warning.divisions.values_list("path", flat=True):
        query |= Q(county__path__startswith=path)
    return Mine.objects.filter(query)


def proposed_mines(warning: WeatherWarning, user: Any) -> list[tuple[Mine, str]]:
    """MON-8: the mines of the user's jurisdiction the warning calls an order for, with why."""
    mines = list(mines_in(warning).restrict(user).order_by("name", "pk"))
    table = policy_at(warning.valid_from)
    chosen = dict(rules.affected_mines(warning.kind, warning.level, map(mine_facts, mines), table))
    return [(m, chosen[m.pk]) for m in mines if m.pk in chosen]


def record_warning(*, user: Any, divisions: Iterable[Any], **fields: Any) -> WeatherWarning:
    if fields["valid_to"] <= fields["valid_from"]:
        raise ValidationError({"valid_to": "解除时间须晚于生效时间"})
    warning = WeatherWarning(
        entered_by=user if getattr(user, "is_authenticated", False) else None,
        organization=getattr(user, "organization", None),
        **fields,
    )
    warning.full_clean()
    with transaction.atomic(), acting_as(user, "录入气象预警"):
        warning.save()
        warning.divisions.set(list(divisions))
    return warning


# --- notices ------------------------------------------------------------------------------


#: How urgent each notice is (I most severe): an order, people left underground and an order
#: the mine has not confirmed reach e-mail and SMS by default.
NOTICE_LEVELS = {
    NoticeKind.NEW_ORDER: Level.I,
    NoticeKind.SELF_ISSUED: Level.II,
    NoticeKind.OVERDUE: Level.I,
    NoticeKind.MISMATCH: Level.I,
    NoticeKind.NO_DATA: Level.II,
    NoticeKind.SPOT_FAILED: Level.I,
    NoticeKind.LIFTED: Level.III,
}


def _audience(mine: Any, *audiences: str) -> notifications.ToRoles:
    """The people behind named audiences of the mine (``core.audiences``)."""
    return notifications.to_roles(mine, set().union(*(AUDIENCE_ROLES[a] for a in audiences)))


def _regulators(target: OrderTarget) -> list[notifications.Audience]:
    """The county regulators of the mine and, for a regulator's order, the issuing unit."""
    out: list[notifications.Audience] = [_audience(target.mine, "county")]
    org = target.order.issuer_org
    if org is not None:
        out.append(notifications.to_organization(org))
    return out


def notify(
    target: OrderTarget,
    kind: str,
    audience: notifications.Audience | Iterable[notifications.Audience],
    now: dt.datetime,
    detail: str = "",
    round_key: str = "",
) -> int:
    """One notice about an order through the notifications app, at most once per (target,
    kind, round, recipient): a repeat of the same round (another worker, a retry) writes
    nothing."""
    order = target.order
    lines = [
        f"指令：{order.number}（{order.get_issuer_kind_display()}，{order.cause_label}）",
        f"煤矿：{target.mine.name}；撤离期限：{_local(target.deadline)}",
        f"状态：{target.get_state_display()}；定位核查：{target.get_check_result_display()}",
    ]
    if detail:
        lines.append(detail)
    return notifications.notify(
        audience,
        Topic.EVACUATION,
        f"{NoticeKind(kind).label}：{target.mine.name} {order.number}",
        "\n".join(lines),
        key=f"evacuation|{target.pk}|{kind}|{round_key}",
        about=target,
        level=NOTICE_LEVELS[NoticeKind(kind)],
        kind=NoticeKind(kind),
        now=now,
    )


def _mine_staff(mine: Any) -> notifications.ToRoles:
    return _audience(mine, "mine_dispatch", "mine_management")


# --- issuing ------------------------------------------------------------------------------


def _log(
    target: OrderTarget, event: str, old: str, actor: str, now: dt.datetime, note: str = ""
) -> None:
    TargetEvent.objects.create(
        target=target,
        event=event,
        old_state=old,
        new_state=target.state,
        actor=actor,
        at=now,
        note=note,
    )


def issue_order(
    *,
    user: Any,
    mines: Sequence[Mine],
    reason: str,
    text: str,
    deadline: dt.datetime,
    now: dt.datetime,
    warning: WeatherWarning | None = None,
    alarm_case: Any = None,
    scope: str = OrderScope.WHOLE_MINE,
    areas: Sequence[str] = (),
    bases: dict[int, str] | None = None,
) -> EvacuationOrder:
    """Give an order to ``mines`` (MON-8) or, from mine staff, to their own mine (EMG-2).

    Raises ``ValidationError`` naming the field. Mine staff of each target are notified; a
    mine's own order is reported to the county regulators.
    """
    table = policy_at(now)
    role = "admin" if getattr(user, "is_superuser", False) else user.role
    visible = Mine.objects.restrict(user).filter(pk__in=[m.pk for m in mines])
    refusal = rules.may_issue(
        role, user.mine_id, [m.pk for m in mines], visible.values_list("pk", flat=True)
    )
    if refusal:
        raise ValidationError({"mines": refusal})
    errors = rules.deadline_errors(now, deadline, table)
    if reason not in OrderReason.values:
        errors["reason"] = "未知的事由"
    if scope == OrderScope.AREAS and not [a for a in areas if a.strip()]:
        errors["areas"] = "指定区域撤人须列出区域"
    if not text.strip():
        errors["text"] = "请填写指令内容"
    if errors:
        raise ValidationError(errors)
    self_issued = role in MINE_ROLES
    order = EvacuationOrder(
        issuer_kind=IssuerKind.MINE if self_issued else IssuerKind.REGULATOR,
        issuer_org=None if self_issued else getattr(user, "organization", None),
        issuer_mine=mines[0] if self_issued else None,
        issued_by=user,
        issued_by_name=_name(user),
        reason=reason,
        warning=warning,
        alarm_case=alarm_case,
        text=text.strip(),
        issued_at=now,
        deadline=deadline,
        scope=scope,
        areas=[a.strip() for a in areas if a.strip()] if scope == OrderScope.AREAS else [],
    )
    order.full_clean(exclude=["number"])
    bases = bases or {}
    with transaction.atomic(), acting_as(user, "下达撤人指令"):
        order.save()
        prefix = "ZZ" if self_issued else "CR"
        order.number = f"{prefix}{timezone.localtime(now):%Y%m%d}-{order.pk:05d}"
        order.save(update_fields=["number"])
        for mine in mines:
            target = OrderTarget.objects.create(
                order=order, mine=mine, deadline=deadline, basis=bases.get(mine.pk, "")[:300]
            )
            _log(target, "issue", "", _name(user), now, order.get_issuer_kind_display())
            if self_issued:
                notify(target, NoticeKind.SELF_ISSUED, _audience(mine, "county"), now)
            else:
                notify(target, NoticeKind.NEW_ORDER, _mine_staff(mine), now, order.text[:200])
    return order


def lift(order: EvacuationOrder, user: Any, now: dt.datetime, reason: str) -> EvacuationOrder:
    """End an order (the weather has passed): every target still running is lifted."""
    role = "admin" if getattr(user, "is_superuser", False) else user.role
    mine_ids = list(order.targets.values_list("mine_id", flat=True))
    if not rules.may_lift(role, order.issuer_kind, user.mine_id, mine_ids):
        raise ValidationError({"reason": "只有下达方可以解除该撤人指令"})
    if order.is_lifted:
        raise ValidationError({"reason": "该指令已解除"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写解除说明"})
    with transaction.atomic(), acting_as(user, "解除撤人指令"):
        order.lifted_at, order.lifted_by, order.lift_reason = now, _name(user), reason.strip()
        order.save()
        for target in order.targets.select_related("mine", "order"):
            if rules.can(target.state, "lift"):
                old, target.state = target.state, rules.next_state(target.state, "lift")
                target.save(update_fields=["state", "updated_at"])
                _log(target, "lift", old, _name(user), now, reason.strip())
                notify(target, NoticeKind.LIFTED, _mine_staff(target.mine), now, reason.strip())
    return order


# --- the mine's answer --------------------------------------------------------------------


def _step(target: OrderTarget, event: str) -> str:
    try:
        return rules.next_state(target.state, event)
    except rules.StateError as exc:
        raise ValidationError({"__all__": str(exc)}) from exc


def receive(target: OrderTarget, user: Any, now: dt.datetime) -> OrderTarget:
    """签收: the mine has seen the order."""
    old = target.state
    new = _step(target, "receive")
    with transaction.atomic(), acting_as(user, "签收撤人指令"):
        target.state, target.received_at, target.received_by = new, now, _name(user)
        target.save()
        _log(target, "receive", old, _name(user), now)
    return target


def confirm(
    target: OrderTarget,
    user: Any,
    now: dt.datetime,
    *,
    people_out: int | None,
    people_remaining: int | None,
    exemptions: Sequence[rules.Exemption] = (),
    note: str = "",
    lookup: Lookup | None = None,
) -> OrderTarget:
    """确认撤离 (MON-8): the mine states how many came out and who stays with consent; the
    positioning data at the moment of confirmation is checked at once."""
    if target.order.is_lifted:
        raise ValidationError({"__all__": "该指令已解除"})
    errors = rules.confirmation_errors(people_out, people_remaining, exemptions)
    if errors:
        raise ValidationError(errors)
    old = target.state
    new = _step(target, "confirm")
    table = policy_at(now)
    with transaction.atomic(), acting_as(user, "确认撤离"):
        target.state = new
        if target.received_at is None:
            target.received_at, target.received_by = now, _name(user)
        target.confirmed_at, target.confirmed_by = now, _name(user)
        target.people_out, target.people_remaining = people_out, people_remaining
        target.exemptions = [
            {"card": e.card, "name": e.name, "reason": e.reason} for e in exemptions
        ]
        target.note = note
        target.late = rules.is_late(now, target.deadline, table)
        target.save()
        _log(target, "confirm", old, _name(user), now, "逾期确认" if target.late else "")
        if target.late:
            notify(target, NoticeKind.OVERDUE, _regulators(target), now, "煤矿逾期确认撤离")
        check(target, now, lookup or positioning_lookup, at=now)
    return target


def exemptions_of(target: OrderTarget) -> list[rules.Exemption]:
    return [
        rules.Exemption(
            card=str(e.get("card", "")),
            name=str(e.get("name", "")),
            reason=str(e.get("reason", "")),
        )
        for e in target.exemptions
        if isinstance(e, dict)
    ]


def check(
    target: OrderTarget, now: dt.datetime, lookup: Lookup, at: dt.datetime
) -> rules.Reconciliation:
    """Compare the target with the positioning data at ``at`` and act on the result.

    After the deadline, people still underground become a 三违 record and a major-hazard
    candidate; before it, a contradicted confirmation is marked 核查不符 only. No data makes a
    confirmed target 无法核查 and lists it for a spot check.
    """
    recon = rules.reconcile(
        lookup(target.mine, at),
        at,
        exemptions_of(target),
        target.order.areas if target.order.scope == OrderScope.AREAS else (),
        target.people_remaining,
    )
    target.check_result = recon.result
    target.checked_at = now
    target.check_evidence = recon.evidence()
    target.save(update_fields=["check_result", "checked_at", "check_evidence", "updated_at"])
    if recon.result == rules.MISMATCH:
        if rules.can(target.state, "mismatch"):
            old, target.state = target.state, rules.next_state(target.state, "mismatch")
            target.save(update_fields=["state", "updated_at"])
            _log(target, "mismatch", old, "人员定位核查", now, _people_text(recon.unexpected))
        notify(
            target,
            NoticeKind.MISMATCH,
            _regulators(target),
            now,
            _people_text(recon.unexpected),
            round_key="deadline" if at >= target.deadline else f"{at:%Y%m%d%H%M%S}",
        )
        if at >= target.deadline:
            record_failure(
                target,
                recon.unexpected,
                found_at=now,
                finder="人员定位核查",
                by_spot_check=False,
                user=None,
                at=at,
            )
    elif recon.result == rules.NO_DATA:
        if rules.can(target.state, "no_data") and at >= target.deadline:
            old, target.state = target.state, rules.next_state(target.state, "no_data")
            target.save(update_fields=["state", "updated_at"])
            _log(target, "no_data", old, "人员定位核查", now, "无定位数据，列入抽查")
        if at >= target.deadline:
            notify(target, NoticeKind.NO_DATA, _regulators(target), now, "无定位数据，请抽查")
    return recon


def _people_text(people: Sequence[rules.Person]) -> str:
    """The evidence in words: who, which card, where, since when."""

    def one(p: rules.Person) -> str:
        parts = [f"卡号{p.card}"] if p.card else []
        parts.append(p.area_name or p.area_code or "区域不详")
        if p.entered_at:
            parts.append(f"{_local(p.entered_at)}入井")
        return f"{p.name}（{'，'.join(parts)}）"

    shown = "；".join(one(p) for p in people[:20])
    more = f" 等{len(people)}人" if len(people) > 20 else ""
    return f"井下仍有{len(people)}人：{shown}{more}"


def responsible_person(mine: Any) -> tuple[str, str]:
    """The mine's first person responsible (安全生产第一责任人): its manager on the platform."""
    manager = (
        User.objects.filter(role=Role.MINE_MANAGER, mine=mine, is_active=True)
        .order_by("pk")
        .first()
    )
    name = (manager.get_full_name() or manager.username) if manager else f"{mine.name}矿长"
    return name[:50], "矿长（安全生产第一责任人）"


def record_failure(
    target: OrderTarget,
    people: Sequence[rules.Person],
    *,
    found_at: dt.datetime,
    finder: str,
    by_spot_check: bool,
    user: Any,
    at: dt.datetime,
) -> None:
    """People kept underground after the deadline (MON-8, 002:44): once per target, a 违章指挥
    record against the mine's responsible person and a major-hazard candidate with the evidence.
    """
    from minesafe.hazards.choices import HazardSource, Profession
    from minesafe.hazards.services import record_hazard
    from minesafe.violations.choices import Severity, ViolationKind, ViolationSource
    from minesafe.violations.services import record_violation

    order = target.order
    cause = order.cause_label
    evidence = _people_text(people) if people else "抽查发现未按指令撤人"
    places = "、".join(
        sorted({p.area_name or p.area_code for p in people if p.area_name or p.area_code})
    )
    what = (
        f"撤人指令{order.number}（{cause}）要求{_local(target.deadline)}前"
        f"{'撤出' + '、'.join(order.areas) if order.areas else '全矿井停产撤人'}；"
        f"{_local(at)}核查：{evidence}。"
    )
    if target.confirmed_at:
        what += (
            f"煤矿于{_local(target.confirmed_at)}确认撤出{target.people_out}人、"
            f"井下剩余{target.people_remaining}人。"
        )
    if target.violation_id_ref is None:
        person, job = responsible_person(target.mine)
        violation = record_violation(
            mine=target.mine,
            person_name=person,
            person_job=job,
            kind=ViolationKind.COMMAND,
            severity=Severity.SERIOUS,
            source=ViolationSource.INSPECTION,
            found_at=found_at,
            found_by=finder[:50],
            place=places[:100],
            description=f"未按撤人指令组织撤人（违章指挥）：{what}",
            user=user,
            origin=target,
        )
        target.violation_id_ref = violation.pk
    if target.hazard_id_ref is None:
        hazard = record_hazard(
            mine=target.mine,
            source=HazardSource.REGULATOR_INSPECTION
            if by_spot_check
            else HazardSource.MONITORING_ALARM,
            description=f"{cause}期间未按撤人指令停产撤人：{what}"[:2000],
            found_at=found_at,
            finder=finder[:100],
            place=places[:100],
            profession=Profession.GEOLOGY_WATER if order.warning_id else Profession.MANAGEMENT,
            user=user,
            origin=target,
            now=found_at,
        )
        _suggest_situation(hazard, order, what)
        target.hazard_id_ref = hazard.pk
    target.save(update_fields=["violation_id_ref", "hazard_id_ref", "updated_at"])


def _suggest_situation(hazard: Any, order: EvacuationOrder, why: str) -> None:
    """Propose the 2020-standard situation of the data file (9(6) for rain and flood) as a
    pending suggestion on the hazard: a person confirms it major (HAZ-2), the platform does not."""
    from minesafe.hazards.catalogue import items_in_force
    from minesafe.hazards.choices import SuggestionMethod
    from minesafe.hazards.models import HazardSuggestion

    table = policy_at(hazard.found_at)
    code = rules.candidate_situation(order.warning.kind if order.warning_id else None, table)
    if code is None:
        return
    item = items_in_force(hazard.found_on).filter(code=code).first()
    if item is None:
        return
    suggestion, created = HazardSuggestion.objects.get_or_create(
        hazard=hazard,
        item=item,
        defaults={
            "method": SuggestionMethod.FACT,
            "rank": 1,
            "score": 1.0,
            "explanation": f"{table['candidate_source']}：{why}"[:2000],
        },
    )
    if not created and suggestion.method != SuggestionMethod.FACT:
        suggestion.method, suggestion.score = SuggestionMethod.FACT, 1.0
        suggestion.explanation = f"{table['candidate_source']}：{why}"[:2000]
        suggestion.save()


# --- spot checks --------------------------------------------------------------------------


def spot_check(
    target: OrderTarget,
    user: Any,
    now: dt.datetime,
    *,
    method: str,
    compliant: bool,
    findings: str,
    people: Sequence[rules.Person] = (),
    checked_at: dt.datetime | None = None,
) -> SpotCheck:
    """002:44 抽查检查: record a check; a compliant one settles a 无法核查 target, a
    non-compliant one is a failure like a positioning mismatch (violation and candidate)."""
    checked_at = checked_at or now
    if not findings.strip():
        raise ValidationError({"findings": "请填写抽查情况"})
    if compliant and people:
        raise ValidationError({"people": "落实到位时不应列出井下人员"})
    if checked_at > now:
        raise ValidationError({"checked_at": "抽查时间不能晚于当前时间"})
    if checked_at < target.order.issued_at:
        raise ValidationError({"checked_at": "抽查时间不能早于指令下达时间"})
    row = SpotCheck(
        target=target,
        checked_by=user,
        checker=_name(user),
        checked_at=checked_at,
        method=method,
        compliant=compliant,
        findings=findings.strip(),
        people_found=len(people),
        people=[p.as_dict() for p in people],
    )
    row.full_clean()
    with transaction.atomic(), acting_as(user, "撤人抽查"):
        row.save()
        if compliant and rules.can(target.state, "spot_ok"):
            old, target.state = target.state, rules.next_state(target.state, "spot_ok")
            target.save(update_fields=["state", "updated_at"])
            _log(target, "spot_ok", old, _name(user), now, "抽查确认撤离落实")
        if not compliant:
            if rules.can(target.state, "mismatch"):
                old, target.state = target.state, rules.next_state(target.state, "mismatch")
                target.save(update_fields=["state", "updated_at"])
                _log(target, "spot_failed", old, _name(user), now, findings.strip()[:500])
            notify(
                target,
                NoticeKind.SPOT_FAILED,
                _regulators(target),
                now,
                findings.strip()[:300],
                round_key=str(row.pk),
            )
            # Before the deadline people may still be coming out: only a finding after it is a
            # failure to evacuate (MON-8).
            if checked_at >= target.deadline:
                record_failure(
                    target,
                    list(people),
                    found_at=checked_at,
                    finder=f"{row.get_method_display()}：{_name(user)}",
                    by_spot_check=True,
                    user=user,
                    at=checked_at,
                )
    return row


# --- lists --------------------------------------------------------------------------------


def needs_spot_check() -> Q:
    """Targets the positioning data cannot settle and no spot check has yet (MON-8)."""
    return Q(check_result=CheckResult.NO_DATA, spot_checks__isnull=True) & ~Q(
        state=TargetState.LIFTED
    )
