"""Excel export, template and import of the mine register, 一矿一册 (REG-1).

Counties keep their registers in spreadsheets; this module lets them move the register in and
out without retyping it. One declarative :data:`COLUMNS` list drives the export, the template
and the import, so the three can never disagree about a header or an allowed value.

The import (:mod:`minesafe.registry.excel_import`) reads the same columns.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from unicodedata import east_asian_width

from django.db import models
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from minesafe.localtime import local_date
from minesafe.registry import rules
from minesafe.registry.choices import (
    GasGrade,
    HydroType,
    LicenceWarning,
    MineStatus,
    MiningMethod,
    SmartMining,
    SpontaneousCombustion,
    StandardizationGrade,
)
from minesafe.registry.models import Mine

SHEET = "煤矿名录"
GUIDE_SHEET = "填写说明"
IMPORT_REASON = "Excel导入"
MAX_ROWS = 10_000
YES, NO = "是", "否"
NOT_XLSX = "无法读取文件：请上传 .xlsx 格式的Excel文件（.xls、.csv 请先另存为 .xlsx）"

# Column kinds: how a cell is parsed on import and written on export.
CODE, TEXT, ENTERPRISE, COUNTY, ORGANIZATION = "code", "text", "enterprise", "county", "org"
DECIMAL, INTEGER, CHOICE, BOOL = "decimal", "integer", "choice", "bool"
BOOL_CHOICES = (("true", YES), ("false", NO))


@dataclass(frozen=True)
class Column:
    """One register column: Chinese header, ``Mine`` field, kind, and the template's example."""

    header: str
    field: str
    kind: str
    example: Any
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    low: int | None = None
    high: int | None = None
    places: int | None = None  # coordinates are rounded: more digits are GPS noise

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.choices]

    @property
    def width(self) -> int:
        """Wide enough for the header or the example; CJK characters count double."""
        texts = (self.header, str(self.example))
        return max(sum(1 + (east_asian_width(ch) in "WF") for ch in t) for t in texts) + 4


def _choice(header: str, name: str, enum: Any, example: str, required: bool = False) -> Column:
    return Column(header, name, CHOICE, example, required, choices=tuple(enum.choices))


def _bool(header: str, name: str, example: str) -> Column:
    return Column(header, name, BOOL, example, choices=BOOL_CHOICES)


COLUMNS: tuple[Column, ...] = (
    Column("煤矿编码", "code", CODE, "140525000001", True),
    Column("煤矿名称", "name", TEXT, "示例煤矿（导入前请删除本行）", True),
    Column("主体企业统一社会信用代码", "enterprise", ENTERPRISE, "91140500MA0EXAMPLE", True),
    Column("所在县区代码", "county", COUNTY, "140525", True),
    Column("日常监管部门", "supervisor", ORGANIZATION, "泽州县应急管理局", True),
    Column("经度", "longitude", DECIMAL, 112.851234, low=-180, high=180, places=6),
    Column("纬度", "latitude", DECIMAL, 35.617321, low=-90, high=90, places=6),
    _choice("开采方式", "mining_method", MiningMethod, "井工"),
    _choice("生产状态", "status", MineStatus, "正常生产"),
    Column("核定产能(万吨/年)", "capacity", DECIMAL, 120, True, low=0),
    Column("开采深度(米)", "depth", INTEGER, 450, low=0),
    _choice("瓦斯等级", "gas_grade", GasGrade, "高瓦斯", required=True),
    _bool("冲击地压", "rock_burst", NO),
    _choice("水文地质类型", "hydro_type", HydroType, "中等", required=True),
    _choice("自燃倾向性", "spontaneous_combustion", SpontaneousCombustion, "自燃"),
    _bool("煤尘爆炸性", "coal_dust_explosive", YES),
    _choice("安全生产标准化等级", "standardization_grade", StandardizationGrade, "二级"),
    _choice("智能化建设", "smart_mining", SmartMining, "建设中"),
)
#: Computed on export (REG-3, REG-4). The import accepts and ignores them, so an exported
#: file can be edited and imported back as it is.
COMPUTED_HEADERS: tuple[str, ...] = ("监管类别", "证照预警")
HEADERS: list[str] = [c.header for c in COLUMNS] + list(COMPUTED_HEADERS)
_BY_HEADER = {c.header: c for c in COLUMNS}


# ---------------------------------------------------------------------------------- export

_RELATED_KEY = {ENTERPRISE: "credit_code", COUNTY: "code", ORGANIZATION: "name"}


def _export_value(column: Column, mine: Mine) -> Any:
    """The cell as the import reads it back: labels for choices, natural keys for relations."""
    value = getattr(mine, column.field)
    if value is None or column.kind in (CODE, TEXT, DECIMAL, INTEGER):
        return value
    if column.kind in _RELATED_KEY:
        return getattr(value, _RELATED_KEY[column.kind])
    key = ("true" if value else "false") if column.kind == BOOL else value
    return dict(column.choices).get(key, value)


