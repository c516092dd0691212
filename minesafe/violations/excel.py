"""三违 records as Excel, in the ledger layout a county files (VIO-1)."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from minesafe.core.excel import append_header
from minesafe.violations.models import Violation

MONEY_FORMAT = "#,##0.00"  # yuan with thousands separators
COLUMNS = [
    ("序号", 6),
    ("煤矿", 22),
    ("违章人员", 10),
    ("工种/职务", 10),
    ("区队/班组", 14),
    ("地点", 16),
    ("三违类型", 12),
    ("性质", 10),
    ("发现方式", 12),
    ("发现时间", 17),
    ("查处人", 10),
    ("违章行为描述", 40),
    ("处理方式", 12),
    ("罚款金额(元)", 12),
    ("处理说明", 24),
]


def _row(number: int, v: Violation) -> list[object]:
    return [
        number,
        v.mine.name,
        v.person_name,
        v.person_job,
        v.team,
        v.place,
        v.get_kind_display(),
        v.get_severity_display(),
        v.get_source_display(),
        timezone.localtime(v.found_at).strftime("%Y-%m-%d %H:%M"),
        v.found_by,
        v.description,
        v.get_penalty_display(),
        float(v.fine),
        v.penalty_note,
    ]


def export_violations(queryset: QuerySet[Violation]) -> bytes:
    """One sheet "三违台账" with a header row and one row per record."""
    book = Workbook()
    ws = book.active
    ws.title = "三违台账"
    append_header(ws, [name for name, _ in COLUMNS])
    for index, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = width
    money = [name for name, _ in COLUMNS].index("罚款金额(元)") + 1
    for number, violation in enumerate(queryset.select_related("mine").iterator(), start=1):
        ws.append(_row(number, violation))
        ws.cell(ws.max_row, money).number_format = MONEY_FORMAT
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
