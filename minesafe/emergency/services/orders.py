"""Issuing and lifting evacuation orders, and the mine's answer: receipt and confirmation
(MON-8, EMG-2). The mine's steps go through the workflow spine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minesafe.core.context import acting_as
from minesafe.core.roles import MINE_ROLES, Role
from minesafe.core.transitions import Binding, apply
from minesafe.core.workflow import Refusal
from minesafe.emergency import rules
from minesafe.emergency.choices import IssuerKind, NoticeKind, OrderReason, OrderScope
from minesafe.emergency.models import EvacuationOrder, OrderTarget, TargetEvent, WeatherWarning
from minesafe.emergency.services.checks import check
from minesafe.emergency.services.common import (
    Lookup,
    move,
    name_of,
    policy_at,
    positioning_lookup,
    record,
)
from minesafe.emergency.services.notices import mine_staff, notify, people_of, regulators
from minesafe.registry.models import Mine


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

    Raises :class:`Refusal` or ``ValidationError`` naming the field. Mine staff of each target
    are notified; a mine's own order is reported to the county regulators.
    """
    table = policy_at(now)
    role = Role.ADMIN if getattr(user, "is_superuser", False) else user.role
    visible = Mine.objects.restrict(user).filter(pk__in=[m.pk for m in mines])
    rules.check_issue(
        role, user.mine_id, [m.pk for m in mines], visible.values_list("pk", flat=True)
    )
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
        issued_by_name=name_of(user),
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
            record(target, "issue", "", now, user=user, reason=order.get_issuer_kind_display())
            if self_issued:
                notify(target, NoticeKind.SELF_ISSUED, people_of(mine, "county"), now)
            else:
                notify(target, NoticeKind.NEW_ORDER, mine_staff(mine), now, order.text[:200])
    return order


def lift(order: EvacuationOrder, user: Any, now: dt.datetime, reason: str) -> EvacuationOrder:
    """End an order (the weather has passed): every target still running is lifted."""
    role = Role.ADMIN if getattr(user, "is_superuser", False) else user.role
    mine_ids = list(order.targets.values_list("mine_id", flat=True))
    if not rules.may_lift(role, order.issuer_kind, user.mine_id, mine_ids):
        raise Refusal("reason", "只有下达方可以解除该撤人指令", forbidden=True)
    if order.is_lifted:
        raise ValidationError({"reason": "该指令已解除"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写解除说明"})
    with transaction.atomic(), acting_as(user, "解除撤人指令"):
        order.lifted_at, order.lifted_by, order.lift_reason = now, name_of(user), reason.strip()
        order.save()
        for target in order.targets.select_related("mine", "order"):
            if move(target, "lift", now, user=user, reason=reason.strip()):
                notify(target, NoticeKind.LIFTED, mine_staff(target.mine), now, reason.strip())
    return order


#: The mine's part of an order on the spine (MON-8): its steps and history in one place.
TARGETS = Binding(OrderTarget, TargetEvent, "target", rules.TARGET_WORKFLOW, state_field="state")


def receive(target: OrderTarget, user: Any, now: dt.datetime) -> OrderTarget:
    """签收: the mine has seen the order."""

    def sign_for(locked: OrderTarget) -> None:
        locked.received_at, locked.received_by = now, name_of(user)

    apply(TARGETS, target, "receive", user, now, effect=sign_for)
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
        raise Refusal("step", "该指令已解除")
    errors = rules.confirmation_errors(people_out, people_remaining, exemptions)
    if errors:
        raise ValidationError(errors)
    late = rules.is_late(now, target.deadline, policy_at(now))

    def state_it(locked: OrderTarget) -> None:
        if locked.received_at is None:
            locked.received_at, locked.received_by = now, name_of(user)
        locked.confirmed_at, locked.confirmed_by = now, name_of(user)
        locked.people_out, locked.people_remaining = people_out, people_remaining
        locked.exemptions = [
            {"card": e.card, "name": e.name, "reason": e.reason} for e in exemptions
        ]
        locked.note = note
        locked.late = late

    with transaction.atomic():
        apply(
            TARGETS,
            target,
            "confirm",
            user,
            now,
            reason="逾期确认" if late else "",
            effect=state_it,
        )
        if late:
            notify(target, NoticeKind.OVERDUE, regulators(target), now, "煤矿逾期确认撤离")
        check(target, now, lookup or positioning_lookup, at=now)
    return target