def licence_summary(mine: Mine, today: dt.date) -> str:
    """REG-3: the worst warning among the *current* licence of each kind.

    A renewed licence supersedes the expired one of its kind, so only the latest
    ``valid_until`` per kind counts. Reads ``mine.licences.all()``, i.e. the prefetch.
    """
    current: dict[str, dt.date] = {}
    for licence in mine.licences.all():
        current[licence.kind] = max(licence.valid_until, current.get(licence.kind, dt.date.min))
    if not current:
        return "无证照"
    severity = list(LicenceWarning.values)  # ok < 90 < 30 < expired
    worst = max((rules.licence_warning(d, today) for d in current.values()), key=severity.index)
    return str(LicenceWarning(worst).label)


def _text_cell(ws: Any, value: Any) -> Any:
    """Text exactly as stored: no control characters, and never a formula ("=HYPERLINK(…)")."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _style_header(ws: Any, cells: Iterable[Any]) -> None:
    """Bold frozen header; required columns red, computed ones (ignored on import) grey."""
    ws.freeze_panes = "A2"
    for index, cell in enumerate(cells, start=1):
        column = _BY_HEADER.get(cell.value)
        cell.font = Font(bold=True, color="C00000" if column and column.required else None)
        if column is None:
            cell.fill = PatternFill("solid", fgColor="D9D9D9")
        ws.column_dimensions[get_column_letter(index)].width = column.width if column else 12


def export_mines(queryset: models.QuerySet[Mine]) -> bytes:
    """The register as .xlsx, one row per mine, plus the computed class and licence warning.

    Two queries whatever the size (mines with their relations, then their licences), written
    through a write-only workbook so 5,000 mines take seconds and little memory.
    """
    today = local_date()
    mines = queryset.select_related("enterprise", "county", "supervisor")
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET)
    header = [WriteOnlyCell(ws, value=h) for h in HEADERS]
    _style_header(ws, header)
    ws.append(header)
    for mine in mines.prefetch_related("licences").iterator(chunk_size=1000):
        row = [_text_cell(ws, _export_value(c, mine)) for c in COLUMNS]
        ws.append([*row, mine.get_supervision_class_display(), licence_summary(mine, today)])
    return _to_bytes(workbook)


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -------------------------------------------------------------------------------- template


def range_text(column: Column) -> str:
    if column.high is None:
        return f"不小于{column.low}"
    return f"在{column.low}～{column.high}之间"


_KIND_TEXT = {
    CODE: "6～20位数字或大写字母；编码已存在则更新该煤矿",
    TEXT: "文本",
    ENTERPRISE: "已登记企业的18位统一社会信用代码",
    COUNTY: "您管辖范围内的县级行政区划代码",
    ORGANIZATION: "已登记的监管部门全称",
    DECIMAL: "数字",
    INTEGER: "整数",
}


def _allowed_text(column: Column) -> str:
    """What 填写说明 says a column accepts, with the default a blank cell gets."""
    allowed = "、".join(column.labels) or _KIND_TEXT[column.kind]
    if column.low is not None:
        allowed += f"，{range_text(column)}"
    default = Mine._meta.get_field(column.field).default
    if column.required or default is models.NOT_PROVIDED:
        return allowed
    shown = _export_value(column, Mine(**{column.field: default}))
    return f"{allowed}（新增时留空默认为：{shown}）"


GUIDE_NOTES = (
    "第2行为示例，导入前请删除。",
    "按“煤矿编码”匹配：编码已存在的煤矿将被更新，不存在的将新增；只能导入您管辖范围内的煤矿。",
    "选填项留空：新增煤矿取默认值，已有煤矿保持原值不变。选项列也可填写代码值。",
    "已有煤矿的生产状态须通过“状态变更”登记原因（REG-7），不能通过导入修改。",
    "“监管类别”“证照预警”由系统计算，导入时忽略。",
    f"任一行有错误则全部不导入；每次最多{MAX_ROWS}行。",
)


def template_workbook() -> bytes:
    """The export's header with one example row, drop-downs, and a 填写说明 sheet."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET
    ws.append(HEADERS)
    _style_header(ws, ws[1])
    ws.append([c.example for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        if column.labels:
            letter = get_column_letter(index)
            listed = DataValidation(
                "list", formula1=f'"{",".join(column.labels)}"', allow_blank=True
            )
            listed.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            ws.add_data_validation(listed)
    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append(["列名", "是否必填", "可填写的值"])
    for column in COLUMNS:
        guide.append([column.header, "必填" if column.required else "选填", _allowed_text(column)])
    for header in COMPUTED_HEADERS:
        guide.append([header, "只读", "系统计算，导入时忽略"])
    for note in ("", *GUIDE_NOTES):
        guide.append([note])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 26), ("B", 10), ("C", 90)):
        guide.column_dimensions[letter].width = width
    return _to_bytes(workbook)
