"""Checklist templates from Excel (HAZ-8): a download template and an all-or-nothing import.

One bad row imports nothing; every problem is reported by row and column, like the register's
import (:mod:`minesafe.registry.excel`, whose ``RowError`` this module shares).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from openpyxl import Workbook

from minesafe.core.excel import append_header, cell_text, header_and_rows
from minesafe.core.imports import Limits, NotReadable, read_table
from minesafe.registry.excel import RowError
from minesafe.selfinspection.checklists import ItemRow, build_template, default_checklist, rows_of
from minesafe.selfinspection.choices import TemplateKind
from minesafe.selfinspection.models import ChecklistItem, ChecklistTemplate

SECTION, CODE, TEXT, BASIS = "检查项目", "编号", "检查内容", "检查依据"
HEADERS = [SECTION, CODE, TEXT, BASIS]
REQUIRED = (SECTION, TEXT)
LIMITS = {SECTION: 100, CODE: 20, TEXT: 2000, BASIS: 300}
MAX_ROWS = 2000
NOT_XLSX = "文件不是有效的 Excel (.xlsx) 文件"


@dataclass
class ChecklistImport:
    """The outcome: the template made, or the errors (then nothing was saved)."""

    template: ChecklistTemplate | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "template": self.template.pk if self.template else None,
            "items": ChecklistItem.objects.filter(section__template=self.template).count()
            if self.template
            else 0,
            "errors": [e.as_dict() for e in self.errors],
        }


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


def _read(fileobj: IO[bytes] | bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    try:
        table = read_table("", fileobj, Limits(max_rows=MAX_ROWS))
    except NotReadable as exc:
        raise ValueError(NOT_XLSX) from exc
    return header_and_rows(table)


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


def parse_rows(fileobj: IO[bytes] | bytes) -> tuple[list[ItemRow], list[RowError]]:
    """The checklist rows of an upload, or every problem found in it."""
    try:
        header, rows = _read(fileobj)
    except ValueError as exc:
        return [], [RowError(0, "", str(exc))]
    missing = [RowError(1, h, "缺少此列") for h in REQUIRED if h not in header]
    unknown = [RowError(1, h, "无法识别的列名，请使用导入模板") for h in header if h not in HEADERS]
    if missing or unknown:
        return [], missing + unknown
    if not rows:
        return [], [RowError(0, "", "没有数据：请从第2行起填写检查内容")]
    errors: list[RowError] = []
    codes: dict[str, int] = {}
    items = []
    for number, raw in rows:
        problems = _row_errors(number, raw, codes)
        errors += problems
        if not problems:
            items.append(
                ItemRow(
                    section=cell_text(raw.get(SECTION)),
                    text=cell_text(raw.get(TEXT)),
                    basis=cell_text(raw.get(BASIS)),
                    code=cell_text(raw.get(CODE)),
                )
            )
    return items, errors


def import_checklist(
    fileobj: IO[bytes] | bytes, *, name: str, kind: str, version: str
) -> ChecklistImport:
    """Build a template from an upload; with any error, nothing is saved."""
    rows, errors = parse_rows(fileobj)
    if errors:
        return ChecklistImport(errors=errors)
    if kind not in TemplateKind.values:
        return ChecklistImport(errors=[RowError(0, "", "适用煤矿类型无效")])
    if ChecklistTemplate.objects.filter(name=name, version=version).exists():
        return ChecklistImport(errors=[RowError(0, "", "同名同版本的检查表已存在")])
    try:
        template = build_template(name=name, kind=kind, version=version, rows=rows)
    except ValidationError as exc:  # pragma: no cover - rows are validated above
        return ChecklistImport(errors=[RowError(0, "", "；".join(exc.messages))])
    return ChecklistImport(template=template)
