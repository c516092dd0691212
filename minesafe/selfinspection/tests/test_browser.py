"""A real browser: a mine answers its self-inspection report section by section (htmx), the
manager signs it, and the regulator returns it with a reason (HAZ-8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minesafe.accounts.choices import Role
from minesafe.selfinspection.models import CampaignReport
from minesafe.testing import World, login, make_user, make_world, open_page

pytestmark = pytest.mark.browser


def test_haz8_mine_answers_and_signs_then_regulator_returns_it(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    tmp_path: Path,
) -> None:
    world: World = make_world()
    make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    report = CampaignReport.objects.get(mine=world.mine_a)
    items = list(report.campaign.template.items())
    base = live_server.url
    errors: list[str] = []

    mine = open_page(browser, errors)
    login(mine, base, "mgr_a")
    mine.click("nav >> text=自查自改")
    mine.click(f"text={report.campaign.name}")
    mine.click("#progress >> text=标记矿甲一")
    mine.click("#answer-link")
    first_section = items[0].section_id
    # a hazard without a finding is refused with the field named, then fixed
    mine.check(f"input[name='item-{items[0].pk}-result'][value=hazard]")
    mine.check(f"input[name='item-{items[1].pk}-result'][value=compliant]")
    mine.click(f"#section-{first_section} >> text=保存本项目")
    mine.wait_for_selector(f"#section-{first_section} >> text=须填写现状描述")
    mine.fill(f"textarea[name='item-{items[0].pk}-finding']", "局部通风机未实现双风机双电源")
    mine.click(f"#section-{first_section} >> text=保存本项目")
    mine.wait_for_selector(f"#section-{first_section} >> text=已保存")
    mine.check(f"input[name='item-{items[2].pk}-result'][value=not_applicable]")
    mine.fill(f"textarea[name='item-{items[2].pk}-finding']", "本矿无探放水作业")
    mine.click("#save-all")
    mine.wait_for_selector("text=已填写 3 / 3 项")
    mine.click("#sign-link")
    mine.fill("#id_signer_name", "王矿长")
    mine.click("#step-form button[type=submit]")
    mine.wait_for_selector("#report-status >> text=已签字上报")
    assert "1条隐患已录入隐患台账" in mine.inner_text("body")

    regulator = open_page(browser, errors)
    login(regulator, base, "reg_x")
    regulator.goto(f"{base}{report.get_absolute_url()}")
    regulator.click("#review-link")
    regulator.check("input[name=decision][value=returned]")
    regulator.click("#step-form button[type=submit]")
    regulator.wait_for_selector("text=退回时须填写退回原因")
    regulator.check("input[name=decision][value=returned]")
    regulator.fill("#id_reason", "现状描述过于简单，请写实")
    regulator.click("#step-form button[type=submit]")
    regulator.wait_for_selector("#report-status >> text=已退回重做")
    assert "现状描述过于简单，请写实" in regulator.inner_text("#review-note")
    assert "已签字上报 → 已退回重做" in regulator.inner_text("#transitions")
    regulator.screenshot(path=str(tmp_path / "returned.png"), full_page=True)
    assert errors == []
