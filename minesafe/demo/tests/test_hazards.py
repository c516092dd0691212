"""The demo county's hazard history: every status and every rule has something to show, and a
second load adds nothing (issue 4 §9)."""

from __future__ import annotations

import datetime as dt

from minesafe.demo import hazards as demo
from minesafe.demo import registry as registry_demo
from minesafe.hazards.choices import HazardStatus, ProposalKind
from minesafe.hazards.models import Hazard, HazardProposal, ResponsibilityCase


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
