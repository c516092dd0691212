"""Recording 三违 from anywhere: pages, the API, inspections (enforcement) and video alarms;
the leaders' monthly underground checks each mine missed (VIO-1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from minesafe.core.scoping import VIEW
from minesafe.localtime import LOCAL
from minesafe.registry.models import Mine
from minesafe.violations import rules
from minesafe.violations.choices import LeaderPost, PenaltyKind, Severity, ViolationSource
from minesafe.violations.models import LeaderCheck, Violation


def record_violation(
    *,
    mine: Mine,
    person_name: str,
    kind: str,
    found_at: dt.datetime,
    description: str,
    team: str = "",
    place: str = "",
    severity: str = Severity.GENERAL,
    source: str = ViolationSource.ON_SITE,
    penalty: str = PenaltyKind.NONE,
    fine: Decimal | int | str = Decimal("0"),
    penalty_note: str = "",
    person_job: str = "",
    found_by: str = "",
    user: Any = None,
    origin: Any = None,
) -> Violation:
    """Validate and save one 三违 record (VIO-1).

    Raises ``django.core.exceptions.ValidationError`` naming the field for bad input (an
    unknown kind, a negative fine, a naive datetime …). ``origin`` is any saved model object
    that led to the record (an inspection, an alarm); ``user`` is who recorded it.
    """
    violation = Violation(
        mine=mine,
        person_name=person_name,
        person_job=person_job,
        team=team,
        place=place,
        kind=kind,
        severity=severity,
        source=source,
        found_at=found_at,
        found_by=found_by,
        description=description,
        penalty=penalty,
        fine=Decimal(str(fine)),
        penalty_note=penalty_note,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if origin is not None:
        violation.origin_type = ContentType.objects.get_for_model(origin)
        violation.origin_id = origin.pk
    violation.full_clean()
    with transaction.atomic():
        violation.save()
    return violation


def leader_check_month(value: str | None, today: dt.date) -> str:
    """The month a missed list asks for when ``value`` names one that a rule edition covers and
    that has begun; otherwise the last complete month (VIO-1)."""
    default = rules.default_missed_month(today)
    try:
        first, _ = rules.month_bounds(value or "")
        rules.leader_check_params(first)
    except (ValueError, OverflowError):
        return default
    month = rules.month_key(first)
    return month if first <= today else default


def missed_leader_checks(user: Any, month: str) -> list[tuple[Mine, list[str]]]:
    """VIO-1 (000:30): the mines of ``user``'s jurisdiction whose required leaders have no
    underground check in the local calendar ``month`` ("YYYY-MM"), with the posts missed (as
    their labels). Only mines of the statuses the rule names (data/leader_checks.yaml) must
    have checks; the rule edition is the one in force on the month's first day. ValueError for
    a malformed month."""
    first, last = rules.month_bounds(month)
    params = rules.leader_check_params(first)
    mines = list(
        Mine.objects.restrict(user, VIEW).filter(status__in=params.mine_statuses).order_by("code")
    )
    start = dt.datetime.combine(first, dt.time(), LOCAL)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL)
    rows = (
        LeaderCheck.objects.restrict(user, VIEW)
        .filter(mine__in=mines, went_down_at__gte=start, went_down_at__lt=end)
        .values_list("pk", "mine_id", "post", "went_down_at")
    )
    checks = [rules.Check(mine, post, at, pk) for pk, mine, post, at in rows]
    labels = dict(LeaderPost.choices)
    by_pk = {m.pk: m for m in mines}
    return [
        (by_pk[mine_id], [labels.get(p, p) for p in posts])
        for mine_id, posts in rules.missed_checks(by_pk, checks, month, params)
    ]
