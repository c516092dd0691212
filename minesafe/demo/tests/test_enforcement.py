"""The demo county gets a year of enforcement, idempotently (issue 5 demo)."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.demo import enforcement as demo
from minesafe.demo.registry import load_demo as load_county
from minesafe.enforcement.models import (
    Decision,
    Document,
    Draw,
    Inspection,
    ManagerScore,
    Plan,
    QuizResult,
    Referral,
)

TODAY = dt.date(2026, 11, 22)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


def test_demo_year_of_enforcement_is_idempotent() -> None:
    load_county(seed=2025, mines=16, today=TODAY)
    first = demo.load_demo(seed=2025, today=TODAY)
    assert "检查记录" in first
    counts = (Plan.objects.count(), Inspection.objects.count(), Document.objects.count())
    assert demo.load_demo(seed=2025, today=TODAY) == first
    assert (Plan.objects.count(), Inspection.objects.count(), Document.objects.count()) == counts
    signed = Inspection.objects.filter(signed_by__isnull=False)
    months = {i.finished_at.date().replace(day=1) for i in signed}
    assert len(months) >= 6  # spread over the year
    assert Decision.objects.exists() and ManagerScore.objects.exists()
    assert (
        Document.objects.filter(public=True).exists()
        or Decision.objects.filter(review_status="pending").exists()
    )
    assert QuizResult.objects.filter(stopped=True).exists()
    assert Referral.objects.filter(answered_on__isnull=True, due_on__lt=TODAY).exists()
    draw = Draw.objects.get()
    assert Inspection.objects.filter(draw=draw, sealed=True).count() == len(draw.targets)
    assert Inspection.objects.filter(step="archive").exists()


def test_demo_without_county_does_nothing() -> None:
    assert "未载入" in demo.load_demo(seed=1, today=TODAY)
