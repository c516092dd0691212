"""Pages and API of enforcement: sealed draws stay invisible to the mine, the flow through the
pages, PDF documents with Chinese text, bad input answered 4xx (ENF-2 … ENF-9)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.core import sealing
from minesafe.core.models import AuditEntry
from minesafe.enforcement import planning, services
from minesafe.enforcement.choices import DocumentKind, Step
from minesafe.enforcement.models import (
    Decision,
    Document,
    Draw,
    Inspection,
    ManagerScore,
    OfficerCertificate,
    PlanEntry,
)
from minesafe.enforcement.testing import certify, partner
from minesafe.localtime import local_date
from minesafe.testing import World


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.fixture
def sealed(world: World) -> Draw:
    """An unannounced night check of mine A drawn by county X for the day after tomorrow."""
    now = timezone.now()
    return planning.make_draw(
        organization=world.regulator_x_org,
        kind="night",
        check_on=local_date() + dt.timedelta(days=2),
        count=1,
        user=world.users["regulator_x"],
        now=now,
        mines=[world.mine_a],
    )


SEALED_PAGES = [
    "enforcement:index",
    "enforcement:inspection_list",
    "enforcement:notice_list",
    "enforcement:stopped_workers",
    "enforcement:manager_list",
]


@pytest.mark.parametrize("persona", ["mine_a", "enterprise"])
def test_enf2_mine_and_enterprise_never_see_a_sealed_check(
    world: World, sealed: Draw, persona: str
) -> None:
    client = _client(world, persona)
    record = Inspection.objects.get(draw=sealed)
    marker = record.planned_on.strftime("%Y-%m-%d")
    for name in SEALED_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert record.get_absolute_url() not in response.content.decode(), name
        assert marker not in response.content.decode(), name
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.get(sealed.get_absolute_url()).status_code == 404
    assert client.get(reverse("enforcement:draw_list")).status_code == 403
    api = client.get("/api/enforcement/inspections/").json()
    assert record.pk not in [r["id"] for r in api["results"]]
    assert client.get(f"/api/enforcement/inspections/{record.pk}/").status_code == 404
    assert client.get(f"/api/enforcement/draws/{sealed.pk}/").status_code == 404
    assert not Inspection.objects.restrict(world.users[persona]).filter(draw=sealed).exists()


def test_enf2_sealed_check_stays_out_of_the_mine_dossier_history(
    world: World, sealed: Draw
) -> None:
    record = Inspection.objects.get(draw=sealed)
    assert not AuditEntry.objects.filter(object_repr=str(record)).exclude(mine=None).exists()
    dossier = _client(world, "mine_a").get(world.mine_a.get_absolute_url()).content.decode()
    assert str(record) not in dossier and "夜查" not in dossier


def test_enf2_sealed_check_opens_to_the_mine_once_on_site(world: World, sealed: Draw) -> None:
    record = Inspection.objects.get(draw=sealed)
    officer = world.users["regulator_x"]
    later = timezone.now() + dt.timedelta(days=2)
    services.take_step(record, Step.PREPARE, officer, later)
    services.take_step(record, Step.ONSITE, officer, later)
    assert _client(world, "mine_a").get(record.get_absolute_url()).status_code == 200


def test_enf2_regulator_sees_and_verifies_the_draw(world: World, sealed: Draw) -> None:
    client = _client(world, "regulator_x")
    page = client.get(sealed.get_absolute_url())
    assert page.status_code == 200 and sealed.seed in page.content.decode()
    verify = client.post(reverse("enforcement:draw_verify", args=[sealed.pk]), follow=True)
    assert "复核一致" in verify.content.decode()
    api = client.get(f"/api/enforcement/draws/{sealed.pk}/verify/").json()
    assert api["same"] is True and api["targets"] == [world.mine_a.pk]
    assert _client(world, "regulator_y").get(sealed.get_absolute_url()).status_code == 404


def test_enf2_draw_in_the_past_is_a_clear_error(world: World) -> None:
    client = _client(world, "regulator_x")
    yesterday = local_date() - dt.timedelta(days=1)
    response = client.post(
        reverse("enforcement:draw_list"),
        {"kind": "unannounced", "check_on": yesterday.isoformat(), "count": 1},
    )
    assert response.status_code == 400 and "检查日期不能早于今天" in response.content.decode()


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages)


def test_enf3_enf4_flow_through_the_pages_ends_in_a_numbered_pdf(world: World) -> None:
    client = _client(world, "regulator_x")
    certify(world.users["regulator_x"])
    second = partner(world.users["regulator_x"])
    response = client.post(
        reverse("enforcement:inspection_add"),
        {
            "mine": world.mine_a.pk,
            "kind": "routine",
            "planned_on": local_date(),
            "leader": world.users["regulator_x"].pk,
            "members": [second.pk],
            "route": "主井→1201",
        },
    )
    assert response.status_code == 302, response.content.decode()
    record = Inspection.objects.filter(mine=world.mine_a, kind="routine").latest("pk")
    for step in ("prepare", "onsite"):
        moved = client.post(reverse("enforcement:inspection_step", args=[record.pk, step]))
        assert moved.status_code == 302 and moved["Location"] == record.get_absolute_url()
    record.refresh_from_db()
    assert record.step == "onsite" and record.steps.count() == 3
    finding = client.post(
        reverse("enforcement:finding_add", args=[record.pk]),
        {"kind": "general_hazard", "description": "回风巷支护失效", "place": "1201回风巷"},
    )
    assert finding.status_code == 302, finding.content.decode()
    early = client.post(
        reverse("enforcement:document_issue", args=[record.pk]), {"kind": "site_record"}
    )
    assert early.status_code == 302 and not Document.objects.filter(inspection=record).exists()
    future = timezone.localtime() + dt.timedelta(hours=3)
    bad = client.post(
        reverse("enforcement:inspection_sign", args=[record.pk]),
        {"finished_at": future.strftime("%Y-%m-%dT%H:%M"), "confirm": "on"},
    )
    assert bad.status_code == 400 and "检查时间不能晚于当前时间" in bad.content.decode()
    ok = client.post(
        reverse("enforcement:inspection_sign", args=[record.pk]),
        {"finished_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "confirm": "on"},
    )
    assert ok.status_code == 302, ok.content.decode()
    preview = client.post(
        reverse("enforcement:document_issue", args=[record.pk]),
        {"kind": DocumentKind.RECTIFICATION_ORDER},
    )
    assert preview.status_code == 200 and "确认制发" in preview.content.decode()
    assert not Document.objects.filter(inspection=record).exists()
    issue = client.post(
        reverse("enforcement:document_issue", args=[record.pk]),
        {"kind": DocumentKind.RECTIFICATION_ORDER, "confirmed": "1"},
    )
    assert issue.status_code == 302
    document = Document.objects.get(inspection=record)
    pdf = client.get(reverse("enforcement:document_pdf", args=[document.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert "责令限期整改指令书" in text and world.mine_a.name in text
    assert document.number in text and "回风巷支护失效" in text
    assert _client(world, "mine_a").get(pdf.wsgi_request.path).status_code == 200
    assert _client(world, "mine_b").get(pdf.wsgi_request.path).status_code == 404


def test_enf5_decide_page_explains_each_proposal_and_confirms_before_deciding(
    world: World,
) -> None:
    """ENF-5/ENF-6, ENF-4: each proposed measure is shown with its rule (cited officially) and
    its law article; a valid form first shows the summary; only the confirmed post decides."""
    record = Inspection.objects.get(mine=world.mine_b, kind="unannounced")
    record.decision.delete()
    ManagerScore.objects.filter(mine=world.mine_b).delete()
    client = _client(world, "regulator_x")
    page = client.get(reverse("enforcement:inspection_decide", args=[record.pk]))
    html = page.content.decode()
    assert "规则建议" in html and "泽州县应急管理局通知（2025年）第37项" in html
    assert "《中华人民共和国安全生产法》第六十五条第一款第（二）项" in html
    assert re.search(r"\b\d{3}:\d+", html) is None
    url = reverse("enforcement:inspection_decide", args=[record.pk])
    wanted = {"consequences": ["rectify", "penalty"], "manager_name": "李四"}
    missing = client.post(url, wanted)
    assert missing.status_code == 400
    assert "平台尚无该矿矿长的身份证号" in missing.content.decode()
    wanted["manager_id_number"] = "140101198001010011"
    summary = client.post(url, wanted)
    assert summary.status_code == 200 and "确认作出决定" in summary.content.decode()
    assert not Decision.objects.filter(inspection=record).exists()
    done = client.post(url, {**wanted, "confirmed": "1"})
    assert done.status_code == 302
    decision = Decision.objects.get(inspection=record)
    assert "《中华人民共和国安全生产法》第一百零二条" in decision.legal_basis


def test_enf9_reports_and_analysis_page_pdf_excel(world: World) -> None:
    client = _client(world, "regulator_x")
    page = client.get(reverse("enforcement:mine_reports", args=[world.mine_a.pk]))
    assert page.status_code == 200 and "监察执法报告" in page.content.decode()
    month = local_date().strftime("%Y-%m")
    assert (
        "执法分析" in client.get(reverse("enforcement:analysis"), {"month": month}).content.decode()
    )
    sealing.seal(timezone.now())
    pdf = client.get(reverse("enforcement:analysis_pdf"), {"month": month})
    text = _pdf_text(pdf.content).replace("\n", "")
    first = local_date().replace(day=1)
    root = sealing.root_of(first, sealing.month_end(first))
    assert "共性问题" in text and f"条链）：{root}" in text
    xlsx = client.get(reverse("enforcement:analysis_xlsx"), {"month": month})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "总体情况" in book.sheetnames
    assert client.get(reverse("enforcement:analysis_pdf"), {"month": "2026-13"}).status_code == 400


def test_enf1_plan_generated_from_the_page(world: World) -> None:
    client = _client(world, "regulator_x")
    response = client.post(reverse("enforcement:plan_list"), {"year": 2027})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert world.mine_a.name in page and world.mine_c.name not in page
    assert client.post(reverse("enforcement:plan_list"), {"year": "x"}).status_code == 400
    assert _client(world, "mine_a").get(reverse("enforcement:plan_list")).status_code == 403


def test_enf_api_flow_and_clear_errors(world: World) -> None:
    client = _client(world, "regulator_x")
    created = client.post(
        "/api/enforcement/inspections/",
        {
            "mine": world.mine_a.pk,
            "kind": "remote",
            "planned_on": str(local_date()),
            "remote_examined": "调阅近7日瓦斯监测曲线和井下视频",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    for step in ("prepare", "onsite"):
        moved = client.post(
            f"/api/enforcement/inspections/{pk}/steps/{step}/", {}, content_type="application/json"
        )
        assert moved.status_code == 200 and moved.json()["step"] == step, moved.content
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    bad = client.post(
        f"/api/enforcement/inspections/{pk}/sign/",
        {"finished_at": future},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "finished_at" in bad.json()
    unsigned = client.post(
        f"/api/enforcement/inspections/{pk}/documents/",
        {"kind": "site_record"},
        content_type="application/json",
    )
    assert unsigned.status_code == 400
    assert (
        client.post(
            f"/api/enforcement/inspections/{pk}/findings/", "{", content_type="application/json"
        ).status_code
        == 400
    )
    team = Inspection.objects.get(pk=pk)
    certify(world.users["regulator_x"])
    team.members.add(partner(world.users["regulator_x"]))
    signed = client.post(
        f"/api/enforcement/inspections/{pk}/sign/",
        {"finished_at": timezone.now().isoformat()},
        content_type="application/json",
    )
    assert signed.status_code == 200, signed.content
    doc = client.post(
        f"/api/enforcement/inspections/{pk}/documents/",
        {"kind": "site_record"},
        content_type="application/json",
    )
    assert doc.status_code == 201 and "〔" in doc.json()["number"]
    mine_b = _client(world, "mine_b")
    assert mine_b.get(f"/api/enforcement/inspections/{pk}/").status_code == 404
    listed = json.loads(mine_b.get("/api/enforcement/documents/").content)
    own = Document.objects.restrict(world.users["mine_b"], "view")
    assert listed["count"] == own.count()
    assert doc.json()["number"] not in {d["number"] for d in listed["results"]}


def test_per8_quiz_page_asks_from_the_bank_and_lists_the_stopped_worker(world: World) -> None:
    officer = world.users["regulator_x"]
    record = Inspection.objects.create(
        mine=world.mine_a,
        organization=world.regulator_x_org,
        planned_on=local_date(),
        leader=officer,
    )
    now = timezone.now()
    services.take_step(record, Step.PREPARE, officer, now)
    services.take_step(record, Step.ONSITE, officer, now)
    client = _client(world, "regulator_x")
    url = reverse("enforcement:quiz_add", args=[record.pk])
    assert "自救器" in client.get(url).content.decode()
    bad = client.post(url, {"worker_name": "钱七", "worker_number": "Q7", "asked": 3, "correct": 5})
    assert bad.status_code == 400 and "答对题数不能多于题数" in bad.content.decode()
    ok = client.post(url, {"worker_name": "钱七", "worker_number": "Q7", "asked": 5, "correct": 2})
    assert ok.status_code == 302
    stopped = _client(world, "mine_a").get(reverse("enforcement:stopped_workers")).content.decode()
    assert "钱七" in stopped
    assert (
        "钱七"
        not in _client(world, "mine_b").get(reverse("enforcement:stopped_workers")).content.decode()
    )


def _adjust_plan_entry(client: Client, entry: PlanEntry, via: str, **data: Any) -> Any:
    """Adjust ``entry`` through its page's form or through the API with the same data."""
    if via == "api":
        return client.patch(
            f"/api/enforcement/plan-entries/{entry.pk}/", data, content_type="application/json"
        )
    form = {"inspector": entry.inspector_id or "", "checks": entry.checks, "months": entry.months}
    form.update({k: ("" if v is None else v) for k, v in data.items()})
    form.setdefault("edited_reason", "")
    return client.post(reverse("enforcement:plan_entry_edit", args=[entry.pk]), form)


