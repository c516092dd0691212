"""The graded response as actions on the database (MON-4): who hears of a case, steps of the
loop, comments, assignment and notification rows. The worker (:mod:`.worker`) calls these on the
clock; pages and the API call them for people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from minesafe.accounts.models import User, nameable_by
from minesafe.core.audiences import AUDIENCE_ROLES, audience_q
from minesafe.core.context import acting_as
from minesafe.core.roles import Party, Role, party_of
from minesafe.core.transitions import Binding, apply, open_steps
from minesafe.core.workflow import Step
from minesafe.localtime import local_date
from minesafe.monitoring.choices import StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Topic
from minesafe.response import rules
from minesafe.response.choices import CaseState, NotificationReason
from minesafe.response.models import AlarmCase, CaseComment, CaseTransition


def policy_at(now: dt.datetime) -> dict[str, Any]:
    """The rule set in force on ``now``'s local date."""
    return rules.policy(local_date(now))


def _name(user: Any) -> str:
    return str(user) if user is not None else "系统"


# --- who hears of a case ----------------------------------------------------------------------


def level_roles(level: int) -> frozenset[str]:
    """MON-4: the roles who hear of a case at ``level`` (its audience and those below)."""
    return frozenset().union(*(AUDIENCE_ROLES[name] for name in rules.audiences(level)))


def assignable(case: AlarmCase, actor: Any) -> QuerySet[User]:
    """People a case may be assigned to: anyone in any audience of its mine whom the actor may
    name (REG-1: a national inspector does not hand a case to a city's regulator)."""
    query = Q(pk__in=[])
    for audience in rules.audiences(1):
        query |= audience_q(case.mine, audience)
    people = User.objects.filter(query, nameable_by(actor), is_active=True)
    return people.order_by("username").distinct()


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
    """Append an event of the system or an action outside the loop (assignment) to the case's
    history, in the same table as the loop's steps (STYLE 7)."""
    return CaseTransition.objects.create(
        case=case,
        step=event,
        label=label,
        from_state=old_state,
        to_state=case.state,
        old_level=old_level,
        new_level=case.effective_level,
        user=user if getattr(user, "pk", None) else None,
        username=_name(user),
        at=now,
        reason=reason,
    )


#: The loop on the spine (MON-4): the case, its history and the table in one place.
CASES = Binding(AlarmCase, CaseTransition, "case", rules.CASE_WORKFLOW, state_field="state")

STEP_FIELDS = {
    "acknowledge": ("acknowledged_by", "acknowledged_at"),
    "dispose": ("disposed_by", "disposed_at"),
    "feedback": (None, "fed_back_at"),
    "verify": ("verified_by", "verified_at"),
    "close": ("closed_by", "closed_at"),
    "override_close": ("closed_by", "closed_at"),
    "close_suppressed": ("closed_by", "closed_at"),
}


def alarm_open(case: AlarmCase) -> bool:
    """Whether the case's alarm still lasts (the engine has not ended it)."""
    return Alarm.objects.filter(pk=case.alarm_id, closed_at__isnull=True).exists()


def latest_reading(case: AlarmCase, at: dt.datetime) -> rules.Reading | None:
    """The newest stored reading of the case's point at ``at``: the newest 1-minute statistic
    monitoring stored (its average, and its minimum and maximum as the spread), else the last
    value of the alarm while it lasts; None when nothing is stored (read only, through the
    monitoring models)."""
    if not case.point_code:
        return None
    point = SensorPoint.objects.filter(mine_id=case.mine_id, code=case.point_code).first()
    unit = point.unit if point is not None else ""
    stat = (
        ReadingStat.objects.filter(
            mine_id=case.mine_id,
            point_code=case.point_code,
            period=StatPeriod.MINUTE,
            bucket__lte=at,
        )
        .order_by("-bucket")
        .first()
    )
    if stat is not None:
        when = timezone.localtime(stat.last_at or stat.bucket)
        return rules.Reading(stat.avg, stat.min, stat.max, unit, f"{when:%m-%d %H:%M}")
    alarm = Alarm.objects.filter(pk=case.alarm_id).first()
    if alarm is not None and alarm.closed_at is None and alarm.last_value is not None:
        value = alarm.last_value
        return rules.Reading(value, value, value, unit, "报警最新值")
    return None


