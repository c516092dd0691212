"""The top menu fits at every common laptop width and on a phone, for every demo role: every
entry lies inside the viewport, is the element actually under its own centre (nothing covers
or clips it), and the bar ends above the page content. On a phone the menu folds behind a
菜单 button (static script, no inline code)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from minesafe.testing import login, make_world, open_page

pytestmark = pytest.mark.browser

LAPTOPS = (1920, 1440, 1366, 1280)
PHONE = 390
USERS = ("reg_x", "city", "insp", "ent", "mine_a", "admin")

#: For each menu entry: its box, whether the element under its centre is the entry itself.
MEASURE = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  const header = document.querySelector('header.top').getBoundingClientRect();
  const links = [...document.querySelectorAll(
    '#main-nav a, header.top .user a, header.top .user button, header.top .logo')];
  return {
    width: document.documentElement.clientWidth,
    scrollWidth: document.querySelector('header.top').scrollWidth,
    headerBottom: header.bottom,
    mainTop: main.top,
    links: links.map(a => {
      const r = a.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return {text: a.textContent.trim(), left: r.left, right: r.right, top: r.top,
              bottom: r.bottom, shown: r.width > 0 && r.height > 0, hit: !!hit && a.contains(hit)};
    }),
  };
}"""


def _check(page: Any, width: int, user: str) -> int:
    m = page.evaluate(MEASURE)
    assert m["scrollWidth"] <= m["width"], (user, width, "the bar is wider than the screen")
    assert m["headerBottom"] <= m["mainTop"] + 0.5, (user, width, "menu overlaps the content")
    shown = [link for link in m["links"] if link["shown"]]
    for link in shown:
        where = (user, width, link["text"])
        assert link["left"] >= 0 and link["right"] <= m["width"] + 0.5, where
        assert link["top"] >= 0 and link["bottom"] <= m["headerBottom"] + 0.5, where
        assert link["hit"], (*where, "covered or clipped")
    return len([link for link in shown if link["text"]])


def test_menu_fits_at_laptop_widths_and_folds_on_a_phone(
    live_server: Any, transactional_db: None, browser: Any
) -> None:
    make_world()
    base = live_server.url
    errors: list[str] = []
    for user in USERS:
        page = open_page(browser, errors)
        login(page, base, user)
        entries = page.locator("#main-nav a").count()
        assert entries >= 10
        for width in LAPTOPS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/")
            assert page.locator("[data-nav-toggle]").is_hidden()
            assert _check(page, width, user) >= entries
            page.screenshot(path=f"/tmp/home-nav-{user}-{width}.png")
        page.set_viewport_size({"width": PHONE, "height": 844})
        page.goto(f"{base}/")
        assert page.locator("#main-nav").is_hidden()
        _check(page, PHONE, user)
        page.click("[data-nav-toggle]")
        page.wait_for_selector("#main-nav a", state="visible")
        assert page.get_attribute("[data-nav-toggle]", "aria-expanded") == "true"
        assert _check(page, PHONE, user) >= entries
        page.screenshot(path=f"/tmp/home-nav-{user}-{PHONE}.png", full_page=True)
        page.click("[data-nav-toggle]")
        assert page.locator("#main-nav").is_hidden()
        page.context.close()
    assert errors == []


def test_board_map_names_the_supervised_county_and_zooms_to_its_mines(
    live_server: Any, transactional_db: None, browser: Any
) -> None:
    world = make_world()
    for mine, lon, lat in ((world.mine_a, "112.80", "35.60"), (world.mine_b, "112.90", "35.70")):
        mine.longitude, mine.latitude = Decimal(lon), Decimal(lat)
        mine.save(update_fields=["longitude", "latitude"])
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "reg_x")
    page.goto(f"{base}/monitoring/board/")
    page.wait_for_selector("#mine-map canvas")
    assert "煤矿分布 · 甲县" in page.inner_text("#map-region")
    option = page.evaluate(
        "() => { const o = echarts.getInstanceByDom(document.getElementById('mine-map'))"
        ".getOption(); return {title: o.title[0].text, zoom: o.geo[0].zoom,"
        " center: o.geo[0].center}; }"
    )
    assert option["title"] == "甲县"
    assert option["zoom"] > 1  # zoomed in on the county's mines, not the whole province
    assert abs(option["center"][0] - 112.85) < 0.01 and abs(option["center"][1] - 35.65) < 0.01
    page.screenshot(path="/tmp/home-board-map.png")
    page.context.close()
    assert errors == []
