"""The inspection history's move onto the workflow spine keeps every row, in both directions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from minesafe.enforcement.models import InspectionStep
from minesafe.testing import make_world

BEFORE = [("enforcement", "0003_document_chain_head")]
AFTER = [("enforcement", "0004_inspection_step_spine")]


@pytest.mark.django_db(transaction=True)
def test_0004_maps_every_inspection_step_row_to_the_spine_and_back(migrate: Any) -> None:
    make_world()
    rows = list(
        InspectionStep.objects.order_by("pk").values_list(
            "pk", "inspection_id", "user_id", "from_state", "to_state", "reason", "step"
        )
    )
    assert rows and any(r[3] == "" for r in rows) and any(r[3] for r in rows)
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, inspection_id, user_id, old_step, new_step, note "
                "FROM enforcement_inspectionstep ORDER BY id"
            )
            old = [tuple(r) for r in cursor.fetchall()]
        assert old == [r[:6] for r in rows]
    finally:
        resealed_after = timezone.now()
        migrate(AFTER)
    migrated = InspectionStep.objects.order_by("pk")
    assert [
        (r.pk, r.inspection_id, r.user_id, r.from_state, r.to_state, r.reason, r.step)
        for r in migrated
    ] == rows
    named = migrated.filter(user__isnull=False)
    assert all(r.username == (r.user.get_full_name() or r.user.username) for r in named)
    # A new version of sealed evidence: its time field moves, so the sealer links it.
    assert all(r.updated_at >= resealed_after for r in migrated)
