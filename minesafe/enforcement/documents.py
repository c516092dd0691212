"""Enforcement documents (ENF-4): numbered per issuing body, kind and year, issued only for a
signed record and, for a decision's documents, once the decision may be issued."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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
from minesafe.enforcement.models import Document, DocumentCounter, Inspection, OfficerCertificate
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


@dataclass(frozen=True)
class Officer:
    """An enforcement officer as a document names them: name and certificate number."""

    name: str
    number: str

    def __str__(self) -> str:
        return f"{self.name}（执法证号：{self.number}）"


def team_officers(inspection: Inspection) -> list[tuple[Any, str]]:
    """The record's officers (the leader first, then the members) with their certificate
    numbers ("" for an officer without one)."""
    people = [inspection.leader] if inspection.leader_id else []
    people += [m for m in inspection.members.order_by("pk") if m.pk != inspection.leader_id]
    numbers = dict(
        OfficerCertificate.objects.filter(user__in=people).values_list("user_id", "number")
    )
    return [(person, numbers.get(person.pk, "")) for person in people]


def certified_officers(inspection: Inspection) -> list[Officer]:
    """ENF-4: the record's officers who hold an enforcement certificate."""
    return [
        Officer(person.get_full_name() or person.username, number)
        for person, number in team_officers(inspection)
        if number
    ]


def check_officers(inspection: Inspection, on: dt.date | None = None) -> list[Officer]:
    """ENF-4: a document is made by at least two officers holding certificates (行政处罚法第四十二
    条); fewer is refused on ``officers`` with what is missing, in words the inspector can act
    on."""
    needed, basis = rules.officers_needed(on)
    certified = certified_officers(inspection)
    if len(certified) < needed:
        team = team_officers(inspection)
        missing = [p.get_full_name() or p.username for p, number in team if not number]
        detail = f"未登记执法证号：{'、'.join(missing)}；" if missing else ""
        raise ValidationError(
            {
                "officers": (
                    f"执法文书须由至少{needed}名持有行政执法证的执法人员制作（{basis}），"
                    f"本次检查只有{len(certified)}名。{detail}"
                    "请在检查记录中补充检查人员，或为执法人员登记执法证号后再制发。"
                )
            }
        )
    return certified


def check_issuable(inspection: Inspection, kind: str) -> None:
    """ENF-4: refuse a document the record cannot carry yet (field named)."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "未知的文书类型"})
    if not inspection.signed:
        raise ValidationError({"inspection": "检查记录未经执法人员签名，不能制发文书"})
    check_officers(inspection)
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
    check_issuable(inspection, kind)
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


# --- what a document says (ENF-4) ---------------------------------------------------------------

#: Documents that decide something and so carry the notice of remedies.
APPEALABLE = DECISION_DOCUMENTS | {DocumentKind.RECTIFICATION_ORDER}


@dataclass
class Content:
    """Everything an enforcement document states, from the records: officers with certificate
    numbers, the facts, the legal basis (law articles), the decision, the time limits, and the
    notice of reconsideration and lawsuit with bodies and deadlines. The PDF and the
    confirmation page before issuing both show it."""

    kind: str
    title: str
    issuer: str
    party: str
    officers: list[Officer]
    facts: list[str]
    legal_basis: list[rules.Article]
    decision: list[str]
    time_limits: list[str]
    remedies: rules.Remedies | None
    policy: list[str] = field(default_factory=list)
    extra_basis: str = ""


def _body(organization: Any) -> rules.Body:
    parent = organization.parent if getattr(organization, "parent_id", None) else None
    division = organization.division
    up = division.parent if getattr(division, "parent_id", None) else None
    return rules.Body(
        kind=organization.kind,
        division=division.name,
        level=division.level,
        superior=parent.name if parent else "",
        superior_division=up.name if up else "",
    )


def _day(value: Any) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


def facts_of(inspection: Inspection) -> list[str]:
    lines = []
    for i, f in enumerate(inspection.findings.all(), 1):
        place = f"（{f.place}）" if f.place else ""
        nature = "重大事故隐患" if f.major else f.get_kind_display()
        lines.append(f"{i}. {f.description}{place}，属{nature}")
    return lines


def _extra_basis(decision: Any, basis: list[rules.Article]) -> str:
    """What the inspector wrote as legal basis beyond the articles the document lists."""
    if decision is None:
        return ""
    listed = {a.citation for a in basis}
    parts = [p.strip() for p in decision.legal_basis.replace(";", "；").split("；")]
    return "；".join(p for p in parts if p and p not in listed)


def content(inspection: Inspection, kind: str, on: dt.date | None = None) -> Content:
    """ENF-4: what a document of ``kind`` for ``inspection`` states (rendered by ``pdf``)."""
    from minesafe.citations import cite

    organization = inspection.organization
    decision = decision_of(inspection)
    findings = list(inspection.findings.all())
    consequences = list(decision.consequences) if decision else []
    penalised = bool({Consequence.PENALTY, Consequence.HEAVIER_PENALTY} & set(consequences))
    if kind == DocumentKind.SITE_RECORD:
        basis = rules.inspection_power(organization.kind, on)
        measures: list[str] = []
    elif kind == DocumentKind.RECTIFICATION_ORDER:
        basis = rules.legal_basis(
            [Consequence.RECTIFY], [f.kind for f in findings], penalised=False, on=on
        )
        measures = [Consequence.RECTIFY.label]
    else:
        wanted = consequences
        if kind == DocumentKind.SUSPENSION_ORDER:
            wanted = [c for c in consequences if c == Consequence.SUSPENSION]
        if kind == DocumentKind.PENALTY_DECISION:
            wanted = [
                c for c in consequences if c in (Consequence.PENALTY, Consequence.HEAVIER_PENALTY)
            ]
        basis = rules.legal_basis(
            wanted,
            [f.kind for f in findings],
            penalised=penalised and kind != DocumentKind.SUSPENSION_ORDER,
            on=on,
        )
        measures = [Consequence(c).label for c in wanted if c in Consequence.values]
        if decision and decision.fine and kind != DocumentKind.SUSPENSION_ORDER:
            measures.append(f"罚款人民币{decision.fine:,.2f}元")
    limits = [
        f"第{i}项问题于{_day(f.rectify_by)}前整改完毕"
        for i, f in enumerate(findings, 1)
        if f.rectify_by and kind != DocumentKind.SITE_RECORD
    ]
    if kind == DocumentKind.SUSPENSION_ORDER:
        limits.insert(0, "自收到本指令书之日起立即停产整顿，整顿完毕经验收合格后方可恢复生产")
    if kind == DocumentKind.PENALTY_DECISION and decision and decision.fine:
        limits.append("罚款自收到本决定书之日起十五日内缴纳")
    policy = []
    if decision and kind != DocumentKind.SITE_RECORD:
        policy = [
            cite(f"{r['text']}（{r['source']}）") for r in decision.proposed.get("reasons", [])
        ]
    mine = inspection.mine
    return Content(
        kind=kind,
        title=DocumentKind(kind).label,
        issuer=organization.name,
        party=f"{mine.name}（{mine.enterprise.name}）",
        officers=certified_officers(inspection),
        facts=facts_of(inspection),
        legal_basis=basis,
        decision=measures,
        time_limits=limits,
        remedies=rules.remedies(_body(organization), on) if kind in APPEALABLE else None,
        policy=policy,
        extra_basis=_extra_basis(decision, basis) if kind != DocumentKind.SITE_RECORD else "",
    )
