"""Enforcement documents (ENF-4): numbered per issuing body, kind and year, issued only for a
signed record and, for a decision's documents, once the decision may be issued."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from minesafe.core import sealing
from minesafe.enforcement import rules
from minesafe.enforcement.choices import (
    DOCUMENT_MARKS,
    PUBLIC_DOCUMENTS,
    Consequence,
    DocumentKind,
)
from minesafe.enforcement.models import Document, DocumentCounter, Inspection
from minesafe.enforcement.services import decision_of
from minesafe.localtime import local_date

BODY_KIND_MARKS = {
    "emergency": "应急煤",
    "coal_safety": "煤安",
    "energy": "能源煤",
    "inspectorate": "煤监",
    "government": "政煤",
}


def number_prefix(organization: Any) -> str:
    """The issuing body's mark: first character of its division and its kind (青应急煤…)."""
    return f"{organization.division.name[:1]}{BODY_KIND_MARKS.get(organization.kind, '煤')}"


def _next_serial(organization: Any, kind: str, year: int) -> int:
    """Concurrency-safe: the counter row is locked (PostgreSQL) and the document number is
    unique, so two inspectors issuing at once never share a number."""
    DocumentCounter.objects.get_or_create(organization=organization, kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(
        organization=organization, kind=kind, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


DECISION_DOCUMENTS = {
    DocumentKind.ONSITE_DECISION,
    DocumentKind.PENALTY_DECISION,
    DocumentKind.SUSPENSION_ORDER,
}


def _check_issuable(inspection: Inspection, kind: str) -> None:
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "未知的文书类型"})
    if not inspection.signed:
        raise ValidationError({"inspection": "检查记录未经执法人员签名，不能制发文书"})
    decision = decision_of(inspection)
    if kind == DocumentKind.RECTIFICATION_ORDER and not inspection.findings.exists():
        raise ValidationError({"kind": "没有发现问题，无需责令整改"})
    if kind in DECISION_DOCUMENTS:
        if decision is None:
            raise ValidationError({"kind": "请先作出处理决定"})
        if not decision.issuable:
            raise ValidationError({"kind": "重大执法决定须经法制审核通过后方可制发"})
        needed = {
            DocumentKind.PENALTY_DECISION: {Consequence.PENALTY, Consequence.HEAVIER_PENALTY},
            DocumentKind.SUSPENSION_ORDER: {Consequence.SUSPENSION},
        }.get(kind)
        if needed and not needed & set(decision.consequences):
            raise ValidationError({"kind": "处理决定中没有相应措施"})


def issue_document(inspection: Inspection, kind: str, user: Any, now: dt.datetime) -> Document:
    """ENF-4: issue a numbered document for a signed record (retrying a number clash)."""
    _check_issuable(inspection, kind)
    existing = Document.objects.filter(inspection=inspection, kind=kind).first()
    if existing is not None:
        return existing
    year = local_date(now).year
    organization = inspection.organization
    for _ in range(5):
        try:
            with transaction.atomic():
                serial = _next_serial(organization, kind, year)
                return Document.objects.create(
                    inspection=inspection,
                    organization=organization,
                    kind=kind,
                    year=year,
                    serial=serial,
                    number=rules.document_number(
                        number_prefix(organization), DOCUMENT_MARKS[kind], year, serial
                    ),
                    issued_at=now,
                    issued_by=user,
                    public=kind in PUBLIC_DOCUMENTS,
                    chain_head=sealing.mine_head(inspection.mine_id),
                )
        except IntegrityError:
            continue
    raise ValidationError({"kind": "文书编号冲突，请重试"})
