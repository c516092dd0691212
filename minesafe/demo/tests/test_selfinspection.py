"""The demo county's self-inspection history (HAZ-8, issue 4 §9)."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.demo.registry import load_demo as load_county
from minesafe.demo.selfinspection import MANAGER, load_demo
from minesafe.selfinspection import rules
from minesafe.selfinspection.choices import ReportStatus
from minesafe.selfinspection.models import Campaign, CampaignReport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world

TODAY = dt.date(2026, 11, 22)


@pytest.mark.django_db
def test_haz8_demo_has_two_campaigns_with_reports_in_every_state_and_is_idempotent() -> None:
    load_county(today=TODAY)
    summary = load_demo(today=TODAY)
    assert "2 次活动" in summary and MANAGER in summary
    assert Campaign.objects.count() == 2
    statuses = set(CampaignReport.objects.values_list("status", flat=True))
    assert statuses == set(ReportStatus.values)
    overdue = [
        r
        for r in CampaignReport.objects.select_related("campaign")
        if rules.is_overdue(r.status, r.campaign.deadline, TODAY)
    ]
    assert overdue
    returned = CampaignReport.objects.filter(status=ReportStatus.RETURNED).first()
    assert returned.review_note and returned.transitions.count() == 2
    before = CampaignReport.objects.count()
    assert "未重复载入" in load_demo(today=TODAY)
    assert CampaignReport.objects.count() == before
