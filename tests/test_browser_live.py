"""A real browser opens the live monitoring pages (issue 6 §4): the board draws its map from the
app's own boundary file, the real-time page its sparklines, the history page its chart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from minesafe.monitoring.choices import AlarmLevel, StatPeriod
from minesafe.monitoring.models import ReadingStat, SensorPoint
from minesafe.monitoring.testing import make_alarm
from minesafe.testing import World, login, make_world, open_page

pytestmark = pytest.mark.browser


def _furnish_live(world: World) -> SensorPoint:
    """Mine A: coordinates in Shanxi, an open level-I alarm and its point's last half hour."""
    world.mine_a.longitude, world.mine_a.latitude = Decimal("112.80"), Decimal("35.60")
    world.mine_a.save()
    now = timezone.now()
    make_alarm(world.mine_a, now - dt.timedelta(minutes=8), level=AlarmLevel.I, closed_at=None)
    point = SensorPoint.objects.get(mine=world.mine_a)
    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    ReadingStat.objects.bulk_create(
        ReadingStat(
            mine=world.mine_a,
            point_code=point.code,
            period=StatPeriod.MINUTE,
            bucket=start + dt.timedelta(minutes=i),
            max=0.4 + i * 0.03,
            min=0.3 + i * 0.03,
            avg=0.35 + i * 0.03,
            count=6,
        )
        for i in range(30)
    )
    return point


def test_board_map_live_sparklines_and_history_chart(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world = make_world()
    point = _furnish_live(world)
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")
    page.click("nav >> text=实时监测")
    page.wait_for_url(f"{base}/monitoring/board/")
    page.wait_for_selector("#mine-map canvas")  # the boundary was fetched and registered
    assert "标记矿甲一" in page.inner_text("#board-table")
    assert "标记矿乙二" in page.inner_text("#no-coordinates")  # mine B has no coordinates
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

    page.click("#board-table >> text=标记矿甲一")
    page.wait_for_selector("svg.sparkline polyline")
    row = page.locator(f"tr:has-text('{point.code}')")
    assert "报警" in row.inner_text()
    page.screenshot(path=str(tmp_path / "live.png"), full_page=True)

    page.click(f"text={point.code}")
    page.wait_for_selector("#history-chart canvas")
    page.wait_for_function(
        "document.getElementById('history-note').textContent.includes('30 个统计点')"
    )
    page.select_option("#h-range", "week")
    page.wait_for_function("location.search.includes('range=week')")
    assert errors == []
    page.context.close()

    page = open_page(browser, errors)
    login(page, base, "mine_b")
    page.goto(f"{base}/monitoring/board/")
    page.wait_for_selector("#mine-map canvas")
    assert "标记矿甲一" not in page.content()
    other = page.goto(f"{base}/monitoring/mines/{world.mine_a.pk}/live/")
    assert other is not None and other.status == 404
    assert errors == []
    page.context.close()


def test_board_and_mine_live_page_show_the_same_current_status(
    live_server: Any, transactional_db: None, browser: Any
) -> None:
    """MON-1, MON-2: a county regulator opens the board, then the mine: the same two current
    alarms and worst level III on both; the point back at 0.27 % reads 正常, not 报警 II级; the
    silent wind point reads 无数据 with the time of its last value; the alarm list agrees."""
    from minesafe.monitoring.testing import furnish_status

    world = make_world()
    world.mine_a.longitude, world.mine_a.latitude = Decimal("112.80"), Decimal("35.60")
    world.mine_a.save()
    scene = furnish_status(world.mine_a, timezone.now())
    _active, gas, wind = scene["points"]
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, "reg_x")
    page.goto(f"{base}/monitoring/board/")
    page.wait_for_selector("#mine-map canvas")
    row = page.locator(f"#board-table tr[data-mine='{world.mine_a.pk}']")
    assert "III级" in row.inner_text() and row.get_attribute("data-count") == "2"
    page.screenshot(path="/tmp/live-board.png", full_page=True)

    row.locator("text=标记矿甲一").click()
    page.wait_for_url(f"{base}/monitoring/mines/{world.mine_a.pk}/live/")
    current = page.locator("#current-alarms")
    assert current.get_attribute("data-count") == "2"
    assert current.get_attribute("data-worst") == "3"
    assert "III级" in current.inner_text() and "II级（橙）" not in current.inner_text()
    gas_row = page.locator(f"tr:has-text('{gas.code}')")
    assert "正常" in gas_row.inner_text() and "报警" not in gas_row.inner_text()
    wind_row = page.locator(f"tr:has-text('{wind.code}')")
    last = timezone.localtime(scene["wind_last"]).strftime("%m-%d %H:%M")
    assert "无数据" in wind_row.inner_text() and f"最后数据 {last}" in wind_row.inner_text()
    assert "风速" in page.inner_text("#live-points") and "其他（代码" not in page.content()
    page.screenshot(path="/tmp/live-mine.png", full_page=True)

    page.click("text=本矿报警记录")
    page.wait_for_selector("#alarms")
    assert page.locator("[data-state='open']").count() == 2
    assert page.locator("[data-state='cleared']").count() == 1
    page.screenshot(path="/tmp/live-alarms.png", full_page=True)
    assert errors == []
    page.context.close()