@pytest.mark.parametrize("via", ["page", "api"])
def test_enf1_plan_entry_adjustment_same_choices_rules_and_reason(world: World, via: str) -> None:
    """ENF-1: the responsible inspector is an officer of the adjusting body or below (not
    another county's, not the inspected mine's own officer), the months fit the checks, and
    every adjustment says why; the page and the API answer alike."""
    entry = PlanEntry.objects.get(mine=world.mine_a, plan__organization=world.regulator_x_org)
    client = _client(world, "regulator_x")
    refused = {
        "inspector": [
            {"inspector": world.users["regulator_y"].pk, "edited_reason": "换人"},
            {"inspector": world.users["mine_a"].pk, "edited_reason": "换人"},
        ],
        "months": [{"checks": 1, "months": [1, 2], "edited_reason": "减少"}],
        "edited_reason": [{"checks": 6}, {"checks": 6, "edited_reason": "  "}],
    }
    for field, attempts in refused.items():
        for data in attempts:
            response = _adjust_plan_entry(client, entry, via, **data)
            assert response.status_code == 400, (data, response.content)
            if via == "api":
                assert field in response.json(), response.json()
            else:
                assert field in response.context["form"].errors, response.context["form"].errors
    entry.refresh_from_db()
    assert entry.checks == 4 and entry.inspector_id != world.users["mine_a"].pk
    done = _adjust_plan_entry(
        client, entry, via, inspector=world.users["regulator_x"].pk, checks=6, edited_reason="增频"
    )
    assert done.status_code == (200 if via == "api" else 302), done.content
    entry.refresh_from_db()
    assert (entry.checks, entry.inspector, entry.edited_reason) == (
        6,
        world.users["regulator_x"],
        "增频",
    )
    audit = AuditEntry.objects.filter(object_repr=str(entry), action="update").latest("id")
    assert audit.reason == "增频" and audit.changes["checks"] == [4, 6]


