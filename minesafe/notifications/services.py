"""Notifying people: the one entry point every area calls (:func:`notify`), the audiences it
takes, inboxes and preferences. Delivery through the transports is the worker's
(:mod:`.worker`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from minesafe.accounts.models import Organization, User
from minesafe.core.audiences import roles_q
from minesafe.core.roles import Role
from minesafe.core.scoping import VIEW
from minesafe.localtime import local_date
from minesafe.notifications import rules
from minesafe.notifications.choices import Channel, DeliveryStatus, Level, Reach, Topic
from minesafe.notifications.models import Notification, Preference, own_notifications
from minesafe.notifications.transports import current_config

# --- audiences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToUsers:
    """Named people (an assignee, the members of an issuing unit …)."""

    users: tuple[User, ...]


@dataclass(frozen=True)
class ToRoles:
    """The people holding ``roles`` in a mine's jurisdiction chain: the mine's own staff with
    those roles and the enterprise officers and regulators over it (``core.audiences``)."""

    mine: Any
    roles: frozenset[str]


@dataclass(frozen=True)
class ToOrganization:
    """An organisation: one in-app row its members read, and each member's other channels."""

    organization: Organization


Audience = ToUsers | ToRoles | ToOrganization


def to_users(users: Iterable[User]) -> ToUsers:
    return ToUsers(tuple(users))


def to_roles(mine: Any, roles: Iterable[str]) -> ToRoles:
    return ToRoles(mine, frozenset(roles))


def to_organization(organization: Organization) -> ToOrganization:
    return ToOrganization(organization)


def _resolve(audiences: Iterable[Audience]) -> tuple[dict[int, User], dict[int, Organization]]:
    """The people and organisations behind ``audiences``, each once."""
    people: dict[int, User] = {}
    orgs: dict[int, Organization] = {}
    for audience in audiences:
        if isinstance(audience, ToUsers):
            found: Iterable[User] = [u for u in audience.users if u.is_active]
        elif isinstance(audience, ToRoles):
            found = User.objects.filter(
                roles_q(audience.mine, audience.roles), is_active=True
            ).order_by("pk")
        else:
            orgs[audience.organization.pk] = audience.organization
            continue
        for user in found:
            people.setdefault(user.pk, user)
    return people, orgs


# --- the entry point ------------------------------------------------------------------------


def _address(user: User, channel: str) -> str:
    return {Channel.IN_APP: str(user.pk), Channel.EMAIL: user.email, Channel.SMS: user.phone}.get(
        channel, ""
    )


def reaches(users: Iterable[User], topic: str) -> dict[int, dict[str, int]]:
    """Each person's preferences for ``topic``: user id → channel → reach."""
    out: dict[int, dict[str, int]] = {}
    rows = Preference.objects.filter(user__in=list(users), topic=topic)
    for user_id, channel, reach in rows.values_list("user_id", "channel", "reach"):
        out.setdefault(user_id, {})[channel] = reach
    return out


@dataclass(frozen=True)
class Message:
    """What every row of one :func:`notify` call shares."""

    topic: str
    kind: str
    kind_label: str
    level: int
    subject: str
    body: str
    about: Any
    mine_id: int | None
    data: Mapping[str, Any]
    key: str
    now: dt.datetime

    def row(self, channel: str, who: str, label: str, address: str, **to: Any) -> Notification:
        in_app = channel == Channel.IN_APP
        return Notification(
            topic=self.topic,
            kind=self.kind,
            kind_label=self.kind_label,
            level=self.level,
            mine_id=self.mine_id,
            about_type=ContentType.objects.get_for_model(self.about) if self.about else None,
            about_id=self.about.pk if self.about else None,
            url=_url(self.about),
            recipient_label=label[:150],
            channel=channel,
            address=address,
            subject=self.subject[:200],
            body=self.body,
            data=dict(self.data),
            status=DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
            sent_at=self.now if in_app else None,
            next_attempt_at=None if in_app else self.now,
            key=f"{self.key[:170]}|{who}|{channel}",
            at=self.now,
            **to,
        )


def _mine_of(about: Any) -> int | None:
    """The mine an object belongs to (its dossier), for jurisdiction and the webhook."""
    return about.audit_mine_id() if hasattr(about, "audit_mine_id") else None


def _url(about: Any) -> str:
    get = getattr(about, "get_absolute_url", None)
    return str(get()) if get else ""


