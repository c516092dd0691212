"""The hazard clock (HAZ-2, issue 4 §4): reminders before a deadline, overdue marking after it,
escalation of overdue major hazards to listed supervision and one level up, and the 12-month
major-hazard counter of each mine (REG-4).

``tick(now)`` does one step and is safe to run from several workers at once: every piece of work
is claimed with a conditional ``UPDATE`` or written once through a unique notification key
(STYLE 8). ``minesafe manage hazard_tick`` runs one step or loops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import F, Q

from minesafe.hazards import rules, services
from minesafe.hazards.choices import OPEN_STATUSES, HazardGrade, NotificationKind
from minesafe.hazards.models import Hazard
from minesafe.localtime import local_date
from minesafe.registry.models import Mine


@dataclass
class TickReport:
    reminders: int = 0
    overdue: int = 0
    escalated: int = 0
    counters: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def tick(now: dt.datetime) -> TickReport:
    """One step of the clock at ``now`` (aware)."""
    today = local_date(now)
    report = TickReport()
    report.reminders = _reminders(today, now)
    report.overdue = _mark_overdue(today, now)
    report.escalated = _escalate(today, now)
    report.counters = _refresh_counters(now)
    return report


def _open() -> Q:
    return Q(status__in=OPEN_STATUSES, deadline__isnull=False)


def _reminders(today: dt.date, now: dt.datetime) -> int:
    lead = max(rules.policy(today)["deadlines"]["reminder_days"])
    due = Hazard.objects.filter(
        _open(), deadline__gte=today, deadline__lte=today + dt.timedelta(days=lead)
    ).select_related("mine")
    sent = 0
    for hazard in due:
        days = rules.reminder_due(hazard.deadline, today, hazard.status)
        if days is None:
            continue
        message = (
            f"隐患{hazard.number}整改期限{hazard.deadline}，还剩{(hazard.deadline - today).days}天"
        )
        sent += services.notify(
            hazard,
            NotificationKind.REMINDER,
            None,
            message,
            now,
            key=f"reminder-{days}-{hazard.deadline.isoformat()}",
        )
    return sent


def _mark_overdue(today: dt.date, now: dt.datetime) -> int:
    marked = 0
    candidates = Hazard.objects.filter(_open(), deadline__lt=today, overdue_since__isnull=True)
    for hazard in candidates.select_related("mine__supervisor"):
        claimed = Hazard.objects.filter(pk=hazard.pk, overdue_since__isnull=True).update(
            overdue_since=now
        )
        if not claimed:
            continue  # another worker took it
        marked += 1
        message = f"{hazard.mine}隐患{hazard.number}已超过整改期限{hazard.deadline}仍未整改"
        services.notify(hazard, NotificationKind.OVERDUE, None, message, now)
        services.notify(hazard, NotificationKind.OVERDUE, hazard.mine.supervisor, message, now)
    # A deadline moved into the future clears the mark.
    Hazard.objects.filter(overdue_since__isnull=False, deadline__gte=today).update(
        overdue_since=None
    )
    return marked


def _escalate(today: dt.date, now: dt.datetime) -> int:
    """Overdue major hazards: listed for supervision and reported one level up; if the
    supervision deadline passes too, one level further (HAZ-2)."""
    list_days = rules.policy(today)["escalation"]["list_days"]
    first = Q(escalation_level=0)
    again = Q(escalation_level=1, listed_deadline__lt=today)
    due = Hazard.objects.filter(
        _open(), first | again, grade=HazardGrade.MAJOR, deadline__lt=today
    ).select_related("mine__supervisor__parent__parent")
    escalated = 0
    for hazard in due:
        level = hazard.escalation_level
        claimed = Hazard.objects.filter(pk=hazard.pk, escalation_level=level).update(
            escalation_level=F("escalation_level") + 1
        )
        if not claimed:
            continue
        escalated += 1
        hazard.refresh_from_db()
        target = _level_up(hazard, level + 1)
        if not hazard.listed:
            services.list_for_supervision(
                hazard,
                None,
                today + dt.timedelta(days=list_days),
                reason="重大事故隐患逾期未整改，自动挂牌督办",
                now=now,
                by=str(hazard.mine.supervisor),
            )
        message = (
            f"{hazard.mine}重大事故隐患{hazard.number}逾期未整改（期限{hazard.deadline}），"
            f"升级督办至{target or '上级部门'}"
        )
        services.notify(
            hazard, NotificationKind.ESCALATION, target, message, now, key=f"escalation-{level + 1}"
        )
    return escalated


def _level_up(hazard: Hazard, steps: int) -> object | None:
    org = hazard.mine.supervisor
    for _ in range(steps):
        if org.parent is None:
            break
        org = org.parent
    return org


def _refresh_counters(now: dt.datetime) -> int:
    """REG-4: majors older than 12 months drop out of each mine's counter."""
    changed = 0
    mines = Mine.objects.filter(Q(major_hazards_12m__gt=0) | Q(hazards__grade=HazardGrade.MAJOR))
    for mine in mines.distinct():
        before = mine.major_hazards_12m
        changed += services.refresh_major_count(mine, now) != before
    return changed
