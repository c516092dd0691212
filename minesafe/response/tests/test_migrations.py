"""The case history's move onto the workflow spine keeps every row and says the same in the new
words (step, from/to state, username, level old/new) (MON-4, STYLE 12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minesafe.core import sealing
from minesafe.core.models import SealMark
from minesafe.response.models import CaseTransition
from minesafe.response.testing import make_alarm, make_case
from minesafe.testing import make_world, seal_old_shape

LABEL = "response.CaseTransition"
BEFORE = [("response", "0002_notification_time")]
AFTER = [("response", "0003_case_transition_spine")]


@pytest.mark.django_db(transaction=True)
def test_mon4_history_rows_keep_their_meaning_across_the_spine_migration(migrate: Any) -> None:
    world = make_world()
    now = timezone.now()
    case = make_case(make_alarm(world.mine_a, now - dt.timedelta(hours=1)))
    user = world.users["mine_a"]
    kept = CaseTransition.objects.count()
    old = migrate(BEFORE).loader.project_state(BEFORE).apps.get_model("response", "CaseTransition")
    old.objects.create(
        case_id=case.pk,
        event="escalate",
        label="超时未确认，升级为II级",
        old_state="new",
        new_state="new",
        old_level=3,
        new_level=2,
        actor="系统",
        at=now,
    )
    old.objects.create(
        case_id=case.pk,
        event="acknowledge",
        label="确认接警",
        old_state="new",
        new_state="acknowledged",
        old_level=2,
        new_level=2,
        user_id=user.pk,
        actor="矿甲安全员",
        at=now,
        reason="已到场",
    )
    seal_old_shape(LABEL, old, now)
    migrate(AFTER)
    assert CaseTransition.objects.count() == kept + 2
    rows = CaseTransition.objects.filter(case=case, at=now).order_by("id")
    assert [
        (r.step, r.from_state, r.to_state, r.username, r.user_id, r.old_level, r.new_level)
        for r in rows
    ] == [
        ("escalate", "new", "new", "系统", None, 3, 2),
        ("acknowledge", "new", "acknowledged", "矿甲安全员", user.pk, 2, 2),
    ]
    assert rows[0].label == "超时未确认，升级为II级" and rows[1].reason == "已到场"
    assert rows[1].evidence == {}
    assert SealMark.objects.get(source=LABEL).until is None
    sealing.seal_source(next(s for s in sealing.sources() if s.label == LABEL), now)
    assert [b for b in sealing.verify().breaks if b.source == LABEL] == []
