"""A real browser on the county video coverage page (MON-7): the regulator sees the mines of the
county with their coverage, the mine working a face without video highlighted and drawn in the
charts; the mine's page names the gap; mine B's staff cannot open mine A's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minesafe.testing import login, make_world, open_page
from minesafe.video.choices import ChannelStatus
from minesafe.video.models import VideoChannel

pytestmark = pytest.mark.browser


def test_mon7_regulator_sees_county_coverage_and_work_without_video(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world = make_world()
    VideoChannel.objects.filter(mine=world.mine_b, code="CH-001").update(
        status=ChannelStatus.OFFLINE
    )
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")
    page.click("header >> text=视频监控")
    page.wait_for_selector("#chart-coverage canvas")  # ECharts, served by the app itself
    page.wait_for_selector("#chart-reasons canvas")
    table = page.inner_text("#coverage")
    assert world.mine_a.name in table and world.mine_b.name in table
    assert world.mine_c.name not in page.inner_text("body")
    first = page.locator("#coverage tbody tr").first
    assert world.mine_b.name in first.inner_text()  # work without video comes first
    assert f"{world.mine_b.code}-1201" in first.inner_text()
    page.click(f"#coverage >> text={world.mine_b.name}")
    page.wait_for_selector("#work-without-video")
    assert "通道离线" in page.inner_text("#work-without-video")
    assert "未安装视频通道" in page.inner_text("#places")
    page.screenshot(path=str(tmp_path / "video.png"), full_page=True)
    assert errors == []
    page.context.close()

    page = open_page(browser, errors)
    login(page, base, "mine_b")
    other = page.goto(f"{base}/video/mines/{world.mine_a.pk}/")
    assert other is not None and other.status == 404
    page.goto(f"{base}/video/")
    assert world.mine_a.name not in page.inner_text("body")
    assert errors == []
    page.context.close()
