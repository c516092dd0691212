"""A real browser records a hazard, completes the five fixes and takes it round the loop
(HAZ-1, HAZ-2, issue 4 §9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minesafe.core.roles import Role
from minesafe.hazards.models import Hazard
from minesafe.testing import World, login, make_user, make_world, open_page

pytestmark = pytest.mark.browser


def test_haz2_mine_records_fixes_and_another_verifies_and_closes_in_the_browser(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world: World = make_world()
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "mine_a")

    page.click("nav >> text=隐患排查")
    page.click("text=登记隐患")
    page.select_option("#id_mine", str(world.mine_a.pk))
    page.fill("#id_place", "1201运输顺槽")
    page.fill("#id_description", "浏览器测试：运输顺槽锚杆托盘松动")
    page.fill("#id_finder", "张三")
    page.click("main button[type=submit]")
    page.wait_for_selector("#hazard-status >> text=已登记")
    assert "整改资金" in page.inner_text("#missing-fixes")

    page.click("#fixes-link")
    page.fill("#id_responsible_unit", "掘进二队")
    page.fill("#id_responsible_person", "李四")
    page.fill("#id_measure", "补打锚杆并紧固托盘")
    page.fill("#id_funds", "0.80")
    page.fill("#id_deadline", "2099-12-31")
    page.click("main button[type=submit]")
    page.wait_for_selector("#hazard-status >> text=五落实完成")

    page.click("#step-start button[type=submit]")
    page.wait_for_selector("#hazard-status >> text=整改中")
    page.fill("#step-rectify textarea[name=evidence]", "已补打锚杆6根")
    page.click("#step-rectify button[type=submit]")
    page.wait_for_selector("#hazard-status >> text=已整改待验收")
    assert page.locator("#step-verify").count() == 0  # nobody verifies their own work
    hazard_url = page.url
    page.context.close()

    # The mine manager, who did not rectify it, verifies and closes it.
    make_user("mine_a_manager", Role.MINE_MANAGER, mine=world.mine_a)
    page = open_page(browser, errors)
    login(page, base, "mine_a_manager")
    page.goto(hazard_url)
    # The description matched a major-hazard situation: verifying waits for a decision on it.
    assert page.locator("#step-verify").count() == 0
    assert "判定建议" in page.inner_text("#held-back")
    while page.locator("form.reject-suggestion").count():
        form = page.locator("form.reject-suggestion").first
        form.locator("input[name=reason]").fill("托盘松动属一般隐患，不属该情形")
        form.locator("button").click()
        page.wait_for_load_state()
        page.goto(hazard_url)
    assert page.locator("#held-back").count() == 0
    for step in ("verify", "close"):
        page.click(f"#step-{step} button[type=submit]")
        page.wait_for_load_state()
    page.wait_for_selector("#hazard-status >> text=已销号")
    history = page.inner_text("#history")
    for label in (
        "登记",
        "五落实完成",
        "开始整改",
        "整改完成",
        "否定重大隐患判定建议",
        "验收通过",
        "销号",
    ):
        assert label in history
    hazard = Hazard.objects.get(description="浏览器测试：运输顺槽锚杆托盘松动")
    assert hazard.status == "closed" and hazard.evidence == "已补打锚杆6根"
    page.screenshot(path=str(tmp_path / "hazard.png"), full_page=True)
    assert errors == []
    page.context.close()