def _record_of_mine_a(world: World) -> Inspection:
    """A record of mine A by county X, in the plan stage with its first history row."""
    officer = world.users["regulator_x"]
    record = Inspection.objects.create(
        mine=world.mine_a,
        organization=world.regulator_x_org,
        planned_on=local_date(),
        leader=officer,
    )
    services.record_opened(record, officer, timezone.now(), "新建检查")
    return record


def test_enf3_step_page_refuses_wrong_role_403_other_county_404_wrong_stage_400(
    world: World,
) -> None:
    record = _record_of_mine_a(world)
    url = reverse("enforcement:inspection_step", args=[record.pk, "prepare"])
    assert _client(world, "mine_a").post(url).status_code == 403
    assert _client(world, "regulator_y").post(url).status_code == 404
    client = _client(world, "regulator_x")
    unknown = reverse("enforcement:inspection_step", args=[record.pk, "nowhere"])
    assert client.get(unknown).status_code == client.post(unknown).status_code == 400
    skipped = client.post(reverse("enforcement:inspection_step", args=[record.pk, "decide"]))
    assert skipped.status_code == 400
    assert "当前状态为“计划”，不能进入「处理决定」" in skipped.content.decode()
    record.refresh_from_db()
    assert record.step == Step.PLAN and record.steps.count() == 1
    assert client.post(url, {"reason": "组织检查组"}).status_code == 302
    page = client.get(record.get_absolute_url()).content.decode()
    assert "计划 → 准备" in page and "组织检查组" in page and "进入「现场检查」" in page
    assert (
        "进入「现场检查」"
        not in _client(world, "mine_a").get(record.get_absolute_url()).content.decode()
    )


