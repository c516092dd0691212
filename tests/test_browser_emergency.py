"""A real browser through an evacuation order (MON-8): the regulator enters a red rainstorm
warning, the issue form comes with the county's mines pre-selected, the order is issued; mine A's
staff finds it in the inbox, confirms with the people out and the positioning check runs; mine B's
staff cannot open mine A's part."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from minesafe.emergency.models import EvacuationOrder, OrderTarget
from minesafe.positioning.testing import make_snapshot
from minesafe.testing import login, make_world, open_page

pytestmark = pytest.mark.browser


def test_mon8_issue_from_a_warning_then_the_mine_confirms(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world = make_world()
    EvacuationOrder.objects.all().delete()  # the shared world's past orders
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")
    page.click("header >> text=应急撤人")
    page.click("text=气象预警")
    page.click("text=录入气象预警")
    now = timezone.localtime(timezone.now())
    page.fill("#id_issuer", "甲县气象台")
    page.select_option("#id_kind", "rainstorm")
    page.select_option("#id_level", "red")
    page.check(f"input[name=divisions][value='{world.county_x.pk}']")
    page.fill("#id_valid_from", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_valid_to", (now + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_text", "预计6小时内降雨量100毫米以上")
    page.click("main button[type=submit]")
    page.wait_for_selector("#warning-summary")
    assert "拟撤人煤矿 2 座" in page.inner_text("#warning-summary")
    boxes = page.locator("#mine-choices input[type=checkbox]")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))
    assert world.mine_c.name not in page.inner_text("body")
    page.click("#order-form button[type=submit]")
    page.wait_for_selector("#targets")
    table = page.inner_text("#targets")
    assert world.mine_a.name in table and world.mine_b.name in table and "已下达" in table
    order = EvacuationOrder.objects.get()
    target_a = OrderTarget.objects.get(order=order, mine=world.mine_a)

    mine = open_page(browser, errors)
    login(mine, base, "mine_a")
    mine.goto(f"{base}/emergency/inbox/")
    assert world.mine_b.name not in mine.inner_text("#inbox")
    mine.click(f"#inbox >> text={order.number}")
    mine.click("#receive-form button")
    mine.wait_for_selector("#target-state >> text=已签收")
    make_snapshot(world.mine_a, timezone.now() - dt.timedelta(seconds=30), [])
    mine.fill("#id_people_out", "128")
    mine.fill("#id_people_remaining", "0")
    mine.click("#confirm-form button[type=submit]")
    mine.wait_for_selector("#target-state >> text=已确认撤离")
    assert "定位数据一致" in mine.inner_text("#check")
    assert "128 / 0" in mine.inner_text("#counts")

    other = open_page(browser, errors)
    login(other, base, "mine_b")
    answer = other.goto(f"{base}/emergency/targets/{target_a.pk}/")
    assert answer is not None and answer.status == 404
    assert errors == []
