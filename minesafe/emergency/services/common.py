"""What every part of the evacuation services shares: names, the rule set in force, the
positioning data and the targets' history (MON-8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from minesafe.emergency import rules
from minesafe.emergency.models import OrderTarget, TargetEvent
from minesafe.localtime import local_date

#: (mine, moment) -> people underground, or None when the mine sent no positioning data.
Lookup = Callable[[Any, dt.datetime], list[rules.Person] | None]


def name_of(user: Any) -> str:
    return str(user) if user is not None else "系统"


def local_text(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def policy_at(now: dt.datetime) -> dict[str, Any]:
    return rules.policy(local_date(now))


def positioning_lookup(mine: Any, at: dt.datetime) -> list[rules.Person] | None:
    """People underground at ``at`` per the positioning area, or None when the mine sent no
    positioning data for that moment (``underground_count`` None: no data is not zero)."""
    from minesafe.positioning import services as positioning

    if positioning.underground_count(mine, at) is None:
        return None
    return [
        rules.Person(
            card=p.card,
            name=p.name,
            area_code=p.area_code or "",
            area_name=p.area_name or "",
            entered_at=p.entered_at,
            job=p.job or "",
        )
        for p in positioning.underground_at(mine, at)
    ]


def move(
    target: OrderTarget,
    step: str,
    now: dt.datetime,
    *,
    user: Any = None,
    who: str = "",
    reason: str = "",
) -> bool:
    """Take a step the platform takes (``rules.TARGET_WORKFLOW``: issuing aside, everything but
    the mine's own steps) if the target's state allows it, with its history row; False when it
    does not. ``user`` is the person who caused it (who lifted, who spot-checked), ``who`` names
    what did when nobody did (the positioning check); else the platform."""
    if not rules.can(target.state, step):
        return False
    old, target.state = target.state, rules.next_state(target.state, step)
    target.save(update_fields=["state", "updated_at"])
    record(target, step, old, now, user=user, who=who, reason=reason)
    return True


def record(
    target: OrderTarget,
    step: str,
    old: str,
    now: dt.datetime,
    *,
    user: Any = None,
    who: str = "",
    reason: str = "",
) -> TargetEvent:
    """Append one row to the target's history (STYLE 7) for a step not taken through
    ``core.transitions.apply``."""
    return TargetEvent.objects.create(
        target=target,
        step=step,
        from_state=old,
        to_state=target.state,
        user=user if getattr(user, "pk", None) else None,
        username=who or name_of(user),
        at=now,
        reason=reason,
    )