def test_enf3_api_step_refuses_wrong_role_403_other_county_404_wrong_stage_400(
    world: World,
) -> None:
    record = _record_of_mine_a(world)
    url = f"/api/enforcement/inspections/{record.pk}/steps/prepare/"
    assert (
        _client(world, "mine_a").post(url, {}, content_type="application/json").status_code == 403
    )
    other = _client(world, "regulator_y").post(url, {}, content_type="application/json")
    assert other.status_code == 404
    client = _client(world, "regulator_x")
    skipped = client.post(
        f"/api/enforcement/inspections/{record.pk}/steps/decide/",
        {},
        content_type="application/json",
    )
    assert skipped.status_code == 400 and "step" in skipped.json()
    record.refresh_from_db()
    assert record.step == Step.PLAN
    assert (
        client.post(url, {"reason": "组织检查组"}, content_type="application/json").status_code
        == 200
    )
    assert record.steps.last().reason == "组织检查组"


def test_enf4_returning_a_decision_without_a_reason_is_400_on_page_and_api(
    world: World,
) -> None:
    decision = Decision.objects.get(inspection__mine=world.mine_b, review_status="pending")
    client = _client(world, "regulator_x")
    page = client.post(reverse("enforcement:decision_review", args=[decision.pk]), {"approve": "0"})
    assert page.status_code == 400 and "退回须写明审核意见" in page.content.decode()
    api = client.post(
        f"/api/enforcement/decisions/{decision.pk}/review/",
        {"approve": False},
        content_type="application/json",
    )
    assert api.status_code == 400 and "退回须写明审核意见" in str(api.json())
    decision.refresh_from_db()
    assert decision.review_status == "pending"


