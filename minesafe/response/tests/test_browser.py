"""A real browser: a mine user acknowledges and disposes a case, the regulator verifies and
closes it (MON-4, issue 6 §5). Follows ``tests/test_browser.py`` (Debian Chromium, headless)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minesafe.monitoring.choices import AlarmLevel
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
    mine.fill("#id_feedback", "甲烷浓度已恢复正常")
    mine.click("#step-feedback button")
    mine.wait_for_selector("#case-state >> text=已反馈")
    assert mine.query_selector("#step-verify") is None

    regulator = open_page(browser, errors)
    login(regulator, base, "reg_x")
    regulator.goto(f"{base}/response/?waiting=me")
    regulator.click(f"#cases >> text=#{case.pk}")
    regulator.fill("#id_reason_verify", "视频核查属实")
    regulator.click("#step-verify button")
    regulator.wait_for_selector("#case-state >> text=已核查")
    regulator.click("#step-close button")
    regulator.wait_for_selector("#case-state >> text=已关闭")
    timeline = regulator.inner_text("#timeline")
    for text in ("确认接警", "处置", "反馈处置结果", "核查", "关闭", "视频核查属实"):
        assert text in timeline
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.evacuated == 9
    assert errors == []
