"""The positioning clock: snapshots thinned after a week, everything expired after three months
(AQ 1048-2007 4.4.9 a), the current state untouched."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from minesafe.positioning.models import Presence, Snapshot, TrackPoint
from minesafe.positioning.testing import make_snapshot
from minesafe.positioning.worker import tick

pytestmark = pytest.mark.django_db


def test_thinning_and_expiry(world: Any) -> None:
    now = timezone.make_aware(dt.datetime(2026, 11, 23, 12, 0))
    ancient = now - dt.timedelta(days=100)
    make_snapshot(world.mine_a, ancient, [{"card": "old", "name": "老人"}])  # late: counts only
    TrackPoint.objects.create(
        mine=world.mine_a, card="old", kind="enter", at=ancient, seen_at=ancient
    )
    start = now - dt.timedelta(days=7, hours=1)
    rows = [
        Snapshot(mine=world.mine_a, at=start + dt.timedelta(seconds=30 * k), underground=1)
        for k in range(120)  # one hour of 30-s snapshots, just past the week
    ]
    Snapshot.objects.bulk_create(rows)
    make_snapshot(world.mine_a, now - dt.timedelta(minutes=1), [{"card": "new", "name": "新人"}])
    report = tick(now)
    assert report.expired_snapshots == 1 and report.expired_points >= 1
    assert not TrackPoint.objects.filter(card="old").exists()
    hour = Snapshot.objects.filter(
        mine=world.mine_a, at__gte=start, at__lt=start + dt.timedelta(hours=1)
    )
    assert 6 <= hour.count() <= 7 and report.thinned == 120 - hour.count()
    assert Snapshot.objects.filter(at=now - dt.timedelta(minutes=1)).exists()
    assert Presence.objects.filter(card="new", underground=True).exists()
    again = tick(now)
    assert again.thinned == 0 and again.expired_snapshots == 0


def test_command_runs_one_step(world: Any) -> None:
    now = timezone.make_aware(dt.datetime(2026, 11, 23, 12, 0))
    make_snapshot(world.mine_a, now - dt.timedelta(days=100), [{"card": "old", "name": "老人"}])
    out = io.StringIO()
    call_command("positioning_tick", "--now", "2026-11-23T12:00:00", stdout=out)
    report = json.loads(out.getvalue())
    assert report["now"] == now.isoformat() and report["expired_snapshots"] == 1
    assert not Snapshot.objects.filter(at__lt=now - dt.timedelta(days=92)).exists()
