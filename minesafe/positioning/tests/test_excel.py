"""Importing a descent register file (三对应 source 1): headers, encodings, per-row errors;
a bad row is listed and the good rows are kept."""

from __future__ import annotations

from typing import Any

import pytest

from minesafe.core.importer import EMPTY, RowError
from minesafe.positioning.choices import DescentSource
from minesafe.positioning.excel import import_descents
from minesafe.positioning.models import DescentRecord

pytestmark = pytest.mark.django_db


def test_missing_columns_are_reported_on_row_1(world: Any) -> None:
    result = import_descents(world.mine_a, "t", "r.csv", "姓名,卡号\n王伟,c1\n".encode())
    assert result.created == 0 and result.errors == [RowError(1, "入井时间", "缺少此列")]


def test_gbk_file_with_alternative_headers_and_blank_lines(world: Any) -> None:
    text = (
        "姓名,下井时间,升井时间\n"
        "王伟,2026/11/20 08:05,2026/11/20 16:01\n"
        ",,\n"
        "李强,2026-11-20 08:06:30,\n"
    )
    result = import_descents(world.mine_a, "t", "r.csv", text.encode("gbk"))
    assert result.created == 2 and not result.errors
    records = DescentRecord.objects.filter(mine=world.mine_a, source=DescentSource.IMPORT).order_by(
        "went_down_at"
    )
    assert [(r.name, r.came_up_at is not None) for r in records] == [
        ("王伟", True),
        ("李强", False),
    ]


def test_empty_and_unreadable_files(world: Any) -> None:
    assert import_descents(world.mine_a, "t", "r.csv", b"").errors == [RowError(0, "", EMPTY)]
    assert import_descents(world.mine_a, "t", "r.xlsx", b"not a zip").errors[0].row == 0


def test_future_times_are_refused_and_good_rows_kept(world: Any) -> None:
    text = "姓名,入井时间\n王伟,2099-01-01 08:00\n李强,2026-11-20 08:06\n"
    result = import_descents(world.mine_a, "t", "r.csv", text.encode())
    assert result.errors == [RowError(2, "", "时间晚于当前时间")] and result.created == 1
    assert list(
        DescentRecord.objects.filter(mine=world.mine_a, source=DescentSource.IMPORT).values_list(
            "name", flat=True
        )
    ) == ["李强"]