def test_enf3_inspection_filters_are_the_same_on_the_page_and_the_api(
    world: World, sealed: Draw
) -> None:
    """ENF-3: one filter set decides which records the list and the API show (mine, kind, step)."""
    client = _client(world, "regulator_x")
    record = Inspection.objects.get(draw=sealed)
    for query in (
        {"mine": world.mine_a.pk},
        {"mine": world.mine_b.pk},
        {"kind": record.kind},
        {"step": record.step},
        {"step": Step.ARCHIVE},
        {},
    ):
        page = client.get(reverse("enforcement:inspection_list"), query).content.decode()
        api = client.get("/api/enforcement/inspections/", query).json()["results"]
        wanted = Inspection.objects.restrict(world.users["regulator_x"]).filter(**query)
        assert {r["id"] for r in api} == set(wanted.values_list("pk", flat=True)), query
        for row in wanted:
            assert row.get_absolute_url() in page, query
        assert (record.get_absolute_url() in page) == wanted.filter(pk=record.pk).exists()
    assert client.get("/api/enforcement/inspections/", {"mine": world.mine_c.pk}).status_code == 400


def test_enf4_reasons_stored_with_shorthand_are_shown_cited(world: World) -> None:
    """SOURCES.md: a decision stored before sources were cited officially still reads with the
    official number on the record and the review page."""
    record = Inspection.objects.get(mine=world.mine_b, kind="unannounced")
    decision = record.decision
    decision.proposed = {"reasons": [{"text": "一般事故隐患责令限期整改", "source": "002:27"}]}
    decision.review_status = "pending"
    decision.save()
    client = _client(world, "city")
    for url in (
        record.get_absolute_url(),
        reverse("enforcement:decision_review", args=[decision.pk]),
    ):
        html = client.get(url).content.decode()
        assert "晋安办发〔2024〕34号第27项" in html and "002:27" not in html, url


def test_enf4_officers_page_registers_certificate_numbers(world: World) -> None:
    """ENF-4: a regulator registers an officer's certificate number; a number already held by
    another officer is refused on the field; mine users cannot open the page."""
    officer = world.users["regulator_x"]
    second = partner(officer)
    OfficerCertificate.objects.filter(user=second).delete()
    certify(officer, "ZF-990101-0001")
    client = _client(world, "regulator_x")
    url = reverse("enforcement:officer_list")
    page = client.get(url, {"user": second.pk}).content.decode()
    assert "执法员乙" in page and "未登记" in page
    taken = client.post(url, {"user": second.pk, "number": "ZF-990101-0001"})
    assert taken.status_code == 400 and "该执法证号已登记给其他执法人员" in taken.content.decode()
    done = client.post(
        url, {"user": second.pk, "number": "ZF-990101-0002", "issued_by": "甲县人民政府"}
    )
    assert done.status_code == 302
    assert OfficerCertificate.objects.get(user=second).number == "ZF-990101-0002"
    # Another county's regulator cannot pick county X's officer.
    refused = _client(world, "regulator_y").post(url, {"user": second.pk, "number": "ZF-Y-0003"})
    assert refused.status_code == 400 and OfficerCertificate.objects.get(user=second).number == (
        "ZF-990101-0002"
    )
    assert _client(world, "mine_a").get(url).status_code == 403