def check_feedback(case: AlarmCase, data: Mapping[str, Any], now: dt.datetime) -> None:
    """MON-4: a feedback is checked against the data it describes: the structured current
    reading and a percentage written in the text ("降至0.3%", compared when the point is read
    in percent or its unit is not known) must agree with the newest stored reading."""
    given = data.get("current_reading")
    stated = [float(given)] if isinstance(given, int | float) else []
    reading = latest_reading(case, now)
    percent = rules.stated_percent(str(data.get("feedback") or ""))
    if percent is not None and (reading is None or not reading.unit or "%" in reading.unit):
        stated.append(percent)
    table = policy_at(now)
    for value in stated:
        rules.check_stated(value, reading, table)


def offered_steps(case: AlarmCase, user: Any) -> list[Step]:
    """The steps a user may take on a case now (the case page's buttons)."""
    steps = open_steps(CASES, case, user)
    return rules.offered(steps, case.effective_level, user.role, alarm_open(case))


def take_step(
    case: AlarmCase, name: str, user: Any, now: dt.datetime, data: Mapping[str, Any]
) -> AlarmCase:
    """MON-4: one step of the loop by ``user``, through the spine (the row is locked and
    re-read, so two people pressing the same button get one step and one clear refusal). The
    case's level decides who checks it; the step's words (measures, feedback, reason) go into
    the history. Raises :class:`Refusal`."""
    text = rules.step_text(name, data)

    def effect(locked: AlarmCase) -> None:
        rules.check_level(name, locked.effective_level, user.role)
        if name in ("close", "override_close"):
            still = alarm_open(locked)
            reading = latest_reading(locked, now) if still else None
            rules.check_alarm_closed(name, still, reading)
        elif name == "feedback":
            check_feedback(locked, data, now)
        _fill(locked, name, user, now, data)
        target = rules.CASE_WORKFLOW.step(name).target
        locked.deadline = rules.deadline(target, locked.effective_level, now, policy_at(now))

    with transaction.atomic():
        row = apply(CASES, case, name, user, now, reason=text, effect=effect)
        level, label = case.effective_level, rules.CASE_WORKFLOW.step(name).label
        CaseTransition.objects.filter(pk=row.pk).update(
            label=label, old_level=level, new_level=level
        )
        if case.state == CaseState.CLOSED:
            _close_children(case, user, now)
    return case


def _fill(case: AlarmCase, name: str, user: Any, now: dt.datetime, data: Any) -> None:
    """The fields a step of the loop sets on the case."""
    who, when = STEP_FIELDS.get(name, (None, None))
    if who:
        setattr(case, who, _name(user))
    if when:
        setattr(case, when, now)
    if name == "dispose":
        case.measures = str(data["measures"]).strip()
        case.evacuated = data.get("evacuated")
        case.power_cut_confirmed = bool(data.get("power_cut_confirmed"))
    elif name == "feedback":
        case.feedback = str(data["feedback"]).strip()
    elif name in ("verify", "return"):
        case.verification = str(data.get("reason") or data.get("verification") or "").strip()


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
    if not assignable(case, user).filter(pk=assignee.pk).exists():
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
    party = party_of(user.role)
    handle = Q(state__in=[CaseState.NEW, CaseState.ACKNOWLEDGED, CaseState.DISPOSED])
    # A check waits on someone else than who disposed or fed back the case (MON-4).
    own_work = CaseTransition.objects.filter(
        case=OuterRef("pk"), step__in=rules.HANDLING_STEPS, user_id=user.pk
    )
    verify = Q(state__in=[CaseState.FED_BACK, CaseState.VERIFIED]) & ~Exists(own_work)
    if party == Party.MINE:
        query = handle | Q(state=CaseState.SUPPRESSED)
    elif party == Party.ENTERPRISE:
        query = (handle & Q(effective_level__lte=3)) | (verify & Q(effective_level__gte=3))
    elif party == Party.GOVERNMENT:
        top = 2 if user.role == Role.COUNTY_REGULATOR else 1
        query = (Q(state=CaseState.NEW) | verify) & Q(effective_level__lte=top)
    elif party == Party.ADMIN:
        query = Q(state__in=[*rules.STEP_OF_STATE, CaseState.VERIFIED])
    else:
        query = Q(pk__in=[])
    if mine_org:
        return query
    return Q(assignee_id=user.pk) | (query & Q(assignee__isnull=True))
