"""Who hears of something about a mine: audiences resolved in one place for every area's
notifications (alarm cases, evacuation orders, …), from the mine's own staff up its
jurisdiction chain."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from minesafe.core.roles import Role


def audience_q(mine: Any, audience: str) -> Q:
    """MON-4: the platform's users behind each audience of a level.

    - ``mine_dispatch`` (IV): the mine's safety officers (the platform's dispatcher role);
    - ``mine_management`` (III): the mine manager and the enterprise officers of the mine's
      enterprise and every enterprise above it;
    - ``county`` (II): county regulators whose organisation sits in the mine's county;
    - ``city_province`` (I): city/province regulators whose division is above the county.
    """
    if audience == "mine_dispatch":
        return Q(role=Role.MINE_SAFETY_OFFICER, mine_id=mine.pk)
    if audience == "mine_management":
        return Q(role=Role.MINE_MANAGER, mine_id=mine.pk) | Q(
            role=Role.ENTERPRISE_OFFICER, enterprise_id__in=mine.enterprise.ancestor_ids()
        )
    if audience == "county":
        return Q(role=Role.COUNTY_REGULATOR, organization__division_id=mine.county_id)
    if audience == "city_province":
        above = [pk for pk in mine.county.ancestor_ids() if pk != mine.county_id]
        return Q(role=Role.CITY_REGULATOR, organization__division_id__in=above)
    return Q(pk__in=[])
