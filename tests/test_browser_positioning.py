"""A real browser on the positioning pages (issue 6 §5; MON-5, PER-7): the regulator sees mine A
over its approved headcount with the three-correspondence gaps, filters the people by area and
opens one card's trajectory timeline; mine A's staff post the wellhead display; mine B's staff
cannot open mine A's page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from minesafe.positioning.testing import make_descent, make_display, make_snapshot
from minesafe.testing import login, make_world, open_page

pytestmark = pytest.mark.browser


def test_mon5_regulator_reads_mine_page_and_card_trajectory(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world = make_world()
    now = timezone.now()
    world.mine_a.approved_underground_headcount = 2
    world.mine_a.save()
    face = {"area_code": "F1", "area_name": "1201综采工作面", "area_approved": 1}
    roadway = {"area_code": "R1", "area_name": "主运输大巷"}
    entered = now - dt.timedelta(hours=1)
    people = [
        {
            "card": "k1",
            "name": "王伟",
            "job": "矿长",
            "is_leader": True,
            "entered_at": entered,
            **roadway,
        },
        {"card": "k2", "name": "李强", "entered_at": entered, **face},
        {"card": "k3", "name": "张磊", "entered_at": entered, **face},
    ]
    make_snapshot(world.mine_a, now - dt.timedelta(minutes=3), people)
    people[1] = {**people[1], **roadway}  # 李强 walks out to the roadway
    make_snapshot(world.mine_a, now - dt.timedelta(seconds=20), people)
    make_descent(world.mine_a, "王伟", entered)
    make_descent(world.mine_a, "李强", entered)
    make_display(world.mine_a, now - dt.timedelta(minutes=1), 3, ["王伟", "李强", "赵军"])

    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")
    page.goto(f"{base}/positioning/")
    table = page.inner_text("#mines")
    assert world.mine_a.name in table and world.mine_b.name in table
    assert world.mine_c.name not in page.inner_text("body")
    page.click(f"#mines >> text={world.mine_a.name}")
    page.wait_for_selector("#correspondence")
    page.screenshot(path=str(tmp_path / "positioning-mine.png"), full_page=True)
    assert "超员" in page.inner_text("#summary")
    gaps = page.inner_text("#disagreements")
    assert "张磊" in gaps and "赵军" in gaps
    page.select_option("#area", "F1")
    page.click("#people-filter button[type=submit]")
    page.wait_for_url("**area=F1**")
    listed = page.inner_text("#people")
    assert "张磊" in listed and "王伟" not in listed
    page.click("#people >> text=k3")
    page.wait_for_selector("#trajectory-chart canvas")  # ECharts, served by the app itself
    assert "1201综采工作面" in page.inner_text("#track")
    page.screenshot(path=str(tmp_path / "positioning.png"), full_page=True)
    assert errors == []
    page.context.close()

    page = open_page(browser, errors)
    login(page, base, "mine_a")
    page.goto(f"{base}/positioning/mines/{world.mine_a.pk}/")
    page.fill("#id_count", "2")
    page.fill("#id_names_text", "王伟、李强")
    page.click("#display-form button[type=submit]")
    page.wait_for_selector("#correspondence")
    assert "已上报井口公示 2 人" in page.inner_text("body")
    assert errors == []
    page.context.close()

    page = open_page(browser, errors)
    login(page, base, "mine_b")
    other = page.goto(f"{base}/positioning/mines/{world.mine_a.pk}/")
    assert other is not None and other.status == 404
    assert errors == []
    page.context.close()
