"""A real browser through account administration (ACC): the county regulator opens 用户管理 from
the menu, creates a safety officer for one of its mines and reads the one-time password; the new
officer signs in with it, is made to choose a password of their own, then works in their mine."""

from __future__ import annotations

from typing import Any

import pytest

from minesafe.accounts.models import User
from minesafe.core.models import AuditEntry
from minesafe.testing import login, make_world, open_page

pytestmark = pytest.mark.browser


def test_county_regulator_creates_a_mine_officer_who_then_signs_in(
    live_server: Any, transactional_db: None, browser: Any
) -> None:
    world = make_world()
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, "reg_x")
    page.click("header >> text=用户管理")
    page.wait_for_url(f"{base}/accounts/users/")
    page.click("text=新增用户")
    # Only the county's own mines are offered.
    mines = page.locator("#id_mine option").all_inner_texts()
    assert world.mine_a.name in mines and world.mine_c.name not in mines
    roles = page.locator("#id_role option").all_inner_texts()
    assert "市/省级监管部门" not in roles and "系统管理员" not in roles
    page.fill("#id_username", "zhang_aq")
    page.fill("#id_first_name", "张安全")
    page.fill("#id_title", "安全科科长")
    page.select_option("#id_role", "mine_safety_officer")
    page.select_option("#id_mine", str(world.mine_a.pk))
    page.fill("#id_reason", "新任安全科科长")
    page.screenshot(path="/tmp/admin-create.png", full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_selector("#one-time-password")
    password = page.inner_text("#one-time-password").strip()
    page.screenshot(path="/tmp/admin-password.png", full_page=True)
    assert len(password) == 12
    # Reached by a redirect: reloading shows a notice, not the password, and posts nothing again.
    assert "/accounts/users/one-time-password/" in page.url
    page.reload()
    page.wait_for_selector("#one-time-password-gone")
    assert password not in page.content() and page.locator("#one-time-password").count() == 0
    assert User.objects.filter(username="zhang_aq").count() == 1
    account = User.objects.get(username="zhang_aq")
    assert account.mine == world.mine_a and account.must_change_password
    assert AuditEntry.objects.filter(object_id=str(account.pk), reason="新任安全科科长").exists()

    officer = open_page(browser, errors)
    officer.goto(f"{base}/accounts/login/")
    officer.fill("#id_username", "zhang_aq")
    officer.fill("#id_password", password)
    officer.click("button[type=submit]")
    officer.wait_for_url(f"{base}/accounts/password/")
    officer.fill("#id_old_password", password)
    officer.fill("#id_new_password1", "Anquan#2026kz")
    officer.fill("#id_new_password2", "Anquan#2026kz")
    officer.screenshot(path="/tmp/admin-change.png", full_page=True)
    officer.click("main button[type=submit]")
    officer.wait_for_url(f"{base}/")
    officer.goto(f"{base}/mines/")
    text = officer.inner_text("main")
    assert world.mine_a.name in text and world.mine_b.name not in text
    assert "用户管理" not in officer.inner_text("header")
    officer.screenshot(path="/tmp/admin-officer.png", full_page=True)
    account.refresh_from_db()
    assert not account.must_change_password
    assert errors == []
