"""Self-inspection pages and API (HAZ-8): launch, answer, sign, review; bad input never 500."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.accounts.choices import Role
from minesafe.selfinspection import services
from minesafe.selfinspection.choices import AnswerResult, ReportStatus
from minesafe.selfinspection.models import Campaign, CampaignReport, ChecklistTemplate
from minesafe.selfinspection.testing import shared_template
from minesafe.testing import World, make_user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _report_a(world: World) -> CampaignReport:
    return CampaignReport.objects.get(mine=world.mine_a)


def _post_all(report: CampaignReport, hazard_finding: str = "局部通风机未挂牌管理") -> dict:
    items = list(services.template_items(report))
    data = {f"item-{i.pk}-result": AnswerResult.COMPLIANT for i in items}
    data[f"item-{items[0].pk}-result"] = AnswerResult.HAZARD
    data[f"item-{items[0].pk}-finding"] = hazard_finding
    return data


def test_haz8_regulator_launches_campaign_for_chosen_mines(world: World) -> None:
    client = _client(world.users["regulator_x"])
    deadline = (timezone.localdate() + dt.timedelta(days=15)).isoformat()
    data = {
        "name": "冬季自查",
        "template": shared_template().pk,
        "deadline": deadline,
        "scope_mode": "chosen",
        "mines": [world.mine_a.pk],
    }
    response = client.post(reverse("selfinspection:campaign_add"), data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="冬季自查")
    assert [r.mine for r in campaign.reports.all()] == [world.mine_a]
    page = client.get(campaign.get_absolute_url())
    assert page.status_code == 200 and "标记矿甲一" in page.content.decode()


def test_haz8_launch_form_names_bad_fields(world: World) -> None:
    client = _client(world.users["regulator_x"])
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {
        "name": "x",
        "template": shared_template().pk,
        "deadline": past,
        "scope_mode": "chosen",
        "mines": [world.mine_c.pk],  # another county's mine
    }
    response = client.post(reverse("selfinspection:campaign_add"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "deadline" in errors and "mines" in errors
    assert (
        _client(world.users["mine_a"]).get(reverse("selfinspection:campaign_add")).status_code
        == 403
    )


def test_haz8_mine_answers_by_section_signs_and_regulator_returns(world: World) -> None:
    report = _report_a(world)
    mine = _client(world.users["mine_a"])
    url = reverse("selfinspection:report_answer", args=[report.pk])
    bad = _post_all(report, hazard_finding="")
    response = mine.post(url, bad)
    assert response.status_code == 400 and "须填写现状描述" in response.content.decode()
    section = services.template_items(report).first().section_id
    partial = mine.post(f"{url}?section={section}", _post_all(report), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "已保存" in partial.content.decode()
    assert mine.post(url, _post_all(report)).status_code == 302
    manager = _client(make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a))
    sign = reverse("selfinspection:report_sign", args=[report.pk])
    assert mine.get(sign).status_code == 403
    assert manager.post(sign, {"signer_name": ""}).status_code == 400
    assert manager.post(sign, {"signer_name": "王矿长"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED
    assert _client(world.users["enterprise"]).get(report.get_absolute_url()).status_code == 200
    review = reverse("selfinspection:report_review", args=[report.pk])
    regulator = _client(world.users["regulator_x"])
    assert regulator.post(review, {"decision": "returned"}).status_code == 400
    ok = regulator.post(review, {"decision": "returned", "reason": "未写实描述通风系统"})
    assert ok.status_code == 302
    page = regulator.get(report.get_absolute_url()).content.decode()
    assert "已退回重做" in page and "未写实描述通风系统" in page
    assert mine.get(url).status_code == 200  # editable again


def test_haz8_campaign_list_flags_mines_without_recent_report(world: World) -> None:
    response = _client(world.users["regulator_x"]).get(reverse("selfinspection:campaign_list"))
    assert response.status_code == 200
    lacking = [row["mine"] for row in response.context["lacking"]]
    assert world.mine_a in lacking  # never signed
    assert world.mine_c not in lacking  # outside the county
    api = _client(world.users["regulator_x"]).get(
        "/api/self-inspection/campaigns/mines-without-report/"
    )
    assert {row["code"] for row in api.json()["mines"]} == {world.mine_a.code, world.mine_b.code}


def test_haz8_api_workflow_and_field_errors(world: World) -> None:
    report = _report_a(world)
    items = list(services.template_items(report))
    mine = _client(world.users["mine_a"])
    base = f"/api/self-inspection/reports/{report.pk}"
    bad = [{"item": items[0].pk, "result": "hazard", "finding": ""}]
    response = mine.post(f"{base}/answers/", bad, content_type="application/json")
    assert response.status_code == 400 and f"item-{items[0].pk}" in response.json()
    rows = [{"item": i.pk, "result": "compliant"} for i in items]
    assert mine.post(f"{base}/answers/", rows, content_type="application/json").status_code == 200
    assert mine.post(f"{base}/sign/", {"signer_name": "x"}).status_code == 403
    manager = _client(make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a))
    signed = manager.post(
        f"{base}/sign/", {"signer_name": "王矿长"}, content_type="application/json"
    )
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    regulator = _client(world.users["regulator_x"])
    no_reason = regulator.post(
        f"{base}/review/", {"decision": "returned"}, content_type="application/json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert _client(world.users["regulator_y"]).get(f"{base}/").status_code == 404


def test_haz8_api_launch_rejects_foreign_mine_and_past_deadline(world: World) -> None:
    regulator = _client(world.users["regulator_x"])
    body = {
        "name": "API活动",
        "template": shared_template().pk,
        "deadline": "2000-01-01",
        "scope_mode": "chosen",
        "mines": [world.mine_c.pk],
    }
    response = regulator.post(
        "/api/self-inspection/campaigns/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "mines" in response.json()
    body["mines"] = [world.mine_a.pk]
    response = regulator.post(
        "/api/self-inspection/campaigns/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "deadline" in response.json()
    response = regulator.post(
        "/api/self-inspection/campaigns/",
        {**body, "scope_mode": "filter"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "scope_mode" in response.json()
    body["deadline"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = regulator.post(
        "/api/self-inspection/campaigns/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content


def _workbook(rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["检查项目", "编号", "检查内容", "检查依据"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "checklist.xlsx"
    return out


def test_haz8_checklist_import_all_or_nothing_with_row_and_column(world: World) -> None:
    client = _client(world.users["regulator_x"])
    url = reverse("selfinspection:template_import")
    form = {"name": "导入表", "kind": "open_pit", "version": "1"}
    bad = _workbook([["边坡", "", "边坡监测正常", "规程"], ["", "", "没有项目名", ""]])
    response = client.post(url, {**form, "file": bad})
    assert response.status_code == 400
    assert "第3行" in response.content.decode() or any(
        e.row == 3 and e.column == "检查项目" for e in response.context["result"].errors
    )
    assert not ChecklistTemplate.objects.filter(name="导入表").exists()
    good = _workbook([["边坡", "", "边坡监测正常", "规程"], ["排土", "P-1", "排土场稳定", ""]])
    assert client.post(url, {**form, "file": good}).status_code == 302
    template = ChecklistTemplate.objects.get(name="导入表")
    assert [i.code for i in template.items()] == ["L01-01", "P-1"]
    not_excel = io.BytesIO(b"not a workbook")
    not_excel.name = "x.xlsx"
    response = client.post(url, {**form, "version": "2", "file": not_excel})
    assert response.status_code == 400 and "Excel" in response.content.decode()
    download = client.get(reverse("selfinspection:template_download"))
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    assert sheet.max_row > 60
