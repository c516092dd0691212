"""Checklist templates from Excel (HAZ-8): a download template and an all-or-nothing import.

One bad row imports nothing; every problem is reported by row and column through the shared
importer (:mod:`minesafe.core.importer`).
"""

from __future__ import annotations

import io
from functools import partial
from typing import IO, Any

from django.core.exceptions import ValidationError
from openpyxl import Workbook

from minesafe.core import importer
from minesafe.core.excel import append_header, cell_text
from minesafe.core.importer import ImportResult, OnBadRow, RowError, Rows, Sheet
from minesafe.core.imports import Limits
from minesafe.selfinspection.checklists import ItemRow, build_template, default_checklist, rows_of
from minesafe.selfinspection.choices import TemplateKind
from minesafe.selfinspection.models import ChecklistTemplate

SECTION, CODE, TEXT, BASIS = "检查项目", "编号", "检查内容", "检查依据"
HEADERS = [SECTION, CODE, TEXT, BASIS]
REQUIRED = (SECTION, TEXT)
LIMITS = {SECTION: 100, CODE: 20, TEXT: 2000, BASIS: 300}
MAX_ROWS = 2000
NOT_XLSX = "文件不是有效的 Excel (.xlsx) 文件"


#: A checklist is one document: a bad row rejects the whole file, since a template missing an
#: item would be published to every mine as if it were complete.
SHEET = Sheet(
    columns=tuple(HEADERS),
    required=REQUIRED,
    on_bad_row=OnBadRow.REJECT_FILE,
    limits=Limits(max_rows=MAX_ROWS),
    not_readable=NOT_XLSX,
    no_data="没有数据：请从第2行起填写检查内容",
)


def template_workbook(kind: str = TemplateKind.UNDERGROUND) -> bytes:
    """A workbook with the import columns, filled with the shipped checklist as an example."""
    book = Workbook()
    ws = book.active
    ws.title = "检查表"
    append_header(ws, HEADERS)
    for row in rows_of(default_checklist(kind)):
        ws.append([row.section, row.code, row.text, row.basis])
    for letter, width in zip("ABCD", (14, 10, 70, 40), strict=True):
        ws.column_dimensions[letter].width = width
    notes = book.create_sheet("填写说明")
    for line in (
        ["第1行为列名，请勿修改；列顺序可调整。"],
        [f"“{SECTION}”“{TEXT}”必填；“{CODE}”可留空（按检查项目顺序自动编号）。"],
        ["同一检查项目的各行按出现顺序编号；任何一行有错误时整份文件不导入。"],
    ):
        notes.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row_check(rows: Rows) -> importer.RowCheck[ItemRow]:
    """The check of one row; an item code may stand only once in the file."""
    codes: dict[str, int] = {}

    def check(number: int, raw: dict[str, Any]) -> tuple[ItemRow | None, list[RowError]]:
        errors = _row_errors(number, raw, codes)
        if errors:
            return None, errors
        return ItemRow(
            section=cell_text(raw.get(SECTION)),
            text=cell_text(raw.get(TEXT)),
            basis=cell_text(raw.get(BASIS)),
            code=cell_text(raw.get(CODE)),
        ), []

    return check


def _row_errors(number: int, raw: dict[str, Any], codes: dict[str, int]) -> list[RowError]:
    errors = []
    for column in HEADERS:
        value = cell_text(raw.get(column))
        if column in REQUIRED and not value:
            errors.append(RowError(number, column, "必填"))
        elif len(value) > LIMITS[column]:
            errors.append(RowError(number, column, f"不能超过{LIMITS[column]}个字"))
    code = cell_text(raw.get(CODE))
    if code and code in codes:
        errors.append(RowError(number, CODE, f"编号与第{codes[code]}行重复"))
    elif code:
        codes[code] = number
    return errors


def _save(rows: list[ItemRow], *, name: str, kind: str, version: str) -> ImportResult:
    if kind not in TemplateKind.values:
        return ImportResult.failed("适用煤矿类型无效")
    if ChecklistTemplate.objects.filter(name=name, version=version).exists():
        return ImportResult.failed("同名同版本的检查表已存在")
    try:
        template = build_template(name=name, kind=kind, version=version, rows=rows)
    except ValidationError as exc:  # pragma: no cover - rows are validated above
        return ImportResult.failed("；".join(exc.messages))
    detail = {"template": template.pk, "items": len(rows)}
    return ImportResult(created=len(rows), detail=detail)


def import_checklist(
    fileobj: IO[bytes] | bytes, *, name: str, kind: str, version: str
) -> ImportResult:
    """Build a template from an upload; with any error, nothing is saved."""
    save = partial(_save, name=name, kind=kind, version=version)
    return importer.run(SHEET, fileobj, check=_row_check, save=save)
