"""The response clock (MON-4, issue 6 §1–§3, STYLE 8): one ``tick(now)`` picks up new alarms as
cases, escalates cases whose step is overdue, raises long-lasting unhandled cases and reminds
late feedback and verification. It decides whom to notify of what; the notifications app's
worker delivers.

Every piece of work is claimed so several workers may run at once: a case is created by a
conditional insert (the alarm is unique on the case), an escalation by an ``UPDATE`` that names
the deadline it saw.
``minesafe manage response_tick`` runs one step or loops until SIGTERM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from minesafe.monitoring.models import Alarm
from minesafe.response import rules, services
from minesafe.response.choices import (
    ESCALATING_STATES,
    CaseState,
    GroupReason,
    NotificationReason,
)
from minesafe.response.models import AlarmCase, PlannedWork

BATCH = 1000


@dataclass
class TickReport:
    cases: int = 0
    suppressed: int = 0
    grouped: int = 0
    backlog: int = 0
    escalated: int = 0
    raised: int = 0
    reminded: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def tick(now: dt.datetime) -> TickReport:
    """One step of the response clock at ``now`` (aware)."""
    report = TickReport()
    intake(now, report)
    escalate(now, report)
    raise_by_duration(now, report)
    remind(now, report)
    return report


# --- intake -----------------------------------------------------------------------------------


def _facts(alarm: Alarm) -> rules.AlarmFacts:
    return rules.AlarmFacts(alarm.kind, alarm.point_code, alarm.opened_at, alarm.details or {})


def _covering_work(alarm: Alarm) -> PlannedWork | None:
    works = PlannedWork.objects.filter(
        mine_id=alarm.mine_id,
        cancelled_at__isnull=True,
        starts_at__lte=alarm.opened_at,
        ends_at__gt=alarm.opened_at,
    ).order_by("starts_at", "pk")
    location = str((alarm.details or {}).get("location", ""))
    for work in works:
        scope = rules.WorkScope(
            work.starts_at,
            work.ends_at,
            rules.split_items(work.points),
            rules.split_items(work.locations),
            tuple(work.kinds or ()),
        )
        if rules.work_covers(scope, alarm.point_code, location, alarm.kind, alarm.opened_at):
            return work
    return None


def _flap_parent(alarm: Alarm, table: Mapping[str, Any]) -> AlarmCase | None:
    """The open case the same subject and kind had just before, if this alarm is a flap."""
    previous = (
        AlarmCase.objects.filter(
            mine_id=alarm.mine_id,
            kind=alarm.kind,
            point_code=alarm.point_code,
            opened_at__lte=alarm.opened_at,
        )
        .exclude(alarm_id=alarm.pk)
        .select_related("alarm", "parent")
        .order_by("-opened_at", "-pk")
        .first()
    )
    if previous is None or not rules.is_flapping(previous.alarm.closed_at, alarm.opened_at, table):
        return None
    root = previous.parent or previous
    return None if root.state in (CaseState.CLOSED, CaseState.GROUPED) else root


def _outage_candidates(alarm: Alarm, table: Mapping[str, Any]) -> list[AlarmCase]:
    window = dt.timedelta(minutes=float(table["grouping"]["window_minutes"]))
    found = AlarmCase.objects.filter(
        mine_id=alarm.mine_id,
        parent__isnull=True,
        kind__in=table["grouping"]["kinds"],
        opened_at__gte=alarm.opened_at - window,
        opened_at__lte=alarm.opened_at + window,
    ).exclude(state__in=[CaseState.CLOSED, CaseState.GROUPED])
    cases = list(found.select_related("alarm").exclude(alarm_id=alarm.pk))
    # A network-down (mine-wide) parent wins over a substation parent; then the oldest.
    return sorted(
        cases,
        key=lambda c: (not rules.is_mine_wide(_facts(c.alarm), table), c.opened_at, c.pk),
    )


def _outage_parent(alarm: Alarm, table: Mapping[str, Any]) -> AlarmCase | None:
    if alarm.kind not in table["grouping"]["kinds"]:
        return None
    candidates = [(c, _facts(c.alarm)) for c in _outage_candidates(alarm, table)]
    return rules.pick_parent(_facts(alarm), candidates, table)


def _new_case(alarm: Alarm, now: dt.datetime, **fields: Any) -> AlarmCase | None:
    """Conditional insert: None when another worker already made this alarm's case."""
    case = AlarmCase(
        alarm=alarm,
        mine_id=alarm.mine_id,
        kind=alarm.kind,
        point_code=alarm.point_code,
        opened_at=alarm.opened_at,
        level=alarm.level,
        effective_level=alarm.level,
        **fields,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        return None
    return case


def intake(now: dt.datetime, report: TickReport) -> None:
    """MON-4: every alarm without a case becomes one, in the order the alarms opened."""
    table = services.policy_at(now)
    pending = (
        Alarm.objects.filter(case__isnull=True)
        .select_related("mine")
        .order_by("opened_at", "pk")[:BATCH]
    )
    for alarm in pending:
        _take_alarm(alarm, now, table, report)


def _take_alarm(
    alarm: Alarm, now: dt.datetime, table: Mapping[str, Any], report: TickReport
) -> None:
    work = _covering_work(alarm)
    if work is not None:
        case = _new_case(alarm, now, state=CaseState.SUPPRESSED, planned_work=work)
        if case is not None:
            report.suppressed += 1
            services.record(case, "suppress", "计划作业期间，记录不通知", now, reason=str(work))
        return
    flap = _flap_parent(alarm, table)
    parent, reason = (
        (flap, GroupReason.FLAPPING)
        if flap
        else (
            _outage_parent(alarm, table),
            GroupReason.OUTAGE,
        )
    )
    if parent is not None:
        _group(alarm, parent, reason, now, report)
        return
    if rules.is_backlog(alarm.opened_at, alarm.closed_at, now, table):
        case = _new_case(alarm, now, state=CaseState.NEW)
        if case is not None:
            report.backlog += 1
            services.record(case, "backlog", "补录已结束的历史报警，不通知、不升级", now)
        return
    deadline = rules.deadline(CaseState.NEW, alarm.level, now, table)
    case = _new_case(alarm, now, state=CaseState.NEW, deadline=deadline)
    if case is None:
        return
    report.cases += 1
    services.record(case, "open", "报警立案并按等级通知", now)
    if alarm.kind in table["grouping"]["mine_wide_kinds"] or not alarm.point_code:
        _adopt(case, now, table)
    services.notify(case, NotificationReason.OPENED, now, "opened")


def _group(
    alarm: Alarm, parent: AlarmCase, reason: str, now: dt.datetime, report: TickReport
) -> None:
    """Fold an alarm under a parent case: recorded, never notified; the parent counts it and
    takes the more severe level."""
    case = _new_case(alarm, now, state=CaseState.GROUPED, parent=parent, group_reason=reason)
    if case is None:
        return
    report.grouped += 1
    services.record(case, "group", GroupReason(reason).label, now, reason=f"归并至#{parent.pk}")
    AlarmCase.objects.filter(pk=parent.pk).update(children_count=F("children_count") + 1)
    if alarm.level < parent.effective_level and parent.state != CaseState.SUPPRESSED:
        old = parent.effective_level
        claimed = AlarmCase.objects.filter(pk=parent.pk, effective_level=old).update(
            effective_level=alarm.level
        )
        if claimed:
            parent.refresh_from_db()
            services.record(parent, "raise", "归并报警等级更高，随之提级", now, old_level=old)
            services.notify(parent, NotificationReason.ESCALATED, now, f"group-{alarm.level}")


def _adopt(root: AlarmCase, now: dt.datetime, table: Mapping[str, Any]) -> None:
    """A network-down arriving after substation outages of its window takes them under it, so
    the outage stays one case (only cases nobody has touched yet are moved)."""
    window = dt.timedelta(minutes=float(table["grouping"]["window_minutes"]))
    orphans = AlarmCase.objects.filter(
        mine_id=root.mine_id,
        parent__isnull=True,
        state=CaseState.NEW,
        kind__in=table["grouping"]["kinds"],
        opened_at__gte=root.opened_at - window,
        opened_at__lte=root.opened_at + window,
    ).exclude(pk=root.pk)
    for orphan in orphans.select_related("alarm"):
        if rules.is_mine_wide(_facts(orphan.alarm), table):
            continue
        moved = AlarmCase.objects.filter(pk=orphan.pk, state=CaseState.NEW).update(
            state=CaseState.GROUPED,
            parent=root,
            group_reason=GroupReason.OUTAGE,
            deadline=None,
        )
        if not moved:
            continue
        grandchildren = AlarmCase.objects.filter(parent=orphan).update(parent=root)
        AlarmCase.objects.filter(pk=root.pk).update(
            children_count=F("children_count") + 1 + grandchildren
        )
        orphan.refresh_from_db()
        services.record(
            orphan,
            "group",
            GroupReason.OUTAGE.label,
            now,
            old_state=CaseState.NEW,
            reason=f"归并至#{root.pk}",
        )
    root.refresh_from_db()


# --- the clock --------------------------------------------------------------------------------


def escalate(now: dt.datetime, report: TickReport) -> None:
    """MON-4: a case not acknowledged or not disposed by its deadline is notified again and goes
    one level up, with a fresh time limit, until someone handles it."""
    table = services.policy_at(now)
    due = AlarmCase.objects.filter(state__in=ESCALATING_STATES, deadline__lte=now)
    for case in due.select_related("mine").order_by("deadline", "pk")[:BATCH]:
        step = rules.escalate(case.state, case.effective_level, case.escalations, now, table)
        claimed = AlarmCase.objects.filter(
            pk=case.pk, deadline=case.deadline, state=case.state
        ).update(
            effective_level=step.level,
            escalations=F("escalations") + 1,
            deadline=step.deadline,
        )
        if not claimed:
            continue
        report.escalated += 1
        old = case.effective_level
        case.refresh_from_db()
        what = "未按时确认" if case.state == CaseState.NEW else "未按时处置"
        label = (
            f"{what}，升级为{rules.LEVEL_NAMES[case.effective_level]}"
            if step.escalated
            else (f"{what}，再次通知")
        )
        services.record(case, "escalate", label, now, old_state=case.state, old_level=old)
        reason = NotificationReason.ESCALATED if step.escalated else NotificationReason.REPEAT
        services.notify(case, reason, now, f"escalation-{case.escalations}")


def raise_by_duration(now: dt.datetime, report: TickReport) -> None:
    """MON-2/MON-4: an unhandled case whose alarm is still open after the level's configured
    duration goes one level up (then the next period runs from the raise)."""
    table = services.policy_at(now)
    candidates = AlarmCase.objects.filter(
        state__in=ESCALATING_STATES, alarm__closed_at__isnull=True, effective_level__gt=1
    ).select_related("mine")
    for case in candidates.order_by("pk")[:BATCH]:
        since = case.raised_at or case.opened_at
        level = rules.raised_by_duration(case.effective_level, since, now, table)
        if level is None:
            continue
        claimed = AlarmCase.objects.filter(pk=case.pk, effective_level=case.effective_level).update(
            effective_level=level, raised_at=now
        )
        if not claimed:
            continue
        report.raised += 1
        old = case.effective_level
        case.refresh_from_db()
        label = f"报警持续时间过长，升级为{rules.LEVEL_NAMES[level]}"
        services.record(case, "raise", label, now, old_state=case.state, old_level=old)
        services.notify(case, NotificationReason.RAISED, now, f"raised-{level}")


def remind(now: dt.datetime, report: TickReport) -> None:
    """MON-4: late feedback or verification is reminded once per deadline (not escalated: the
    danger was already handled; the paperwork is late)."""
    due = AlarmCase.objects.filter(
        state__in=[CaseState.DISPOSED, CaseState.FED_BACK], deadline__lte=now
    ).filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline")))
    for case in due.select_related("mine").order_by("pk")[:BATCH]:
        claimed = (
            AlarmCase.objects.filter(pk=case.pk, deadline=case.deadline)
            .exclude(reminded_for=case.deadline)
            .update(reminded_for=case.deadline)
        )
        if claimed:
            report.reminded += 1
            key = f"reminder-{case.deadline.isoformat()}"
            services.notify(case, NotificationReason.REMINDER, now, key)
