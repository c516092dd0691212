"""Notices about evacuation orders through the notifications app: who hears of a target, and
one notice per recipient and round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from minesafe.core.audiences import AUDIENCE_ROLES
from minesafe.emergency.choices import NoticeKind
from minesafe.emergency.models import OrderTarget
from minesafe.emergency.services.common import local_text
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Level, Topic

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


def people_of(mine: Any, *audiences: str) -> notifications.ToRoles:
    """The people behind named audiences of the mine (``core.audiences``)."""
    return notifications.to_roles(mine, set().union(*(AUDIENCE_ROLES[a] for a in audiences)))


def regulators(target: OrderTarget) -> list[notifications.Audience]:
    """The county regulators of the mine and, for a regulator's order, the issuing unit."""
    out: list[notifications.Audience] = [people_of(target.mine, "county")]
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
        f"煤矿：{target.mine.name}；撤离期限：{local_text(target.deadline)}",
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


def mine_staff(mine: Any) -> notifications.ToRoles:
    return people_of(mine, "mine_dispatch", "mine_management")
