"""The graded response as actions on the database (MON-4): who hears of a case, steps of the
loop, comments, assignment and notification rows. The worker (:mod:`.worker`) calls these on the
clock; pages and the API call them for people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from minesafe.accounts.choices import MINE_ROLES, REGULATOR_ROLES, Role
from minesafe.accounts.models import User
from minesafe.core.audiences import AUDIENCE_ROLES, audience_q
from minesafe.core.context import acting_as
from minesafe.localtime import local_date
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Topic
from minesafe.response import rules
from minesafe.response.choices import CaseState, NotificationReason
from minesafe.response.models import AlarmCase, CaseComment, CaseTransition


def policy_at(now: dt.datetime) -> dict[str, Any]:
    """The rule set in force on ``now``'s local date."""
    return rules.policy(local_date(now))


def actor_kind(user: Any) -> str:
    """How the loop's rules see a user: the mine, the enterprise, a regulator, or an admin."""
    if user is None or getattr(user, "is_superuser", False) or user.role == Role.ADMIN:
        return rules.ADMIN
    if user.role in MINE_ROLES:
        return rules.MINE
    if user.role == Role.ENTERPRISE_OFFICER:
        return rules.ENTERPRISE
    if user.role in REGULATOR_ROLES:
        return rules.REGULATOR
    return rules.NOBODY


def _name(user: Any) -> str:
    return str(user) if user is not None else "系统"


# --- who hears of a case ----------------------------------------------------------------------


def level_roles(level: int) -> frozenset[str]:
    """MON-4: the roles who hear of a case at ``level`` (its audience and those below)."""
    return frozenset().union(*(AUDIENCE_ROLES[name] for name in rules.audiences(level)))


def assignable(case: AlarmCase) -> QuerySet[User]:
    """People a case may be assigned to: anyone in any audience of its mine."""
    query = Q(pk__in=[])
    for audience in rules.audiences(1):
        query |= audience_q(case.mine, audience)
    return User.objects.filter(query, is_active=True).order_by("username").distinct()


def message(case: AlarmCase, reason: str) -> tuple[str, str]:
    """Subject and body of a notification about ``case``."""
    level = rules.LEVEL_NAMES.get(case.effective_level, "")
    subject = (
        f"{NotificationReason(reason).label}：{case.mine.name} {level}"
        f"{case.get_kind_display()} {case.point_code}"
    ).strip()
    local = timezone.localtime(case.opened_at)
    lines = [
        f"煤矿：{case.mine.name}（{case.mine.code}）",
        f"报警：{case.get_kind_display()} {case.point_code}，{local:%Y-%m-%d %H:%M:%S}",
        f"当前等级：{level}；状态：{case.get_state_display()}",
    ]
    if case.deadline:
        lines.append(f"当前环节期限：{timezone.localtime(case.deadline):%Y-%m-%d %H:%M}")
    if case.children_count:
        lines.append(f"归并报警：{case.children_count}条")
    return subject[:200], "\n".join(lines)


def facts(case: AlarmCase) -> dict[str, Any]:
    """What a webhook receiver learns of the case besides the message."""
    return {
        "case": case.pk,
        "kind": case.kind,
        "point_code": case.point_code,
        "state": case.state,
        "opened_at": case.opened_at.isoformat(),
    }


def notify(
    case: AlarmCase,
    reason: str,
    now: dt.datetime,
    round_key: str,
    people: Iterable[User] | None = None,
) -> int:
    """Issue 6 §3: tell who hears of the case at its level (or ``people``) through the
    notifications app, at the case's level. ``round_key`` makes a repeat of the same round
    (another worker, a retry) write nothing."""
    subject, body = message(case, reason)
    audience = (
        notifications.to_roles(case.mine, level_roles(case.effective_level))
        if people is None
        else notifications.to_users(people)
    )
    return notifications.notify(
        audience,
        Topic.ALARM,
        subject,
        body,
        key=f"alarm|{case.pk}|{round_key}",
        about=case,
        level=case.effective_level,
        kind=NotificationReason(reason),
        data=facts(case),
        now=now,
    )


# --- the loop ---------------------------------------------------------------------------------


def record(
    case: AlarmCase,
    event: str,
    label: str,
    now: dt.datetime,
    user: Any = None,
    old_state: str = "",
    old_level: int | None = None,
    reason: str = "",
) -> CaseTransition:
    """Append one row to the case's history (STYLE 7)."""
    return CaseTransition.objects.create(
        case=case,
        event=event,
        label=label,
        old_state=old_state,
        new_state=case.state,
        old_level=old_level,
        new_level=case.effective_level,
        user=user if getattr(user, "pk", None) else None,
        actor=_name(user),
        at=now,
        reason=reason,
    )


