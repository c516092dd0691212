"""A real browser (Debian Chromium through Playwright) logs in and opens dossiers (issue 2 §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minesafe.testing import World, login, make_world, open_page

pytestmark = pytest.mark.browser


def test_regulator_opens_a_dossier_and_mine_staff_is_refused_another(
    live_server: Any, transactional_db: None, browser: Any, tmp_path: Path
) -> None:
    world: World = make_world()
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")
    page.wait_for_selector("#chart-status canvas")  # ECharts, served by the app itself
    page.click("text=煤矿档案")
    page.fill("#id_q", "甲一")
    page.wait_for_selector("#mine-table >> text=共 1 座煤矿")
    page.click("#mine-table >> text=标记矿甲一")
    page.wait_for_selector("h1:has-text('标记矿甲一')")
    body = page.inner_text("body")
    for text in ("测试能源集团", "监管类别", "安全生产许可证", "变更记录"):
        assert text in body
    page.screenshot(path=str(tmp_path / "dossier.png"), full_page=True)
    assert errors == []
    page.context.close()

    page = open_page(browser, errors)
    login(page, base, "mine_a")
    own = page.goto(f"{base}{world.mine_a.get_absolute_url()}")
    assert own is not None and own.status == 200
    other = page.goto(f"{base}{world.mine_b.get_absolute_url()}")
    assert other is not None and other.status == 404
    assert "标记矿乙二" not in page.content()
    page.context.close()
