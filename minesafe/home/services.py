"""What each role's home page lists: the building blocks of the mine's, the inspector's and the
regulator's home (every list through ``restrict()``, so each shows only what the user may see).

Each function takes the user and today (local date) and returns a queryset or a small list; the
view picks the blocks for the role.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from minesafe.core.scoping import VIEW
from minesafe.emergency.choices import TargetState
from minesafe.emergency.models import OrderTarget
from minesafe.enforcement.models import Draw, Finding, Inspection, PlanEntry
from minesafe.hazards.choices import OPEN_STATUSES, HazardGrade
from minesafe.hazards.models import Hazard
from minesafe.monitoring.models import Alarm, ReadingStat
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Licence, Mine
from minesafe.response.models import AlarmCase
from minesafe.response.services import waiting_on
from minesafe.selfinspection.choices import ReportStatus
from minesafe.selfinspection.models import CampaignReport

#: How far ahead a licence counts as expiring on a home page (the overview's widest warning).
LICENCE_DAYS = 90
#: A mine whose newest reading is older than this has "no data" on the regulator's home.
NO_DATA_HOURS = 24
ROWS = 20


# --- the mine ---------------------------------------------------------------------------------


def open_hazards(user: Any) -> QuerySet[Hazard]:
    """Open hazards (deadline still running), nearest deadline first."""
    return (
        Hazard.objects.restrict(user, VIEW)
        .filter(status__in=OPEN_STATUSES)
        .select_related("mine")
        .order_by("deadline", "pk")
    )


def cases_waiting(user: Any) -> QuerySet[AlarmCase]:
    """Alarm cases waiting on the user's side (the step their kind of actor takes now)."""
    return (
        AlarmCase.objects.restrict(user, VIEW)
        .filter(waiting_on(user, mine_org=True))
        .select_related("mine")
        .order_by("effective_level", "deadline", "pk")
    )


def evacuations_open(user: Any) -> QuerySet[OrderTarget]:
    """Evacuation orders still to be received or confirmed."""
    return (
        OrderTarget.objects.restrict(user, VIEW)
        .filter(state__in=[TargetState.ISSUED, TargetState.RECEIVED, TargetState.OVERDUE])
        .select_related("order", "mine")
        .order_by("deadline", "pk")
    )


def inspection_requests(user: Any, today: dt.date) -> dict[str, QuerySet[Any]]:
    """What inspections ask of the mine: findings to rectify by a date, rechecks due and
    self-inspection reports returned or still to be signed."""
    return {
        "findings": Finding.objects.restrict(user, VIEW)
        .filter(rectify_by__isnull=False, rectified_on__isnull=True)
        .select_related("inspection__mine")
        .order_by("rectify_by", "pk"),
        "rechecks": Inspection.objects.restrict(user, VIEW)
        .filter(recheck_due__isnull=False, recheck_due__gte=today - dt.timedelta(days=30))
        .select_related("mine")
        .order_by("recheck_due", "pk"),
        "reports": CampaignReport.objects.restrict(user, VIEW)
        .filter(status__in=[ReportStatus.RETURNED, ReportStatus.DRAFT])
        .select_related("campaign", "mine")
        .order_by("status", "pk"),
    }


def licences_expiring(user: Any, today: dt.date) -> QuerySet[Licence]:
    """Licences expired or expiring within ``LICENCE_DAYS``."""
    return (
        Licence.objects.restrict(user, VIEW)
        .filter(valid_until__lte=today + dt.timedelta(days=LICENCE_DAYS))
        .select_related("mine")
        .order_by("valid_until", "pk")
    )


# --- the inspector ----------------------------------------------------------------------------


def inspections_today(user: Any, today: dt.date) -> QuerySet[Inspection]:
    """Inspections planned for today and not yet signed."""
    return (
        Inspection.objects.restrict(user, VIEW)
        .filter(planned_on=today, signed_by__isnull=True)
        .select_related("mine", "organization")
        .order_by("mine__name", "pk")
    )


def plan_entries_this_month(user: Any, today: dt.date) -> list[PlanEntry]:
    """The user's annual-plan entries with a check planned this month."""
    entries = (
        PlanEntry.objects.restrict(user, VIEW)
        .filter(plan__year=today.year, inspector=user)
        .select_related("mine", "plan")
        .order_by("mine__name", "pk")
    )
    return [e for e in entries if today.month in (e.months or [])]


def draws_ahead(user: Any, today: dt.date) -> QuerySet[Draw]:
    """Random draws for today or later."""
    return (
        Draw.objects.restrict(user, VIEW)
        .filter(check_on__gte=today)
        .select_related("organization")
        .order_by("check_on", "pk")
    )


# --- the regulator ----------------------------------------------------------------------------


def overdue_major_hazards(user: Any, today: dt.date) -> QuerySet[Hazard]:
    return (
        open_hazards(user)
        .filter(grade=HazardGrade.MAJOR)
        .filter(Q(overdue_since__isnull=False) | Q(deadline__lt=today))
    )


def high_level_cases(user: Any) -> QuerySet[AlarmCase]:
    """Open level-I and level-II alarm cases."""
    return (
        AlarmCase.objects.restrict(user, VIEW)
        .filter(effective_level__lte=2)
        .exclude(state__in=["closed", "grouped"])
        .select_related("mine")
        .order_by("effective_level", "opened_at", "pk")
    )


def mines_without_data(user: Any, now: dt.datetime) -> list[Mine]:
    """Operating mines whose newest alarm-system message (or reading) is older than
    ``NO_DATA_HOURS``, or that never sent one."""
    newest = (
        ReadingStat.objects.restrict(user, VIEW)
        .filter(mine_id=OuterRef("pk"))
        .order_by("-bucket")
        .values("bucket")[:1]
    )
    since = now - dt.timedelta(hours=NO_DATA_HOURS)
    return list(
        Mine.objects.restrict(user, VIEW)
        .exclude(status=MineStatus.CLOSED)
        .annotate(last_data=Subquery(newest))
        .filter(Q(last_data__isnull=True) | Q(last_data__lt=since))
        .order_by("code")
    )


def suspended_with_signals(user: Any, now: dt.datetime) -> QuerySet[Alarm]:
    """Alarms in the last day at mines that are suspended or stopped (work where none should be)."""
    return (
        Alarm.objects.restrict(user, VIEW)
        .filter(
            mine__status__in=[MineStatus.SUSPENDED, MineStatus.LONG_STOPPED],
            opened_at__gte=now - dt.timedelta(hours=NO_DATA_HOURS),
        )
        .select_related("mine")
        .order_by("-opened_at")
    )


def regulator_exceptions(user: Any, today: dt.date) -> dict[str, Any]:
    """The county's exceptions for the regulator's home."""
    now = timezone.now()
    return {
        "overdue_major": overdue_major_hazards(user, today)[:ROWS],
        "high_cases": high_level_cases(user)[:ROWS],
        "no_data": mines_without_data(user, now)[:ROWS],
        "suspended_signals": suspended_with_signals(user, now)[:ROWS],
    }
