"""A real browser: a mine user acknowledges and disposes a case, a second person (the regulator)
verifies it, closing waits while the alarm lasts and follows once it has ended (MON-4, issue 6
§5). Follows ``tests/test_browser.py`` (Debian Chromium, headless)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minesafe.monitoring.choices import AlarmLevel
from minesafe.monitoring.models import Alarm
from minesafe.response import worker
from minesafe.response.choices import CaseState
from minesafe.response.models import AlarmCase
from minesafe.response.testing import make_alarm
from minesafe.testing import login, make_world, open_page

pytestmark = pytest.mark.browser


def test_mon4_mine_acknowledges_and_disposes_regulator_verifies(
    live_server: Any,
    transactional_db: None,
    browser: Any,
) -> None:
    world = make_world()
    AlarmCase.objects.update(state=CaseState.CLOSED, deadline=None)
    now = timezone.now()
    alarm = make_alarm(
        world.mine_a, now - dt.timedelta(minutes=2), level=AlarmLevel.II, point_code="BR-1"
    )
    worker.intake(now, worker.TickReport())
    case = AlarmCase.objects.get(alarm=alarm)
    base = live_server.url
    errors: list[str] = []

    mine = open_page(browser, errors)
    login(mine, base, "mine_a")
    mine.wait_for_selector("#unread-count")  # the badge, loaded by htmx
    mine.goto(f"{base}/response/?waiting=me")
    mine.click(f"#cases >> text=#{case.pk}")
    mine.click("#step-acknowledge button")
    mine.wait_for_selector("#case-state >> text=已确认")
    mine.fill("#id_measures", "停止作业，撤出人员，切断电源")
    mine.fill("#id_evacuated", "9")
    mine.check("#id_power_cut_confirmed")
    mine.click("#step-dispose button")
    mine.wait_for_selector("#case-state >> text=已处置")
    case_url = mine.url
    # A feedback contradicting the stored reading (the alarm still reads 1.2 %) is refused.
    mine.fill("#id_feedback", "甲烷浓度已降至0.3%")
    mine.click("#step-feedback button")
    mine.wait_for_selector("text=与监测数据不符")
    assert "最新读数为1.2" in mine.inner_text("main")
    mine.goto(case_url)
    mine.fill("#id_feedback", "已撤人断电，甲烷浓度仍在报警值，持续监测")
    mine.fill("#id_current_reading", "1.2")
    mine.click("#step-feedback button")
    mine.wait_for_selector("#case-state >> text=已反馈")
    assert mine.query_selector("#step-verify") is None  # nobody verifies their own disposal

    regulator = open_page(browser, errors)
    login(regulator, base, "reg_x")
    regulator.goto(f"{base}/response/?waiting=me")
    regulator.click(f"#cases >> text=#{case.pk}")
    regulator.fill("#id_reason_verify", "视频核查属实")
    regulator.click("#step-verify button")
    regulator.wait_for_selector("#case-state >> text=已核查")
    # The alarm still lasts: no plain close, only the level above's decision with a reason.
    assert regulator.locator("#step-close").count() == 0
    assert "报警尚未解除" in regulator.inner_text("#close-wait")
    assert regulator.locator("#step-override_close").count() == 1
    regulator.screenshot(path="/tmp/duties-case-alarm-active.png", full_page=True)
    Alarm.objects.filter(pk=alarm.pk).update(closed_at=timezone.now())
    regulator.reload()
    assert regulator.locator("#step-override_close").count() == 0
    regulator.click("#step-close button")
    regulator.wait_for_selector("#case-state >> text=已关闭")
    timeline = regulator.inner_text("#timeline")
    for text in ("确认接警", "处置", "反馈处置结果", "核查", "关闭", "视频核查属实", "当前读数"):
        assert text in timeline
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.evacuated == 9
    assert errors == []


def test_mon4_case_list_refresh_keeps_the_filter_chosen_on_the_page(
    live_server: Any,
    transactional_db: None,
    browser: Any,
) -> None:
    """After the user changes a filter, the 30 s refresh of the case list (MON-4) still shows the
    filtered rows, not those of the filters the page first loaded with. The clock is driven
    forward instead of waiting 30 s."""
    world = make_world()
    AlarmCase.objects.update(state=CaseState.CLOSED, deadline=None)
    now = timezone.now()
    alarm = make_alarm(
        world.mine_a, now - dt.timedelta(minutes=2), level=AlarmLevel.II, point_code="RF-1"
    )
    worker.intake(now, worker.TickReport())
    case = AlarmCase.objects.get(alarm=alarm)
    closed = AlarmCase.objects.filter(mine=world.mine_a, state=CaseState.CLOSED).first()
    assert closed is not None
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    login(page, base, "mine_a")
    page.clock.install()
    page.goto(f"{base}/response/")
    page.wait_for_selector(f"#cases >> text=#{closed.pk}")
    page.select_option("#id_state", "new")
    page.wait_for_selector(f"#cases >> text=#{closed.pk}", state="detached")
    assert f"#{case.pk}" in page.inner_text("#cases")
    with page.expect_response(lambda r: "/response/" in r.url and "state=new" in r.url):
        page.clock.run_for("00:31")
    page.wait_for_load_state("networkidle")
    rows = page.inner_text("#cases")
    assert f"#{case.pk}" in rows and f"#{closed.pk}" not in rows
    assert errors == []
    page.context.close()
