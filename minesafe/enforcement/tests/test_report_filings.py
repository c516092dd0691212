"""ENF-9: bodies file their monthly and quarterly enforcement analysis; late and missing ones
are listed for the body above them on the analysis page (due by the 5th, local dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from minesafe.enforcement import reports
from minesafe.enforcement.models import AnalysisReport
from minesafe.testing import World

UTC = dt.UTC


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.fixture
def march(world: World) -> None:
    """County X files March on the 5th at 23:00 Beijing, county Y at 07:30 on the 6th."""
    reports.file_report(
        world.users["regulator_x"], "monthly", 2026, 3, dt.datetime(2026, 4, 5, 15, 0, tzinfo=UTC)
    )
    reports.file_report(
        world.users["regulator_y"], "monthly", 2026, 3, dt.datetime(2026, 4, 5, 23, 30, tzinfo=UTC)
    )


@pytest.mark.django_db
def test_on_time_late_and_missing_for_the_body_above(world: World, march: None) -> None:
    rows = reports.filings(world.users["city"], "monthly", 2026, 3, dt.date(2026, 4, 20))
    states = {row.organization.name: row.state for row in rows}
    assert states == {
        "测试市应急管理局": "missing",
        "甲县应急管理局": "on_time",
        "乙县应急管理局": "late",
    }
    assert all(row.due == dt.date(2026, 4, 5) for row in rows)
    assert rows[0].state == "missing"  # the ones to chase come first


@pytest.mark.django_db
def test_nothing_missing_before_the_due_date_and_own_subtree_only(
    world: World, march: None
) -> None:
    rows = reports.filings(world.users["regulator_x"], "monthly", 2026, 4, dt.date(2026, 5, 5))
    assert [(r.organization.name, r.state) for r in rows] == [("甲县应急管理局", "pending")]
    rows = reports.filings(world.users["regulator_x"], "monthly", 2026, 4, dt.date(2026, 5, 6))
    assert [(r.organization.name, r.state) for r in rows] == [("甲县应急管理局", "missing")]


@pytest.mark.django_db
def test_quarterly_is_owed_by_province_level_bodies(world: World) -> None:
    assert reports.filings(world.users["city"], "quarterly", 2026, 1, dt.date(2026, 4, 6)) == []
    rows = reports.filings(world.users["inspector"], "quarterly", 2026, 1, dt.date(2026, 4, 6))
    assert [(r.organization.name, r.state) for r in rows] == [("测试监察分局", "missing")]


@pytest.mark.django_db
def test_filing_refused_twice_early_or_for_a_bad_period(world: World, march: None) -> None:
    user = world.users["regulator_x"]
    with pytest.raises(ValidationError, match="已报送"):
        reports.file_report(user, "monthly", 2026, 3, dt.datetime(2026, 4, 7, tzinfo=UTC))
    with pytest.raises(ValidationError, match="尚未结束"):
        # 15:59 UTC is 23:59 on April 30 in Beijing, still inside April; 16:30 UTC is May 1.
        reports.file_report(user, "monthly", 2026, 4, dt.datetime(2026, 4, 30, 15, 59, tzinfo=UTC))
    reports.file_report(user, "monthly", 2026, 4, dt.datetime(2026, 4, 30, 16, 30, tzinfo=UTC))
    with pytest.raises(ValidationError, match="不正确"):
        reports.file_report(user, "monthly", 2026, 13, dt.datetime(2027, 1, 30, tzinfo=UTC))


@pytest.mark.django_db
def test_page_lists_late_and_missing_and_files_by_post(world: World, march: None) -> None:
    page = _client(world, "city").get(reverse("enforcement:analysis"), {"month": "2026-03"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "逾期未报" in text and "逾期报送" in text and "按时报送" in text
    assert text.count('class="filing-late"') == 1 and text.count('class="filing-missing"') == 1

    url = reverse("enforcement:analysis_file")
    response = _client(world, "city").post(url, {"month": "2026-03", "period": "monthly"})
    assert response.status_code == 302
    assert AnalysisReport.objects.filter(organization=world.city_org, number=3).exists()
    for bad in ({"month": "2026-13", "period": "monthly"}, {"month": "2026-03", "period": "x"}):
        assert _client(world, "city").post(url, bad).status_code == 302
    assert AnalysisReport.objects.count() == 3
    assert _client(world, "mine_a").post(
        url, {"month": "2026-03", "period": "monthly"}
    ).status_code in (
        403,
        404,
    )
    assert AnalysisReport.objects.count() == 3
