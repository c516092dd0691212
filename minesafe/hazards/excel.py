"""The hazard ledger as Excel in the usual layout (隐患排查治理台账, HAZ-1, §8): a title row,
one row per hazard with its five fixes, rectification and close-out."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from minesafe.hazards.models import Hazard
from minesafe.localtime import local_date

COLUMNS = [
    ("序号", 6),
    ("隐患编号", 18),
    ("煤矿", 20),
    ("排查时间", 17),
    ("地点", 18),
    ("专业", 10),
    ("隐患描述", 40),
    ("等级", 12),
    ("重大隐患判定依据", 24),
    ("来源", 12),
    ("排查人", 10),
    ("签字人", 10),
    ("责任单位", 14),
    ("责任人", 10),
    ("整改措施", 30),
    ("整改资金(万元)", 12),
    ("整改期限", 12),
    ("状态", 12),
    ("整改情况", 24),
    ("验收人", 10),
    ("销号时间", 17),
    ("挂牌督办", 10),
    ("逾期", 8),
]


def _text(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _row(index: int, h: Hazard, today: object) -> list[object]:
    local = timezone.localtime
    return [
        index,
        h.number,
        h.mine.name,
        local(h.found_at).strftime("%Y-%m-%d %H:%M"),
        h.place,
        h.get_profession_display(),
        h.description,
        h.get_grade_display(),
        f"第{h.situation.code} {h.situation.text}" if h.situation_id else "",
        h.get_source_display(),
        h.finder,
        h.signer,
        h.responsible_unit,
        h.responsible_person,
        h.measure,
        float(h.funds) if h.funds is not None else None,
        h.deadline.isoformat() if h.deadline else "",
        h.get_status_display(),
        h.evidence,
        h.verified_by,
        local(h.closed_at).strftime("%Y-%m-%d %H:%M") if h.closed_at else "",
        "是" if h.listed else "",
        "是" if h.is_overdue(today) else "",  # type: ignore[arg-type]
    ]


def export_hazards(hazards: Iterable[Hazard], title: str) -> bytes:
    """The ledger workbook; ``hazards`` is already scoped and filtered by the caller."""
    today = local_date()
    book = Workbook()
    ws = book.active
    ws.title = "隐患排查治理台账"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"])
    ws.append([name for name, _ in COLUMNS])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for index, hazard in enumerate(hazards, 1):
        ws.append([_text(v) for v in _row(index, hazard, today)])
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
