"""A mine's video channel register from Excel or CSV (MON-7): template, all-or-nothing import.

Mines keep the list of their cameras in the spreadsheet their video-system vendor delivered.
Every cell is checked first; one bad row imports nothing, and every problem is reported by row
and column through the shared importer (:mod:`minesafe.core.importer`). Rows are matched to
existing channels by code, so a re-import updates them.
"""

from __future__ import annotations

import io
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook

from minesafe.core import importer
from minesafe.core.context import audit_reason
from minesafe.core.excel import append_header, cell_text
from minesafe.core.importer import ImportResult, OnBadRow, RowError, Rows, Sheet
from minesafe.core.imports import Limits
from minesafe.registry.models import Mine, WorkingFace
from minesafe.video.choices import FACE_KINDS, PlaceKind
from minesafe.video.models import VideoChannel

CODE, NAME, KIND, FACE, EQUIPMENT, RETENTION = (
    "通道编码",
    "通道名称",
    "监控场所类型",
    "工作面",
    "设备/场所名称",
    "录像保存天数",
)
HEADERS = [CODE, NAME, KIND, FACE, EQUIPMENT, RETENTION]
REQUIRED = (CODE, NAME, KIND, RETENTION)
LIMITS = {CODE: 40, NAME: 100, KIND: 30, FACE: 100, EQUIPMENT: 100, RETENTION: 10}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
NOT_READABLE = "无法读取文件：请上传 .xlsx 或 .csv 文件（CSV 为 UTF-8 或 GBK 编码）"
FIELD_HEADERS = {
    "code": CODE,
    "name": NAME,
    "place_kind": KIND,
    "working_face": FACE,
    "equipment": EQUIPMENT,
    "retention_days": RETENTION,
}
KIND_BY_LABEL = {label: value for value, label in PlaceKind.choices}


#: A channel register is the mine's list of record: a bad row rejects the whole file, so the
#: coverage check never runs on a register that is half old and half new.
SHEET = Sheet(
    columns=tuple(HEADERS),
    required=REQUIRED,
    on_bad_row=OnBadRow.REJECT_FILE,
    limits=Limits(max_rows=MAX_ROWS, max_bytes=MAX_BYTES),
    not_readable=NOT_READABLE,
    no_data="没有数据：请从第2行起填写通道",
    allow_csv=True,
)


def template_workbook() -> bytes:
    """The import columns with two example rows and a sheet explaining the allowed values."""
    book = Workbook()
    ws = book.active
    ws.title = "视频通道"
    append_header(ws, HEADERS)
    ws.append(["CH-001", "1201综采工作面机头", "采煤工作面", "1201", "", 30])
    ws.append(["CH-101", "1号主要通风机房", "主要通风机", "", "1号主要通风机", 30])
    for letter, width in zip("ABCDEF", (14, 26, 18, 16, 20, 14), strict=True):
        ws.column_dimensions[letter].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["第1行为列名，请勿修改；示例行导入前请替换为本矿通道。"])
    notes.append([f"“{CODE}”在本矿内唯一；已存在的编码将被更新，新编码将新增。"])
    notes.append([f"“{KIND}”可填：" + "、".join(PlaceKind.labels)])
    notes.append([f"采煤/掘进工作面的通道须填“{FACE}”（本矿工作面名称），其他类型不填。"])
    notes.append([f"“{RETENTION}”：《煤矿安全规程》第五百二十六条要求视频保存1个月以上。"])
    notes.append(["任何一行有错误时整份文件不导入，并逐行列出错误。也可上传同样列名的 CSV 文件。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(
    number: int,
    raw: dict[str, Any],
    mine: Mine,
    faces: dict[str, WorkingFace],
    seen: dict[str, int],
) -> tuple[dict[str, Any] | None, list[RowError]]:
    errors: list[RowError] = []
    values = {h: cell_text(raw.get(h)) for h in HEADERS}
    for column in HEADERS:
        if column in REQUIRED and not values[column]:
            errors.append(RowError(number, column, "必填"))
        elif len(values[column]) > LIMITS[column]:
            errors.append(RowError(number, column, f"不能超过{LIMITS[column]}个字"))
    code = values[CODE]
    if code and code in seen:
        errors.append(RowError(number, CODE, f"通道编码与第{seen[code]}行重复"))
    elif code:
        seen[code] = number
    kind = KIND_BY_LABEL.get(values[KIND]) or (
        values[KIND] if values[KIND] in PlaceKind.values else None
    )
    if values[KIND] and kind is None:
        errors.append(RowError(number, KIND, "无法识别，可填：" + "、".join(PlaceKind.labels)))
    face = None
    if kind in FACE_KINDS:
        if not values[FACE]:
            errors.append(RowError(number, FACE, "采掘工作面的通道须填写工作面"))
        else:
            face = faces.get(values[FACE])
            if face is None:
                errors.append(RowError(number, FACE, f"本矿没有名为“{values[FACE]}”的工作面"))
    elif kind is not None and values[FACE]:
        errors.append(RowError(number, FACE, "只有采掘工作面的通道才填写工作面"))
    retention = None
    if values[RETENTION]:
        try:
            retention = int(values[RETENTION])
        except ValueError:
            errors.append(RowError(number, RETENTION, "须为整数"))
        else:
            if not 0 <= retention <= 3650:
                errors.append(RowError(number, RETENTION, "须在0到3650之间"))
    if errors:
        return None, errors
    return {
        "code": code,
        "name": values[NAME],
        "place_kind": kind,
        "working_face": face,
        "equipment": values[EQUIPMENT],
        "retention_days": retention,
    }, []


def _row_check(rows: Rows, mine: Mine) -> importer.RowCheck[VideoChannel]:
    """The check of one row against the mine's working faces and existing channels (fetched
    once); a channel code may stand only once in the file."""
    faces = {f.name: f for f in WorkingFace.objects.filter(mine=mine)}
    existing = {c.code: c for c in VideoChannel.objects.filter(mine=mine)}
    seen: dict[str, int] = {}

    def check(number: int, raw: dict[str, Any]) -> tuple[VideoChannel | None, list[RowError]]:
        fields, errors = _row(number, raw, mine, faces, seen)
        if errors or fields is None:
            return None, errors
        channel = existing.get(fields["code"]) or VideoChannel(mine=mine)
        for key, value in fields.items():
            setattr(channel, key, value)
        try:
            channel.full_clean(validate_unique=False)
        except ValidationError as exc:
            return None, [
                RowError(number, FIELD_HEADERS.get(key, ""), "；".join(messages))
                for key, messages in exc.message_dict.items()
            ]
        return channel, []

    return check


def _save(channels: list[VideoChannel]) -> ImportResult:
    result = ImportResult()
    with transaction.atomic(), audit_reason("视频通道导入"):
        for channel in channels:
            if channel.pk:
                result.updated += 1
            else:
                result.created += 1
            channel.save()
    return result


def import_channels(mine: Mine, name: str, data: bytes) -> ImportResult:
    """Create or update the mine's channels from an upload; with any error nothing is saved."""
    check = partial(_row_check, mine=mine)
    return importer.run(SHEET, data, check=check, save=_save, name=name)
