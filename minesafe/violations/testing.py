"""三违 records for the test world (VIO-1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minesafe.registry.models import Mine
from minesafe.violations.choices import PenaltyKind, Severity, ViolationKind, ViolationSource
from minesafe.violations.models import Violation


def make_violation(mine: Mine, today: dt.date, **extra: object) -> Violation:
    """One fined 三违 record of the mine, found on ``today``."""
    fields: dict[str, object] = {
        "person_name": f"{mine.code[-2:]}号违章工",
        "team": "综采一队",
        "place": "1201回风巷",
        "kind": ViolationKind.OPERATION,
        "severity": Severity.GENERAL,
        "source": ViolationSource.ON_SITE,
        "found_at": dt.datetime.combine(today, dt.time(10), tzinfo=dt.UTC),
        "description": "未按规定佩戴自救器",
        "penalty": PenaltyKind.FINE,
        "fine": Decimal("200"),
        **extra,
    }
    return Violation.objects.create(mine=mine, **fields)
