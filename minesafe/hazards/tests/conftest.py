"""A mine with no hazard history yet, for tests that count what the rules produce."""

from __future__ import annotations

import pytest

from minesafe.registry.models import Mine
from minesafe.testing import World, make_mine


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
