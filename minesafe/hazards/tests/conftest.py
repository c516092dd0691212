"""A mine with no hazard history yet, for tests that count what the rules produce."""

from __future__ import annotations

from typing import Any

import pytest

from minesafe.core.roles import Role
from minesafe.registry.models import Mine
from minesafe.testing import World, make_mine, make_user


@pytest.fixture
def mine(world: World) -> Mine:
    """A producing mine of county X (regulator X, the inspectorate) with an empty ledger."""
    return make_mine(
        "990101000099",
        "标记矿新九",
        world.enterprise_a,
        world.county_x,
        world.regulator_x_org,
        inspectorate=world.mine_a.inspectorate,
    )


@pytest.fixture
def staff(mine: Mine) -> dict[str, Any]:
    """Two people of that mine: the safety officer who records rectifications and the manager
    who verifies them (nobody verifies their own work)."""
    return {
        "officer": make_user("new9_officer", Role.MINE_SAFETY_OFFICER, mine=mine),
        "manager": make_user("new9_manager", Role.MINE_MANAGER, mine=mine),
    }
