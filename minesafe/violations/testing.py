"""三违 records and leaders' underground checks for the test world (VIO-1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minesafe.localtime import LOCAL
from minesafe.registry.models import Mine
from minesafe.violations.choices import (
    LeaderPost,
    PenaltyKind,
    Severity,
    ViolationKind,
    ViolationSource,
)
from minesafe.violations.models import LeaderCheck, Violation


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


#: The world's leader check lies this far back, in a month no test of the missed list reads.
FURNISHED_CHECK_AGE = dt.timedelta(days=400)


def furnish(mine: Mine, today: dt.date) -> LeaderCheck:
    """A leader's underground check of the mine, long ago (the routes open it by pk). The
    world's 三违 record is made by ``minesafe.testing.furnish`` itself."""
    day = today - FURNISHED_CHECK_AGE
    return LeaderCheck.objects.create(
        mine=mine,
        post=LeaderPost.MINE_MANAGER,
        person_name=f"{mine.code[-2:]}号矿长",
        went_down_at=dt.datetime.combine(day, dt.time(9), tzinfo=LOCAL),
        places="1201工作面",
    )
