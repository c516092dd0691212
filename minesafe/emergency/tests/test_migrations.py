"""The target history's move onto the workflow spine keeps every row and says the same in the
new words (step, from/to state, username, reason) (MON-8, STYLE 12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minesafe.core import sealing
from minesafe.core.models import SealMark
from minesafe.emergency.models import OrderTarget, TargetEvent
from minesafe.emergency.testing import make_order
from minesafe.testing import make_world, seal_old_shape

LABEL = "emergency.TargetEvent"
BEFORE = [("emergency", "0001_evacuation_orders")]
AFTER = [("emergency", "0002_target_event_spine")]


@pytest.mark.django_db(transaction=True)
def test_mon8_history_rows_keep_their_meaning_across_the_spine_migration(migrate: Any) -> None:
    world = make_world()
    now = timezone.now()
    order = make_order([world.mine_a], now - dt.timedelta(hours=2))
    target = OrderTarget.objects.get(order=order)
    kept = TargetEvent.objects.count()
    old = migrate(BEFORE).loader.project_state(BEFORE).apps.get_model("emergency", "TargetEvent")
    old.objects.create(
        target_id=target.pk,
        event="confirm",
        old_state="overdue",
        new_state="confirmed",
        actor="矿甲安全员",
        at=now,
        note="逾期确认",
    )
    old.objects.create(
        target_id=target.pk,
        event="no_data",
        old_state="confirmed",
        new_state="unverifiable",
        actor="人员定位核查",
        at=now,
        note="无定位数据，列入抽查",
    )
    seal_old_shape(LABEL, old, now)
    migrate(AFTER)
    assert TargetEvent.objects.count() == kept + 2
    rows = TargetEvent.objects.filter(target=target, at=now).order_by("id")
    assert [(r.step, r.from_state, r.to_state, r.username, r.reason, r.user_id) for r in rows] == [
        ("confirm", "overdue", "confirmed", "矿甲安全员", "逾期确认", None),
        ("no_data", "confirmed", "unverifiable", "人员定位核查", "无定位数据，列入抽查", None),
    ]
    assert all(r.evidence == {} for r in rows)
    assert SealMark.objects.get(source=LABEL).until is None
    sealing.seal_source(next(s for s in sealing.sources() if s.label == LABEL), now)
    assert [b for b in sealing.verify().breaks if b.source == LABEL] == []