STEP_FIELDS = {
    "acknowledge": ("acknowledged_by", "acknowledged_at"),
    "dispose": ("disposed_by", "disposed_at"),
    "feedback": (None, "fed_back_at"),
    "verify": ("verified_by", "verified_at"),
    "close": ("closed_by", "closed_at"),
    "close_suppressed": ("closed_by", "closed_at"),
}


def take_step(
    case: AlarmCase, name: str, user: Any, now: dt.datetime, data: Mapping[str, Any]
) -> AlarmCase:
    """MON-4: one step of the loop by ``user``. The row is locked and re-read, so two people
    pressing the same button get one step and one clear refusal; an illegal step raises
    ``ValidationError`` (400) or, for a body that may not take it, ``PermissionDenied`` (403)."""
    with transaction.atomic(), acting_as(user, str(data.get("reason") or "")):
        case = AlarmCase.objects.select_for_update().select_related("mine").get(pk=case.pk)
        try:
            step = rules.check_step(name, case.state, case.effective_level, actor_kind(user), data)
        except rules.StepRefused as exc:
            if exc.forbidden:
                raise PermissionDenied(exc.message) from exc
            raise ValidationError({exc.field or "transition": exc.message}) from exc
        old_state = case.state
        _apply(case, step, user, now, data)
        case.state = step.target
        case.deadline = rules.deadline(case.state, case.effective_level, now, policy_at(now))
        case.save()
        reason = str(data.get("reason") or data.get("measures") or data.get("feedback") or "")
        record(case, step.name, step.label, now, user, old_state, case.effective_level, reason)
        if case.state == CaseState.CLOSED:
            _close_children(case, user, now)
    return case


def _apply(case: AlarmCase, step: rules.Step, user: Any, now: dt.datetime, data: Any) -> None:
    who, when = STEP_FIELDS.get(step.name, (None, None))
    if who:
        setattr(case, who, _name(user))
    if when:
        setattr(case, when, now)
    if step.name == "dispose":
        case.measures = str(data["measures"]).strip()
        case.evacuated = data.get("evacuated")
        case.power_cut_confirmed = bool(data.get("power_cut_confirmed"))
    elif step.name == "feedback":
        case.feedback = str(data["feedback"]).strip()
    elif step.name in ("verify", "return"):
        case.verification = str(data.get("reason") or data.get("verification") or "").strip()
        if step.name == "verify":
            case.verified_by, case.verified_at = _name(user), now


def _close_children(case: AlarmCase, user: Any, now: dt.datetime) -> None:
    """Grouped alarms close with their parent case."""
    for child in case.children.exclude(state=CaseState.CLOSED):
        old = child.state
        child.state, child.closed_at, child.closed_by = CaseState.CLOSED, now, _name(user)
        child.save()
        record(child, "close_with_parent", "随主报警关闭", now, user, old, child.effective_level)


def add_comment(case: AlarmCase, user: Any, text: str, now: dt.datetime) -> CaseComment:
    """MON-4: a remark on a case, kept in its timeline."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "评论内容不能为空"})
    with acting_as(user):
        return CaseComment.objects.create(
            case=case, author=user, author_name=_name(user), text=text[:2000], at=now
        )


def assign(case: AlarmCase, user: Any, assignee: User, now: dt.datetime, reason: str = "") -> None:
    """MON-4: hand a case to a person of its mine, enterprise or regulator; they are told."""
    if not assignable(case).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": "只能指派给该煤矿、所属企业或属地监管部门的人员"})
    with transaction.atomic(), acting_as(user, reason):
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        record(case, "assign", f"指派给{assignee}", now, user, case.state, None, reason)
        notify(case, NotificationReason.ASSIGNED, now, f"assign-{now.timestamp()}", [assignee])


def waiting_on(user: Any, mine_org: bool = False) -> Q:
    """The cases waiting on ``user`` ("my alarms") or on their organisation (``mine_org``):
    steps their kind of actor may take now, at a level their audience hears; cases assigned to
    the user always count."""
    kind = actor_kind(user)
    handle = Q(state__in=[CaseState.NEW, CaseState.ACKNOWLEDGED, CaseState.DISPOSED])
    verify = Q(state__in=[CaseState.FED_BACK, CaseState.VERIFIED])
    if kind == rules.MINE:
        query = handle | Q(state=CaseState.SUPPRESSED)
    elif kind == rules.ENTERPRISE:
        query = (handle & Q(effective_level__lte=3)) | (verify & Q(effective_level__gte=3))
    elif kind == rules.REGULATOR:
        top = 2 if user.role == Role.COUNTY_REGULATOR else 1
        query = (Q(state=CaseState.NEW) | verify) & Q(effective_level__lte=top)
    elif kind == rules.ADMIN:
        query = Q(state__in=[*rules.STEP_OF_STATE, CaseState.VERIFIED])
    else:
        query = Q(pk__in=[])
    if mine_org:
        return query
    return Q(assignee_id=user.pk) | (query & Q(assignee__isnull=True))
