"""Recording 三违 from anywhere: pages, the API, inspections (enforcement) and video alarms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from minesafe.registry.models import Mine
from minesafe.violations.choices import PenaltyKind, Severity, ViolationSource
from minesafe.violations.models import Violation


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
