"""A real browser: an inspector records a check with a finding, signs it and opens the generated
rectification order (ENF-3, ENF-4, HAZ-9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minesafe.testing import World, login, make_world, open_page

pytestmark = pytest.mark.browser


def test_inspector_records_signs_and_opens_the_rectification_order(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world: World = make_world()
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")

    page.click("nav >> text=监管执法")
    page.click("text=检查记录")
    page.click("text=新建检查")
    page.select_option("#id_mine", label=world.mine_a.name)
    page.select_option("#id_kind", value="routine")
    page.fill("#id_planned_on", page.evaluate("new Date().toLocaleDateString('sv-SE')"))
    page.fill("#id_route", "主井→井底车场→1201综采工作面")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('计划检查')")
    page.click("text=进入「准备」")
    page.click("text=进入「现场检查」")
    page.click("#add-finding")
    page.select_option("#id_kind", value="general_hazard")
    page.fill("#id_description", "1201回风顺槽锚杆失效三根")
    page.fill("#id_place", "1201回风顺槽")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=1201回风顺槽锚杆失效三根")

    page.click("#sign-link")
    page.check("#id_confirm")
    page.click("main button[type=submit]")
    page.wait_for_selector("#signature >> text=reg_x")
    page.select_option("#document-kind", value="rectification_order")
    page.click("#issue-document")
    link = page.wait_for_selector("#documents >> text=责令限期整改指令书")
    assert "〔" in link.inner_text()
    with page.context.expect_page() as opened:
        link.click()
    pdf_page = opened.value
    href = link.get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert pdf_page.url.endswith(href)
    page.screenshot(path=str(tmp_path / "inspection.png"), full_page=True)
    assert errors == []
    page.context.close()
