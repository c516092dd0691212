"""The demo county's hazard history: every status and every rule has something to show, and a
second load adds nothing (issue 4 §9)."""

from __future__ import annotations

import datetime as dt

from minesafe.demo import hazards as demo
from minesafe.demo import registry as registry_demo
from minesafe.hazards.choices import HazardStatus, ProposalKind
from minesafe.hazards.models import Hazard, HazardProposal, ResponsibilityCase
from minesafe.localtime import local_date


def test_haz_demo_year_of_history_is_complete_and_idempotent(empty_db: None) -> None:
    today = dt.date(2026, 11, 22)
    registry_demo.load_demo(seed=7, mines=16, today=today)
    summary = demo.load_demo(seed=7, today=today)
    hazards = Hazard.objects.filter(recorded_by=demo.MARK)
    assert "隐患排查" in summary and hazards.count() > 50
    assert set(hazards.values_list("status", flat=True)) == set(HazardStatus.values)
    assert hazards.filter(grade="major").exists() and hazards.filter(grade="general").exists()
    assert hazards.filter(overdue_since__isnull=False).exists()
    assert hazards.filter(listed=True).exists()
    assert hazards.filter(repeat=True).exists() and hazards.filter(fake_rectification=True).exists()
    kinds = set(HazardProposal.objects.values_list("kind", flat=True))
    assert {ProposalKind.CLOSURE, ProposalKind.HEAVIER_PENALTY} <= kinds
    assert ResponsibilityCase.objects.exists()
    first = Hazard.objects.filter(found_at__date__lt=today - dt.timedelta(days=300))
    assert first.exists()
    count = Hazard.objects.count()
    assert "未重复加载" in demo.load_demo(seed=7, today=today)
    assert Hazard.objects.count() == count


def test_haz_demo_is_an_ordinary_county(empty_db: None) -> None:
    """Issue 13 §7: most hazards are general and rectified before their deadline, a few are
    overdue; the major ones are few and stand in their proper stages, at most a couple overdue."""
    today = dt.date(2026, 11, 22)
    registry_demo.load_demo(seed=7, mines=16, today=today)
    demo.load_demo(seed=7, today=today)
    hazards = Hazard.objects.filter(recorded_by=demo.MARK)
    general = hazards.filter(grade="general")
    major = hazards.filter(grade="major")
    assert major.count() * 5 < general.count()
    assert major.filter(overdue_since__isnull=False).count() <= 2
    stages = set(major.values_list("status", flat=True))
    assert {HazardStatus.RECTIFYING, HazardStatus.RECTIFIED, HazardStatus.CLOSED} <= stages
    rectifying = major.filter(status=HazardStatus.RECTIFYING, deadline__gte=today)
    assert rectifying.exists()  # under rectification before its deadline
    due = general.filter(deadline__lt=today)
    closed = due.filter(status=HazardStatus.CLOSED)
    on_time = [h for h in closed if h.rectified_at and local_date(h.rectified_at) <= h.deadline]
    assert closed.count() >= 0.8 * due.count()
    assert len(on_time) >= 0.85 * closed.count()
    overdue = general.filter(overdue_since__isnull=False).count()
    assert 1 <= overdue <= demo.MAX_STUCK + 1
