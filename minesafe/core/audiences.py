"""Who hears of something about a mine: audiences resolved in one place for every area's
notifications (alarm cases, evacuation orders, hazards …), from the mine's own staff up its
jurisdiction chain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from minesafe.core.roles import Role

#: MON-4: the roles behind each named audience of a level.
#: ``mine_dispatch`` (IV) the mine's safety officers (the platform's dispatcher role);
#: ``mine_management`` (III) the mine manager and the enterprise officers above the mine;
#: ``county`` (II) the county regulators; ``city_province`` (I) city/province regulators.
AUDIENCE_ROLES: dict[str, frozenset[str]] = {
    "mine_dispatch": frozenset({Role.MINE_SAFETY_OFFICER}),
    "mine_management": frozenset({Role.MINE_MANAGER, Role.ENTERPRISE_OFFICER}),
    "county": frozenset({Role.COUNTY_REGULATOR}),
    "city_province": frozenset({Role.CITY_REGULATOR}),
}


def role_q(mine: Any, role: str) -> Q:
    """The users with ``role`` in ``mine``'s jurisdiction chain: the mine's own staff, the
    enterprise officers of its enterprise and every enterprise above it, the county regulators
    of its county, the city/province regulators and inspectors whose division is above it."""
    if role in (Role.MINE_SAFETY_OFFICER, Role.MINE_MANAGER):
        return Q(role=role, mine_id=mine.pk)
    if role == Role.ENTERPRISE_OFFICER:
        return Q(role=role, enterprise_id__in=mine.enterprise.ancestor_ids())
    if role == Role.COUNTY_REGULATOR:
        return Q(role=role, organization__division_id=mine.county_id)
    if role == Role.CITY_REGULATOR:
        above = [pk for pk in mine.county.ancestor_ids() if pk != mine.county_id]
        return Q(role=role, organization__division_id__in=above)
    if role == Role.INSPECTOR:
        return Q(role=role, organization__division_id__in=mine.county.ancestor_ids())
    return Q(pk__in=[])


def roles_q(mine: Any, roles: Iterable[str]) -> Q:
    """The users holding any of ``roles`` in the mine's chain."""
    query = Q(pk__in=[])
    for role in sorted(roles):
        query |= role_q(mine, role)
    return query


def audience_q(mine: Any, audience: str) -> Q:
    """MON-4: the platform's users behind a named audience of a level (``AUDIENCE_ROLES``)."""
    return roles_q(mine, AUDIENCE_ROLES.get(audience, frozenset()))
