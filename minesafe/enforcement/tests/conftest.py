"""Fixtures of the enforcement tests: an officer of county X and a fresh record of mine A."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minesafe.enforcement import services
from minesafe.enforcement.choices import Step
from minesafe.enforcement.models import Inspection
from minesafe.enforcement.testing import certified_team
from minesafe.localtime import local_date
from minesafe.testing import World

NOW = timezone.make_aware(dt.datetime(2026, 11, 22, 10, 0))


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def officer(world: World) -> Any:
    return world.users["regulator_x"]


def start_check(world: World, officer: Any, mine: Any = None, **extra: Any) -> Inspection:
    """A record of ``mine`` (default mine A) by county X, moved to the on-site step."""
    inspection = Inspection.objects.create(
        mine=mine or world.mine_a,
        organization=world.regulator_x_org,
        planned_on=local_date(NOW),
        leader=officer,
        **extra,
    )
    certified_team(inspection)
    services.take_step(inspection, Step.PREPARE, officer, NOW)
    services.take_step(inspection, Step.ONSITE, officer, NOW)
    return inspection


@pytest.fixture
def onsite(world: World, officer: Any) -> Inspection:
    return start_check(world, officer)
