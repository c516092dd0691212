"""Descent records imported from a register file (三对应 source 1, MON-5): CSV (UTF-8 or GBK)
or Excel with the columns 姓名, 定位卡号 (optional), 入井时间, 出井时间 (optional).

Each row is one person's descent, a fact independent of every other row, so a bad row is
listed with its reason and the good ones are kept (:attr:`OnBadRow.SKIP_ROW`): a dispatcher
fixing one mistyped time re-imports that line, not the whole shift.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from minesafe.core import importer
from minesafe.core.context import audit_reason
from minesafe.core.importer import ImportResult, OnBadRow, RowError, Rows, Sheet
from minesafe.core.imports import Limits
from minesafe.positioning.choices import DescentSource
from minesafe.positioning.forms import FUTURE_SLACK, MAX_IMPORT_BYTES
from minesafe.positioning.models import DescentRecord
from minesafe.registry.models import Mine

NAME, CARD, DOWN, UP = "姓名", "定位卡号", "入井时间", "出井时间"
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
SHEET = Sheet(
    columns=(NAME, CARD, DOWN, UP),
    required=(NAME, DOWN),
    on_bad_row=OnBadRow.SKIP_ROW,
    limits=Limits(max_rows=5000, max_bytes=MAX_IMPORT_BYTES),
    not_readable="无法读取文件：请上传 .csv 或 .xlsx 文件",
    no_data="没有数据：请从第2行起填写入井记录",
    allow_csv=True,
    aliases={
        "name": NAME,
        "卡号": CARD,
        "card": CARD,
        "下井时间": DOWN,
        "went_down_at": DOWN,
        "升井时间": UP,
        "came_up_at": UP,
    },
    only_known=False,  # registers exported from other systems carry more columns (部门, 工种…)
)


def _time(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        naive = value
    else:
        text = str(value).strip().replace("T", " ")
        naive = None
        for fmt in TIME_FORMATS:
            try:
                naive = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if naive is None:
            raise ValueError(f"时间“{text[:30]}”格式不对（应为 2026-11-23 08:05）")
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


def _check_row(
    number: int, raw: dict[str, Any], now: dt.datetime
) -> tuple[dict[str, Any] | None, list[RowError]]:
    """One descent, or the row's first problem (one reason a row is enough to fix it)."""
    name = str(raw.get(NAME) or "").strip()
    if not name or len(name) > 50:
        return None, [RowError(number, NAME, "姓名为空或超过50字")]
    try:
        down, up = _time(raw.get(DOWN)), _time(raw.get(UP))
    except ValueError as exc:
        return None, [RowError(number, "", str(exc))]
    if down is None:
        return None, [RowError(number, DOWN, "缺少入井时间")]
    if down > now + FUTURE_SLACK or (up is not None and up > now + FUTURE_SLACK):
        return None, [RowError(number, "", "时间晚于当前时间")]
    if up is not None and up < down:
        return None, [RowError(number, UP, "出井时间早于入井时间")]
    card = str(raw.get(CARD) or "").strip()[:32]
    return {"name": name, "card": card, "went_down_at": down, "came_up_at": up}, []


def _save(rows: list[dict[str, Any]], mine: Mine, entered_by: str) -> ImportResult:
    """Each record saved on its own so each line is on the audit trail."""
    with transaction.atomic(), audit_reason("导入入井记录"):
        for row in rows:
            DescentRecord(
                mine=mine, source=DescentSource.IMPORT, entered_by=entered_by, **row
            ).save()
    return ImportResult(created=len(rows))


def import_descents(mine: Mine, entered_by: str, name: str, data: bytes) -> ImportResult:
    """Import a register file: the good rows are saved, each bad one is listed."""
    now = timezone.now()

    def check(rows: Rows) -> importer.RowCheck[dict[str, Any]]:
        return partial(_check_row, now=now)

    save = partial(_save, mine=mine, entered_by=entered_by)
    return importer.run(SHEET, data, check=check, save=save, name=name)
