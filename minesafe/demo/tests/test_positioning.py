"""The positioning demo (issue 6 §5): people underground in the demo mines, planted problems,
idempotent."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from minesafe.demo.positioning import COUNTY_CODE, load_demo
from minesafe.demo.registry import load_demo as load_county
from minesafe.positioning import services
from minesafe.positioning.models import Snapshot, TrackPoint
from minesafe.registry.models import Mine

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.mark.django_db
def test_demo_plants_the_problems_and_is_idempotent() -> None:
    load_county(today=timezone.localdate())
    started = time.monotonic()
    summary = load_demo()
    elapsed = time.monotonic() - started
    assert summary.startswith("人员定位：") and elapsed < 10
    first = Mine.objects.filter(county__code=COUNTY_CODE, positioning_snapshots__isnull=False)
    first = first.order_by("code").first()
    assert first is not None
    now = timezone.now() + dt.timedelta(seconds=1)
    status = services.mine_status(first, now)
    assert status.count and status.count > 20
    assert status.several and status.overtime and status.areas_over
    assert status.leaders
    report = services.correspondence(first, now)
    assert len(report.result.disagreements) >= 2
    assert not report.result.counts_agree or report.result.disagreements
    points = TrackPoint.objects.count()
    snapshots = Snapshot.objects.count()
    assert load_demo().endswith("已存在（2座矿井）")
    assert (TrackPoint.objects.count(), Snapshot.objects.count()) == (points, snapshots)
