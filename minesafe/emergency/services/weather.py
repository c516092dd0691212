"""Weather warnings and the mines they call an evacuation order for (MON-8)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from minesafe.core.context import acting_as
from minesafe.emergency import rules
from minesafe.emergency.models import WeatherWarning
from minesafe.emergency.services.common import policy_at
from minesafe.registry.models import Mine


def mine_facts(mine: Mine) -> rules.MineFacts:
    return rules.MineFacts(
        id=mine.pk, mining_method=mine.mining_method, hydro_type=mine.hydro_type, status=mine.status
    )


def mines_in(warning: WeatherWarning) -> Any:
    """Mines whose county lies in one of the warning's divisions."""
    query = Q(pk__in=[])
    for path in warning.divisions.values_list("path", flat=True):
        query |= Q(county__path__startswith=path)
    return Mine.objects.filter(query)


def proposed_mines(warning: WeatherWarning, user: Any) -> list[tuple[Mine, str]]:
    """MON-8: the mines of the user's jurisdiction the warning calls an order for, with why."""
    mines = list(mines_in(warning).restrict(user).order_by("name", "pk"))
    table = policy_at(warning.valid_from)
    chosen = dict(rules.affected_mines(warning.kind, warning.level, map(mine_facts, mines), table))
    return [(m, chosen[m.pk]) for m in mines if m.pk in chosen]


def record_warning(*, user: Any, divisions: Iterable[Any], **fields: Any) -> WeatherWarning:
    if fields["valid_to"] <= fields["valid_from"]:
        raise ValidationError({"valid_to": "解除时间须晚于生效时间"})
    warning = WeatherWarning(
        entered_by=user if getattr(user, "is_authenticated", False) else None,
        organization=getattr(user, "organization", None),
        **fields,
    )
    warning.full_clean()
    with transaction.atomic(), acting_as(user, "录入气象预警"):
        warning.save()
        warning.divisions.set(list(divisions))
    return warning
