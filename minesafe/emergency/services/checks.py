"""The check of a mine's part of an order against positioning, spot checks (002:44) and what a
failure to evacuate leads to: a 三违 record and a major-hazard candidate (MON-8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from minesafe.accounts.models import User
from minesafe.core.context import acting_as
from minesafe.core.roles import Role
from minesafe.emergency import rules
from minesafe.emergency.choices import CheckResult, NoticeKind, OrderScope, TargetState
from minesafe.emergency.models import EvacuationOrder, OrderTarget, SpotCheck
from minesafe.emergency.services.common import (
    Lookup,
    local_text,
    move,
    name_of,
    policy_at,
)
from minesafe.emergency.services.notices import notify, regulators

#: Who the history names for what the positioning data showed.
CHECKER = "人员定位核查"


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
        move(target, "mismatch", now, who=CHECKER, reason=_people_text(recon.unexpected))
        notify(
            target,
            NoticeKind.MISMATCH,
            regulators(target),
            now,
            _people_text(recon.unexpected),
            round_key="deadline" if at >= target.deadline else f"{at:%Y%m%d%H%M%S}",
        )
        if at >= target.deadline:
            record_failure(
                target,
                recon.unexpected,
                found_at=now,
                finder=CHECKER,
                by_spot_check=False,
                user=None,
                at=at,
            )
    elif recon.result == rules.NO_DATA:
        if at >= target.deadline:
            move(target, "no_data", now, who=CHECKER, reason="无定位数据，列入抽查")
        if at >= target.deadline:
            notify(target, NoticeKind.NO_DATA, regulators(target), now, "无定位数据，请抽查")
    return recon


def _people_text(people: Sequence[rules.Person]) -> str:
    """The evidence in words: who, which card, where, since when."""

    def one(p: rules.Person) -> str:
        parts = [f"卡号{p.card}"] if p.card else []
        parts.append(p.area_name or p.area_code or "区域不详")
        if p.entered_at:
            parts.append(f"{local_text(p.entered_at)}入井")
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
        f"撤人指令{order.number}（{cause}）要求{local_text(target.deadline)}前"
        f"{'撤出' + '、'.join(order.areas) if order.areas else '全矿井停产撤人'}；"
        f"{local_text(at)}核查：{evidence}。"
    )
    if target.confirmed_at:
        what += (
            f"煤矿于{local_text(target.confirmed_at)}确认撤出{target.people_out}人、"
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
        checker=name_of(user),
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
        if compliant:
            move(target, "spot_ok", now, user=user, reason="抽查确认撤离落实")
        else:
            move(target, "spot_failed", now, user=user, reason=findings.strip()[:500])
            notify(
                target,
                NoticeKind.SPOT_FAILED,
                regulators(target),
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
                    finder=f"{row.get_method_display()}：{name_of(user)}",
                    by_spot_check=True,
                    user=user,
                    at=checked_at,
                )
    return row


def needs_spot_check() -> Q:
    """Targets the positioning data cannot settle and no spot check has yet (MON-8)."""
    return Q(check_result=CheckResult.NO_DATA, spot_checks__isnull=True) & ~Q(
        state=TargetState.LIFTED
    )
