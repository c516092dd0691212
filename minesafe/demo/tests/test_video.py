"""The demo county's video registers (MON-7): gaps a regulator should find; idempotent."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.demo import video as demo
from minesafe.demo.registry import COUNTY_CODE
from minesafe.demo.registry import load_demo as load_county
from minesafe.registry.models import Mine
from minesafe.video import services
from minesafe.video.choices import FindingState
from minesafe.video.models import VideoChannel, VideoFinding
from minesafe.violations.choices import ViolationSource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.mark.django_db
def test_mon7_demo_has_gaps_work_without_video_and_findings_and_is_idempotent() -> None:
    load_county(today=dt.date(2026, 11, 22))
    started = time.monotonic()
    summary = demo.load_demo()
    elapsed = time.monotonic() - started
    assert summary.startswith("视频监控：") and elapsed < 10, (summary, elapsed)
    mines = Mine.objects.filter(county__code=COUNTY_CODE)
    rows = services.coverage_of(mines, timezone.now())
    reasons = {g.reason for r in rows for g in r.assessment.gaps}
    assert {"offline", "no_channel", "fault"} <= reasons
    without = [r for r in rows if r.assessment.work_without_video]
    assert len(without) == 1
    assert without[0].mine == User.objects.get(username="mine2").mine
    assert any(r.assessment.short_retention for r in rows)
    assert any(r.assessment.percent == 100.0 for r in rows)
    states = set(VideoFinding.objects.values_list("state", flat=True))
    assert states == set(FindingState.values)
    confirmed = VideoFinding.objects.get(state=FindingState.CONFIRMED)
    assert confirmed.violation is not None
    assert confirmed.violation.source == ViolationSource.VIDEO
    count = VideoChannel.objects.count()
    assert "未重复载入" in demo.load_demo()
    assert VideoChannel.objects.count() == count


@pytest.mark.django_db
def test_mon7_demo_clock_renews_online_demo_channels_only() -> None:
    load_county(today=dt.date(2026, 11, 22))
    demo.load_demo()
    later = timezone.now() + dt.timedelta(hours=1)
    report = demo.tick(later)
    online = VideoChannel.objects.filter(status="online")
    assert report.renewed == online.count() > 0
    assert set(online.values_list("last_heartbeat", flat=True)) == {later}
    assert not VideoChannel.objects.exclude(status="online").filter(last_heartbeat=later).exists()
