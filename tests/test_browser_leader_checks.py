"""Leaders' monthly underground 三违 checks in a real browser (VIO-1, source 000:30): a mine
manager records a check on a phone, and the regulator sees the mine leave the list of mines
whose leaders have not gone underground this month, at laptop width."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from minesafe.accounts.choices import Role
from minesafe.localtime import local_date
from minesafe.testing import login, make_user, make_world, open_page
from minesafe.violations import rules
from minesafe.violations.choices import LeaderPost
from minesafe.violations.models import LeaderCheck

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _missed_rows(page: Any) -> str:
    return str(page.inner_text("#missed tbody"))


def test_vio1_manager_records_on_a_phone_and_the_mine_leaves_the_missed_list(
    live_server: Any, transactional_db: None, browser: Any
) -> None:
    world = make_world()
    make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    LeaderCheck.objects.create(  # the enterprise's leader already went down this month
        mine=world.mine_a,
        post=LeaderPost.ENTERPRISE_LEADER,
        person_name="孙总",
        went_down_at=timezone.now(),
        places="综采工作面",
    )
    base, errors = live_server.url, []
    month = rules.month_key(local_date())
    missed_url = f"{base}/violations/leader-checks/missed/?month={month}"

    regulator = open_page(browser, errors)
    regulator.set_viewport_size({"width": 1366, "height": 900})
    login(regulator, base, "reg_x")
    regulator.goto(missed_url)
    assert "标记矿甲一" in _missed_rows(regulator) and "矿长" in _missed_rows(regulator)
    assert "标记矿乙二" in _missed_rows(regulator)
    regulator.screenshot(path="/tmp/vio1-missed-before.png", full_page=True)

    phone = open_page(browser, errors)
    phone.set_viewport_size({"width": 390, "height": 844})
    login(phone, base, "mgr_a")
    phone.goto(f"{base}/violations/leader-checks/")
    phone.click("text=录入下井检查")
    phone.wait_for_selector("#id_post")
    assert phone.evaluate(OVERFLOW) <= 0, "the form is wider than the phone"
    assert phone.input_value("#id_mine") == str(world.mine_a.pk)
    phone.select_option("#id_post", LeaderPost.MINE_MANAGER)
    phone.fill("#id_person_name", "周矿长")
    phone.fill("#id_went_down_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#id_places", "1201工作面、2302运输巷")
    phone.fill("#id_violations_found", "2")
    phone.screenshot(path="/tmp/vio1-phone-form.png", full_page=True)
    phone.click("main button:has-text('保存')")
    phone.wait_for_selector("#leader-checks >> text=周矿长")
    phone.screenshot(path="/tmp/vio1-phone-list.png", full_page=True)
    assert phone.evaluate(OVERFLOW) <= 0, "the list is wider than the phone"
    assert LeaderCheck.objects.get(person_name="周矿长").recorded_by.username == "mgr_a"

    regulator.goto(missed_url)
    rows = _missed_rows(regulator)
    assert "标记矿甲一" not in rows and "标记矿乙二" in rows
    assert regulator.evaluate(OVERFLOW) <= 0
    regulator.screenshot(path="/tmp/vio1-missed-after.png", full_page=True)
    assert errors == []
