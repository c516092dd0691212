"""In-app notices about evacuation orders: who hears of a target, and one notice per person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from minesafe.accounts.models import User
from minesafe.core.audiences import audience_q
from minesafe.emergency.choices import NoticeKind
from minesafe.emergency.models import OrderNotice, OrderTarget
from minesafe.emergency.services.common import local_text


def people_of(mine: Any, *audiences: str) -> list[User]:
    query = Q(pk__in=[])
    for audience in audiences:
        query |= audience_q(mine, audience)
    return list(User.objects.filter(query, is_active=True).order_by("pk").distinct())


def regulators(target: OrderTarget) -> list[User]:
    """The county regulators of the mine and, for a regulator's order, the issuing unit."""
    people = people_of(target.mine, "county")
    org = target.order.issuer_org
    if org is not None:
        people += list(User.objects.filter(organization=org, is_active=True))
    return list({u.pk: u for u in people}.values())


def notify(
    target: OrderTarget,
    kind: str,
    people: Iterable[User],
    now: dt.datetime,
    detail: str = "",
    round_key: str = "",
) -> int:
    """One in-app notice per person, at most once per (target, kind, round, person): a repeat
    of the same round (another worker, a retry) writes nothing."""
    order = target.order
    subject = f"{NoticeKind(kind).label}：{target.mine.name} {order.number}"[:200]
    lines = [
        f"指令：{order.number}（{order.get_issuer_kind_display()}，{order.cause_label}）",
        f"煤矿：{target.mine.name}；撤离期限：{local_text(target.deadline)}",
        f"状态：{target.get_state_display()}；定位核查：{target.get_check_result_display()}",
    ]
    if detail:
        lines.append(detail)
    rows = [
        OrderNotice(
            target=target,
            recipient=person,
            kind=kind,
            subject=subject,
            body="\n".join(lines),
            at=now,
            key=f"{target.pk}|{kind}|{round_key}|{person.pk}"[:200],
        )
        for person in people
    ]
    return len(OrderNotice.objects.bulk_create(rows, ignore_conflicts=True))


def mine_staff(mine: Any) -> list[User]:
    return people_of(mine, "mine_dispatch", "mine_management")
