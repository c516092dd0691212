"""A real browser: an inspector records a check with a finding, signs it, decides on it through
the decision step and issues the documents after seeing what they will say (ENF-3 … ENF-6,
HAZ-9, PER-9)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from minesafe.enforcement import services
from minesafe.enforcement.choices import FindingKind, Step
from minesafe.enforcement.models import Decision, Inspection, ManagerScore, OfficerCertificate
from minesafe.enforcement.testing import certify, partner
from minesafe.localtime import local_date
from minesafe.testing import World, login, make_world, open_page

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
SHOTS = Path("/tmp")


def _start(page: Any, world: World, second: Any) -> None:
    """New record of mine A with a two-officer team, on site."""
    page.click("nav >> text=监管执法")
    page.click("text=检查记录")
    page.click("text=新建检查")
    page.select_option("#id_mine", label=world.mine_a.name)
    page.select_option("#id_kind", value="routine")
    page.fill("#id_planned_on", page.evaluate("new Date().toLocaleDateString('sv-SE')"))
    page.select_option("#id_members", value=str(second.pk))
    page.fill("#id_route", "主井→井底车场→1201综采工作面")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('计划检查')")
    page.click("text=进入「准备」")
    page.click("text=进入「现场检查」")


def _earlier_major_checks(world: World, officer: Any) -> None:
    """Two signed checks of mine A in the last weeks that found a major hazard: the repeat rule
    must still not touch a check that finds only a general one."""
    for days in (40, 20):
        now = timezone.now() - dt.timedelta(days=days)
        record = Inspection.objects.create(
            mine=world.mine_a,
            organization=world.regulator_x_org,
            planned_on=local_date(now),
            leader=officer,
        )
        record.members.add(partner(officer))
        services.take_step(record, Step.PREPARE, officer, now)
        services.take_step(record, Step.ONSITE, officer, now)
        services.add_finding(
            record, officer, local_date(now), kind=FindingKind.MAJOR_HAZARD, major=True,
            description="瓦斯超限作业",
        )  # fmt: skip
        services.sign(record, officer, now + dt.timedelta(hours=2), now + dt.timedelta(hours=1))


def test_inspector_decides_a_first_offence_and_issues_a_complete_order(
    live_server: Any,
    transactional_db: None,
    browser: Any,
) -> None:
    world: World = make_world()
    officer = world.users["regulator_x"]
    certify(officer, "ZF990101-0001")
    second = partner(officer)
    _earlier_major_checks(world, officer)
    # The platform holds no identity number of mine A's manager.
    ManagerScore.objects.filter(mine=world.mine_a).delete()
    Decision.objects.filter(inspection__mine=world.mine_a).update(manager_id_number="")
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    page.set_viewport_size(LAPTOP)
    login(page, base, "reg_x")
    _start(page, world, second)

    page.click("#add-finding")
    page.select_option("#id_kind", value="general_hazard")
    page.fill("#id_description", "1201回风顺槽锚杆失效三根")
    page.fill("#id_place", "1201回风顺槽")
    page.check("#id_first_offence")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=1201回风顺槽锚杆失效三根")
    page.click("#sign-link")
    page.check("#id_confirm")
    page.click("main button[type=submit]")
    page.wait_for_selector("#signature >> text=reg_x")

    # The decision step: only the rules' proposal, each measure with its rule and article.
    page.click("text=作出处理决定")
    page.wait_for_selector("#proposal")
    proposal = page.inner_text("#proposal")
    assert "责令限期整改" in proposal and "首违免罚" in proposal
    assert "《中华人民共和国安全生产法》第六十五条第一款第（二）项" in proposal
    assert "泽州县应急管理局通知（2025年）第37项" in proposal
    assert "责令停产整顿" not in proposal and "提请地方政府关闭" not in proposal
    assert re.search(r"\b\d{3}:\d+", proposal) is None
    assert page.is_checked("input[name=consequences][value=rectify]")
    assert not page.is_checked("input[name=consequences][value=suspension]")
    assert not page.is_checked("input[name=consequences][value=closure_proposal]")
    page.screenshot(path=str(SHOTS / "docs13-decide.png"), full_page=True)

    # A fact the platform lacks is asked for as a field, with why.
    page.click("#decide-next")
    error = page.wait_for_selector("#id_manager_id_number ~ ul.errorlist")
    assert "记1分" in error.inner_text() and "身份证号" in error.inner_text()
    page.fill("#id_manager_name", "王建国")
    page.fill("#id_manager_id_number", "140101198001010011")
    page.click("#decide-next")

    # Confirm before deciding.
    summary = page.wait_for_selector("#decision-summary")
    assert "本决定无需法制审核" in summary.inner_text()
    assert (
        not Decision.objects.filter(inspection__mine=world.mine_a, decided_by=officer)
        .exclude(inspection__findings__major=True)
        .exists()
    )
    page.click("#decide-confirm")
    page.wait_for_selector("text=处理决定已作出")

    # Issue the rectification order: see it first, then confirm.
    page.select_option("#document-kind", value="rectification_order")
    page.click("#issue-document")
    preview = page.wait_for_selector("#document-preview")
    text = preview.inner_text()
    for certificate in OfficerCertificate.objects.filter(user__in=[officer, second]):
        assert f"执法证号：{certificate.number}" in text
    assert "《中华人民共和国安全生产法》第四十一条第二款" in text
    assert "60日内向甲县人民政府申请行政复议" in text
    assert "6个月内依法向甲县人民法院提起行政诉讼" in text
    assert "前整改完毕" in text
    page.screenshot(path=str(SHOTS / "docs13-preview.png"), full_page=True)
    page.click("#document-confirm")
    link = page.wait_for_selector("#documents >> text=责令限期整改指令书")
    assert "〔" in link.inner_text()
    response = page.request.get(f"{base}{link.get_attribute('href')}")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.screenshot(path=str(SHOTS / "docs13-record.png"), full_page=True)
    assert errors == []
    page.context.close()


def test_a_lone_officer_is_told_why_the_document_is_refused(
    live_server: Any,
    transactional_db: None,
    browser: Any,
) -> None:
    world: World = make_world()
    officer = world.users["regulator_x"]
    certify(officer)
    second = partner(officer)
    OfficerCertificate.objects.filter(user=second).delete()
    base = live_server.url
    errors: list[str] = []
    page = open_page(browser, errors)
    page.set_viewport_size(LAPTOP)
    login(page, base, "reg_x")
    _start(page, world, second)
    page.click("#sign-link")
    page.check("#id_confirm")
    page.click("main button[type=submit]")
    page.wait_for_selector("#signature >> text=reg_x")
    page.select_option("#document-kind", value="site_record")
    page.click("#issue-document")
    message = page.wait_for_selector("text=至少2名持有行政执法证")
    assert "执法员乙" in message.inner_text()
    assert page.inner_text("#documents").strip() == "无"
    assert errors == []
    page.context.close()
