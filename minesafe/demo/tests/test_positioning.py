"""The positioning demo (issue 6 §5): people underground in the demo mines, planted problems,
idempotent."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from minesafe.demo import crews
from minesafe.demo import positioning as positioning_demo
from minesafe.demo.positioning import COUNTY_CODE, load_demo
from minesafe.demo.registry import load_demo as load_county
from minesafe.positioning import services
from minesafe.positioning.models import Snapshot, TrackPoint
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.mark.django_db
def test_demo_plants_the_problems_and_is_idempotent() -> None:
    load_county(today=timezone.localdate())
    started = time.monotonic()
    summary = load_demo()
    elapsed = time.monotonic() - started
    assert summary.startswith("人员定位：") and elapsed < 30
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
    assert "演示数据已存在" in load_demo()
    assert (TrackPoint.objects.count(), Snapshot.objects.count()) == (points, snapshots)


def test_headcounts_follow_size_status_and_shift() -> None:
    """Issue 13 §7: not 24 people in every mine. The shift in progress has a crew that grows
    with the mine's approved capacity; a stopped mine has only its small watch crew (值守)."""
    load_county(today=timezone.localdate())
    loaded_at = timezone.now()
    load_demo()
    now = timezone.now() + dt.timedelta(seconds=1)
    planted = set(
        Mine.objects.filter(county__code=COUNTY_CODE, status=MineStatus.PRODUCING)
        .order_by("code")
        .values_list("pk", flat=True)[:2]
    )
    producing = [
        (float(m.capacity), services.mine_status(m, now).count or 0)
        for m in Mine.objects.filter(county__code=COUNTY_CODE, status__in=crews.PRODUCING)
        if m.pk not in planted
    ]
    assert len(producing) >= 10 and all(n > 0 for _, n in producing)
    assert len({n for _, n in producing}) >= 5  # not all equal
    for mine in Mine.objects.filter(county__code=COUNTY_CODE, status__in=crews.PRODUCING):
        approved = mine.approved_underground_headcount
        assert approved and (services.mine_status(mine, now).count or 0) <= approved
        if mine.pk not in planted:  # the whole crew of the shift in progress is down
            shift = positioning_demo._shift(loaded_at).index
            crew = crews.shift_crew(mine.capacity, mine.status, shift, mine.code)
            assert services.mine_status(mine, now).count == crew
    producing.sort()
    half = len(producing) // 2
    small = sum(n for _, n in producing[:half]) / half
    large = sum(n for _, n in producing[-half:]) / half
    assert large > 1.5 * small  # bigger mines send more people down
    stopped = Mine.objects.filter(county__code=COUNTY_CODE, status__in=crews.STOPPED)
    assert stopped.exists()
    for mine in stopped:
        count = services.mine_status(mine, now).count or 0
        assert 1 <= count <= crews.watch_max(), mine.status
    closed = Mine.objects.filter(county__code=COUNTY_CODE).exclude(
        status__in=crews.PRODUCING + crews.STOPPED
    )
    assert not Snapshot.objects.filter(mine__in=closed).exists()


def test_shifts_differ_day_most_night_fewest() -> None:
    """Issue 13 §7: the day shift (早班) carries most people, the night shift (夜班) the fewest;
    a stopped mine's watch crew stays within its limit on every shift."""
    for capacity in (30, 90, 300):
        night, day, middle = (
            crews.shift_crew(Decimal(capacity), MineStatus.PRODUCING, k, f"96012100{capacity:04d}")
            for k in range(3)
        )
        assert day > middle > night > 0
    assert crews.shift_crew(Decimal(300), MineStatus.PRODUCING, 1, "960121000001") > 2 * (
        crews.shift_crew(Decimal(30), MineStatus.PRODUCING, 1, "960121000001")
    )
    for k in range(3):
        watch = crews.shift_crew(Decimal(300), MineStatus.SUSPENDED, k, "960121000002")
        assert 1 <= watch <= crews.watch_max()
        assert crews.shift_crew(Decimal(300), MineStatus.CLOSED, k, "960121000002") == 0