def notify(
    audience: Audience | Iterable[Audience],
    topic: str,
    subject: str,
    body: str,
    *,
    key: str,
    about: Any = None,
    level: int = Level.III,
    kind: str = "",
    mine: Any = None,
    data: Mapping[str, Any] | None = None,
    channels: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Tell ``audience`` about ``about``: one row per recipient and channel, plus the platform's
    webhook if one is configured. Returns how many rows are new.

    Channels: the level's defaults (or the area's own ``channels``), narrowed or widened by each
    person's preferences for ``topic``; in-app always. In-app rows are delivered by being stored,
    the others wait for the worker. ``key`` names the message: calling again with the same key
    (another worker, a retry) writes nothing.
    """
    now = now or timezone.now()
    single = isinstance(audience, ToUsers | ToRoles | ToOrganization)
    audiences = [audience] if single else list(audience)
    people, orgs = _resolve(audiences)
    defaults = list(channels or rules.default_channels(level, rules.policy(local_date(now))))
    message = Message(
        topic,
        str(kind or topic),
        str(getattr(kind, "label", "") or Topic(topic).label),
        int(level),
        subject,
        body,
        about,
        mine.pk if mine is not None else _mine_of(about),
        data or {},
        key,
        now,
    )
    members = _members(orgs, people)
    prefs = reaches([*people.values(), *members], topic)
    rows: list[Notification] = []
    for user in [*people.values(), *members]:
        own = user.pk in people
        for channel in rules.channels_for(level, defaults, prefs.get(user.pk, {})):
            address = _address(user, channel)
            if address and (own or channel != Channel.IN_APP):
                rows.append(message.row(channel, f"u{user.pk}", str(user), address, recipient=user))
    for org in orgs.values():
        rows.append(message.row(Channel.IN_APP, f"o{org.pk}", str(org), "", organization=org))
    if not rows:  # nobody holds the roles yet: the message is still recorded (for administrators)
        rows.append(message.row(Channel.IN_APP, "nobody", _describe(audiences), ""))
    hook = current_config().webhook_url
    if hook:
        rows.append(message.row(Channel.WEBHOOK, "hook", "Webhook", hook))
    return _insert(rows)


def _describe(audiences: Iterable[Audience]) -> str:
    """Whom a message was meant for, in words (for a row nobody received)."""
    names = []
    for audience in audiences:
        if isinstance(audience, ToRoles):
            roles = "、".join(Role(role).label for role in sorted(audience.roles))
            names.append(f"{audience.mine}（{roles}）")
        elif isinstance(audience, ToOrganization):
            names.append(str(audience.organization))
    return "；".join(names) or "无接收人"


def _members(orgs: Mapping[int, Organization], people: Mapping[int, User]) -> list[User]:
    """Members of the organisations who are not named otherwise (their other channels)."""
    if not orgs:
        return []
    found = User.objects.filter(organization_id__in=list(orgs), is_active=True).order_by("pk")
    return [user for user in found if user.pk not in people]


def _insert(rows: list[Notification]) -> int:
    """Store what is new (by key); a concurrent writer of the same keys is ignored."""
    keys = [row.key for row in rows]
    seen = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [row for row in rows if row.key not in seen]
    # Bulk, like the alarm sink: the rows are themselves the record of who was told what.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


Notify = Callable[[Any, Any, Any], None]


def step_notifier(
    topic: str,
    audience: Callable[[Any], Audience | Iterable[Audience]],
    level: int = Level.III,
    steps: frozenset[str] | None = None,
) -> Notify:
    """A ``core.transitions.Binding.notify`` callback: after a workflow step commits, tell the
    object's audience which step was taken (one message per history row); only the ``steps``
    named, when given (an unannounced inspection is not announced by its preparation)."""

    def after(obj: Any, step: Any, row: Any) -> None:
        if steps is not None and step.name not in steps:
            return
        reason = f"\n理由：{row.reason}" if getattr(row, "reason", "") else ""
        notify(
            audience(obj),
            topic,
            f"{step.label}：{obj}",
            f"{row.username}于{timezone.localtime(row.at):%Y-%m-%d %H:%M}{step.label}{reason}",
            key=f"{topic}|{obj._meta.label_lower}|{obj.pk}|step|{row.pk}",
            about=obj,
            level=level,
            kind=step.name,
            now=row.at,
        )

    return after


# --- inboxes --------------------------------------------------------------------------------


def inbox(user: Any, topic: str = "") -> QuerySet[Notification]:
    """A person's in-app notifications (theirs and their organisation's), newest first: only
    their own, even for an administrator (who sees every row in the delivery log)."""
    rows = Notification.objects.restrict(user, VIEW).filter(
        own_notifications(user), channel=Channel.IN_APP
    )
    return rows.filter(topic=topic) if topic else rows


def about_q(obj: Any) -> Q:
    """The notifications about ``obj``."""
    return Q(about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk)


def about(obj: Any, user: Any) -> QuerySet[Notification]:
    """The notifications about ``obj`` that ``user`` may see."""
    return Notification.objects.restrict(user, VIEW).filter(about_q(obj))


def mark_read(rows: QuerySet[Notification], now: dt.datetime | None = None) -> int:
    """Mark unread rows read; how many changed."""
    return rows.filter(read_at__isnull=True).update(read_at=now or timezone.now())


# --- preferences ----------------------------------------------------------------------------


def preferences(user: Any) -> dict[tuple[str, str], int]:
    """(topic, channel) → reach for every topic and personal channel; defaults shown as the
    level the default channels start at."""
    table = rules.policy(local_date(timezone.now()))
    chosen = {
        (p.topic, p.channel): p.reach for p in Preference.objects.restrict(user).filter(user=user)
    }
    out: dict[tuple[str, str], int] = {}
    for topic in Topic.values:
        for channel in rules.PERSONAL:
            default = max(
                (lv for lv in Level.values if channel in rules.default_channels(lv, table)),
                default=Reach.NEVER,
            )
            out[(topic, channel)] = chosen.get((topic, channel), default)
    return out


def set_preferences(user: Any, chosen: Mapping[tuple[str, str], int]) -> None:
    """Save a person's choices (every topic and personal channel)."""
    with transaction.atomic():
        for (topic, channel), reach in chosen.items():
            Preference.objects.update_or_create(
                user=user, topic=topic, channel=channel, defaults={"reach": reach}
            )
