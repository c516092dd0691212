"""Enforcement documents and the monthly analysis as PDF (ENF-4, ENF-9).

Rendered from the records each time they are opened, so a document always shows what the record
says. Chinese works offline with reportlab's built-in CID font ``STSong-Light`` (no font file to
ship; PDF readers carry the Adobe-GB1 collection).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minesafe.citations import cite
from minesafe.enforcement.choices import DocumentKind
from minesafe.enforcement.documents import Content, content
from minesafe.localtime import local_date

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BASE = ParagraphStyle("base", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
STYLES = {
    "body": _BASE,
    "issuer": ParagraphStyle("issuer", parent=_BASE, fontSize=16, leading=24, alignment=TA_CENTER),
    "title": ParagraphStyle("title", parent=_BASE, fontSize=20, leading=30, alignment=TA_CENTER),
    "number": ParagraphStyle("number", parent=_BASE, alignment=TA_RIGHT),
    "right": ParagraphStyle("right", parent=_BASE, alignment=TA_RIGHT),
    "small": ParagraphStyle("small", parent=_BASE, fontSize=9, leading=13),
}


def _p(text: Any, style: str = "body") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), STYLES[style])


def _local(value: Any) -> str:
    if value is None:
        return "____年__月__日"
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M")
    return value.strftime("%Y年%m月%d日")


def _grid(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    table = Table(
        [[_p(c) if not isinstance(c, Paragraph) else c for c in row] for row in rows],
        colWidths=widths,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]
        )
    )
    return table


def _build(story: list[Any], title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author="Minesafe",
    )
    doc.build(story)
    return buffer.getvalue()


def _team(inspection: Any, officers: Sequence[Any]) -> str:
    names = [str(o) for o in officers]
    experts = [f"{e.name}（专家）" for e in inspection.experts.all()]
    return "、".join(names + experts) or "—"


def _findings_text(inspection: Any) -> str:
    lines = []
    for i, f in enumerate(inspection.findings.all(), 1):
        deadline = f"，整改期限{_local(f.rectify_by)}" if f.rectify_by else ""
        place = f"（{f.place}）" if f.place else ""
        lines.append(f"{i}. {f.get_kind_display()}：{f.description}{place}{deadline}")
    return "\n".join(lines) or "未发现问题。"


def _signatures(document: Any, text: Content) -> list[Any]:
    inspection = document.inspection
    signer = str(inspection.signed_by) if inspection.signed_by_id else "（未签名）"
    officers = [_p(f"执法人员（签名）：{o.name}    执法证号：{o.number}") for o in text.officers]
    return [
        Spacer(1, 10 * mm),
        *officers,
        _p(f"检查记录签名：{signer}        签名时间：{_local(inspection.signed_at)}"),
        _p("被检查单位负责人（签收）：______________    签收时间：____年__月__日"),
        Spacer(1, 8 * mm),
        _p(f"{document.organization.name}（印章）", "right"),
        _p(_local(local_date(document.issued_at)), "right"),
        *_chain_lines([f"存证链头：{document.chain_head}"] if document.chain_head else []),
    ]


def _chain_lines(lines: Sequence[str]) -> list[Any]:
    """Chain heads in small print at the foot (checked with ``minesafe verify --against``)."""
    return [Spacer(1, 6 * mm), *(_p(line, "small") for line in lines)] if lines else []


def _header(document: Any) -> list[Any]:
    return [
        _p(document.organization.name, "issuer"),
        _p(document.get_kind_display(), "title"),
        _p(document.number, "number"),
        Spacer(1, 4 * mm),
    ]


def _basis_text(text: Content) -> str:
    lines = [str(a) for a in text.legal_basis]
    if text.extra_basis.strip():
        lines.append(cite(text.extra_basis.strip()))
    return "\n".join(lines) or "—"


def _site_record(document: Any, text: Content) -> list[Any]:
    inspection = document.inspection
    mine = inspection.mine
    checklist = [
        f"{'✓' if c.ok else '✗'} {c.text}{('：' + c.note) if c.note else ''}"
        for c in inspection.checklist.all()
    ]
    quizzes = [
        f"{q.worker_name}（{q.post or '—'}）{q.correct}/{q.asked} "
        f"{'合格' if q.passed else '不合格，责令停止作业，培训合格后上岗'}"
        for q in inspection.quizzes.all()
    ]
    rows = [
        ["被检查单位", text.party],
        ["地址", f"{mine.county.name}"],
        ["检查方式", inspection.get_kind_display()],
        ["检查时间", f"{_local(inspection.started_at)} 至 {_local(inspection.finished_at)}"],
        ["执法人员", _team(inspection, text.officers)],
        ["执法依据", _basis_text(text)],
        ["检查路线", inspection.route or "—"],
        ["检查情况", inspection.summary or "—"],
        ["检查表", "\n".join(checklist) or "—"],
        ["发现问题", _findings_text(inspection)],
        ["逢查必考", "\n".join(quizzes) or "—"],
    ]
    if inspection.remote_examined:
        rows.insert(7, ["远程调阅", inspection.remote_examined])
    return [_grid(rows, [28 * mm, 138 * mm])]


def _decision_document(document: Any, text: Content) -> list[Any]:
    """The decision documents share one layout: party, officers, facts, legal basis, decision,
    time limits, notice of remedies."""
    story = [
        _p(f"{text.party}："),
        _p("执法人员：" + "、".join(str(o) for o in text.officers)),
        _p("经查，你单位存在下列问题：\n" + ("\n".join(text.facts) or "—")),
        _p("以上事实有现场检查记录等证据证实。依据：\n" + _basis_text(text)),
        _p("现作出如下决定：" + ("；".join(text.decision) or "—") + "。"),
    ]
    if text.time_limits:
        story.append(_p("期限：\n" + "\n".join(text.time_limits)))
    story.append(_p("逾期未执行或整改不合格的，依法予以处理。"))
    if text.remedies is not None:
        story.append(_p("权利告知：" + text.remedies.notice()))
    return story


def render_document(document: Any) -> bytes:
    """ENF-4: one enforcement document in its usual layout: issuer, title, number, body
    (officers with certificate numbers, facts, legal basis, decision, time limits, notice of
    remedies), signatures, seal line."""
    text = content(document.inspection, document.kind, local_date(document.issued_at))
    body = _site_record if document.kind == DocumentKind.SITE_RECORD else _decision_document
    story = _header(document) + body(document, text) + _signatures(document, text)
    return _build(story, f"{document.get_kind_display()} {document.number}")


def render_analysis(
    title: str, sections: Sequence[tuple[str, list[list[Any]]]], chain: Sequence[str] = ()
) -> bytes:
    """ENF-9: the monthly enforcement analysis: one table per section, then the month's
    evidence-chain summary (``chain``)."""
    story: list[Any] = [_p(title, "title"), Spacer(1, 6 * mm)]
    for heading, rows in sections:
        story.append(_p(heading, "issuer"))
        if len(rows) > 1:
            width = 166 * mm / max(1, len(rows[0]))
            story.append(_grid(rows, [width] * len(rows[0])))
        else:
            story.append(_p("无"))
        story.append(Spacer(1, 5 * mm))
    return _build(story + _chain_lines(chain), title)
