"""The test world carries an enforcement record for each mine (the permission walk needs it)."""

from __future__ import annotations

from minesafe.enforcement.models import Decision, Document, Inspection, ManagerScore
from minesafe.testing import World


def test_world_has_a_signed_decided_inspection_of_mine_a(world: World) -> None:
    inspection = Inspection.objects.get(mine=world.mine_a, kind="unannounced")
    assert inspection.signed and not inspection.sealed
    assert Decision.objects.filter(inspection=inspection).exists()
    assert Document.objects.filter(inspection=inspection).count() == 1
    assert ManagerScore.objects.filter(mine=world.mine_a).exists()
