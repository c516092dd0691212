"""The demo county gets a year of enforcement, idempotently (issue 5 demo)."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.demo import enforcement as demo
from minesafe.demo.registry import load_demo as load_county
from minesafe.enforcement import documents, rules, services
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
    # ENF-4: every demo document names two officers with certificate numbers and its legal
    # basis as law articles.
    for document in Document.objects.select_related("inspection"):
        officers = documents.certified_officers(document.inspection)
        assert len(officers) >= 2 and all(o.number for o in officers)
    for decision in Decision.objects.exclude(legal_basis=""):
        assert decision.legal_basis.startswith("《") and ":" not in decision.legal_basis
    suspension = Document.objects.filter(kind="suspension_order").first()
    if suspension is not None:
        text = documents.content(suspension.inspection, suspension.kind, TODAY)
        assert "《中华人民共和国安全生产法》第七十条" in [a.citation for a in text.legal_basis]
        issuer = suspension.organization
        hearer = issuer.parent.name if issuer.kind == "inspectorate" else "人民政府"
        assert text.remedies is not None and hearer in text.remedies.reconsideration_body


def test_demo_without_county_does_nothing() -> None:
    assert "未载入" in demo.load_demo(seed=1, today=TODAY)


def test_demo_manager_points_are_those_of_an_ordinary_year() -> None:
    """Issue 13 §7 (PER-9): a few managers carry points, one is close to the 12 that remove a
    manager from the post, and only a small minority has reached them."""
    load_county(seed=2025, mines=16, today=TODAY)
    demo.load_demo(seed=2025, today=TODAY)
    ids = set(ManagerScore.objects.values_list("id_number", flat=True))
    records = [services.manager_record(i, TODAY) for i in ids]
    assert len([r for r in records if r.points_in_cycle > 0]) >= 3
    assert sum(r.removal_due for r in records) < 0.2 * len(records)
    near = [
        r
        for r in records
        if not rules.removal_due(r.points_in_cycle, TODAY)
        and rules.removal_due(r.points_in_cycle + 3, TODAY)
    ]
    assert near  # within three points of removal
