"""What enforcement documents state (ENF-4): two officers with certificate numbers, the facts,
the legal basis as law articles, the decision, the time limits and the notice of reconsideration
and lawsuit with bodies and deadlines; fewer than two certified officers is refused; the decision
form asks for a missing fact as a field."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.core.exceptions import ValidationError

from minesafe.enforcement import documents, services
from minesafe.enforcement.choices import Consequence, DocumentKind, FindingKind
from minesafe.enforcement.forms import DecideForm
from minesafe.enforcement.models import Document, Inspection, OfficerCertificate
from minesafe.enforcement.pdf import render_document
from minesafe.enforcement.tests.conftest import NOW
from minesafe.localtime import local_date
from minesafe.testing import World

ID = "140101198001010011"
SHORTHAND = re.compile(r"\b\d{3}:\d+")


def _pdf(document: Document) -> str:
    pages = pypdf.PdfReader(io.BytesIO(render_document(document))).pages
    return "".join(page.extract_text() for page in pages).replace("\n", "").replace(" ", "")


def _decided(inspection: Inspection, officer: Any, kind: str, major: bool) -> Inspection:
    services.add_finding(
        inspection,
        officer,
        local_date(NOW),
        kind=kind,
        major=major,
        description="上隅角甲烷传感器被挪移",
        place="1201综采工作面",
    )
    services.sign(inspection, officer, NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=1))
    consequences = services.propose(inspection, local_date(NOW)).consequences
    decision = services.decide(
        inspection,
        consequences=consequences,
        user=officer,
        now=NOW + dt.timedelta(hours=2),
        fine=Decimal("500000") if Consequence.PENALTY in consequences else None,
        manager_name="王矿长",
        manager_id_number=ID,
    )
    if not decision.issuable:
        decision.review_status = "approved"
        decision.save()
    return inspection


def test_enf4_a_document_needs_two_officers_with_certificate_numbers(
    world: World, onsite: Inspection, officer: Any
) -> None:
    services.sign(onsite, officer, NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=1))
    partner = onsite.members.get()
    OfficerCertificate.objects.filter(user=partner).delete()
    with pytest.raises(ValidationError) as err:
        documents.issue_document(onsite, DocumentKind.SITE_RECORD, officer, NOW)
    message = err.value.message_dict["officers"][0]
    assert "至少2名持有行政执法证" in message and "执法员乙" in message
    assert not Document.objects.filter(inspection=onsite).exists()
    onsite.members.clear()
    with pytest.raises(ValidationError):
        documents.issue_document(onsite, DocumentKind.SITE_RECORD, officer, NOW)
    OfficerCertificate.objects.create(user=partner, number="ZF-140500-0002")
    onsite.members.add(partner)
    document = documents.issue_document(onsite, DocumentKind.SITE_RECORD, officer, NOW)
    text = _pdf(document)
    assert "ZF-140500-0002" in text and "《中华人民共和国安全生产法》第六十五条" in text


@pytest.mark.parametrize("doc_kind", [DocumentKind.SUSPENSION_ORDER, DocumentKind.PENALTY_DECISION])
def test_enf4_decision_documents_carry_officers_basis_decision_limits_and_remedies(
    world: World, onsite: Inspection, officer: Any, doc_kind: str
) -> None:
    inspection = _decided(onsite, officer, FindingKind.SENSOR_TAMPERING, major=True)
    document = documents.issue_document(inspection, doc_kind, officer, NOW + dt.timedelta(hours=3))
    text = _pdf(document)
    numbers = OfficerCertificate.objects.filter(
        user__in=[inspection.leader, *inspection.members.all()]
    ).values_list("number", flat=True)
    assert len(numbers) == 2 and all(f"执法证号：{n}" in text for n in numbers)
    assert "上隅角甲烷传感器被挪移" in text  # the facts
    assert "《煤矿重大事故隐患判定标准》第七条第（二）项" in text  # what defines the violation
    if doc_kind == DocumentKind.SUSPENSION_ORDER:
        assert "《中华人民共和国安全生产法》第七十条" in text and "责令停产整顿" in text
        assert "立即停产整顿" in text
    else:
        assert "《煤矿安全生产条例》第六十四条" in text and "罚款人民币500,000.00元" in text
        assert "十五日内缴纳" in text
    assert "整改完毕" in text  # the time limit of the finding
    assert "60日内向甲县人民政府申请行政复议" in text
    assert "6个月内依法向甲县人民法院提起行政诉讼" in text
    assert not SHORTHAND.search(text) and "晋安办发" not in text


def test_enf4_document_preview_shows_what_will_be_issued(
    world: World, onsite: Inspection, officer: Any
) -> None:
    inspection = _decided(onsite, officer, FindingKind.GENERAL_HAZARD, major=False)
    text = documents.content(inspection, DocumentKind.RECTIFICATION_ORDER, local_date(NOW))
    assert len(text.officers) == 2 and all(o.number for o in text.officers)
    assert text.remedies is not None and text.remedies.reconsideration_body == "甲县人民政府"
    first = text.legal_basis[0].citation
    assert first == "《中华人民共和国安全生产法》第四十一条第二款"
    assert text.time_limits and text.decision == ["责令限期整改"]
    site = documents.content(inspection, DocumentKind.SITE_RECORD, local_date(NOW))
    assert site.remedies is None


def test_per9_decision_form_asks_for_the_missing_manager_identity_as_a_field() -> None:
    form = DecideForm({"consequences": ["rectify"]}, points=1)
    assert not form.is_valid()
    assert "manager_id_number" in form.errors
    message = form.errors["manager_id_number"][0]
    assert "记1分" in message and "身份证号" in message
    assert DecideForm({"consequences": ["rectify"]}, points=0).is_valid()
