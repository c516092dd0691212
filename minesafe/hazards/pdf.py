"""The hazard notice (隐患整改通知书) as PDF (§8). Chinese renders offline with reportlab's
built-in CID font STSong-Light (Adobe-GB1), so no font file is needed on the server."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from minesafe.hazards.models import Hazard
from minesafe.localtime import local_date

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=14)


def _p(text: object, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape(str(text or "—")).replace("\n", "<br/>"), style)


def notice_pdf(hazard: Hazard) -> bytes:
    """One page: the hazard, the five fixes, the deadline and the signatures."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    found = timezone.localtime(hazard.found_at).strftime("%Y年%m月%d日 %H:%M")
    situation = f"第{hazard.situation.code}：{hazard.situation.text}" if hazard.situation else "—"
    rows = [
        ("隐患编号", hazard.number),
        ("煤矿", hazard.mine.name),
        ("地点", hazard.place),
        ("发现时间", found),
        ("来源", hazard.get_source_display()),
        ("专业", hazard.get_profession_display()),
        ("隐患等级", hazard.get_grade_display()),
        ("判定依据", situation),
        ("隐患描述", hazard.description),
        ("责任单位", hazard.responsible_unit),
        ("责任人", hazard.responsible_person),
        ("整改措施", hazard.measure),
        ("整改资金(万元)", hazard.funds),
        ("整改期限", hazard.deadline),
        ("挂牌督办", f"是，督办期限{hazard.listed_deadline}" if hazard.listed else "否"),
    ]
    table = Table([[_p(k), _p(v)] for k, v in rows], colWidths=[35 * mm, 135 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f3f5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        _p("隐患整改通知书", TITLE),
        Spacer(1, 6 * mm),
        _p(f"{hazard.mine.name}：", BODY),
        _p(
            "经检查，你单位存在下列事故隐患，请按“五落实”要求限期整改，整改完成后报请验收销号。",
            BODY,
        ),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 10 * mm),
        _p(f"检查人（签字）：{hazard.finder}　　签字人：{hazard.signer or '—'}", BODY),
        _p(
            f"被检查单位负责人（签字）：＿＿＿＿＿＿　　日期：{local_date():%Y年%m月%d日}",
            BODY,
        ),
    ]
    doc.build(story)
    return out.getvalue()
