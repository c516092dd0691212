"""What a user reads is Chinese and readable: the change history names fields in Chinese, in
local time, objects by name and lists as text (never a Python dict or list); amounts of money
carry thousands separators (REG-1 dossier history, VIO-1, ENF decisions)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
from django.test import Client

from minesafe.core.templatetags.minesafe import money
from minesafe.hazards.testing import make_hazard
from minesafe.registry.choices import KeyMineFlag
from minesafe.testing import World
from minesafe.violations.testing import make_violation


def history_section(body: str) -> str:
    start = body.index("<h2>变更记录</h2>")
    return body[start : body.index("</table>", start)]


def test_dossier_history_is_chinese_local_and_without_dumps(world: World) -> None:
    mine = world.mine_a
    mine.declared_key_flags = [KeyMineFlag.SEVERE_DISASTER, KeyMineFlag.PRIVATE]
    mine.enterprise = world.enterprise_b
    mine.save()
    hazard = make_hazard(mine, description="历史记录核对隐患")
    hazard.found_at = dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
    hazard.save()
    violation = make_violation(mine, dt.date(2026, 11, 20))
    violation.fine = Decimal("12500")
    violation.save()
    client = Client()
    client.force_login(world.users["regulator_x"])
    history = history_section(client.get(mine.get_absolute_url()).content.decode())
    assert "重点煤矿标识" in history and "灾害严重、民营煤矿" in history
    assert "主体企业" in history or "企业" in history
    assert world.enterprise_b.name in history and world.enterprise_a.name in history
    assert "发现时间" in history and "2026-11-20 09:30" in history
    assert "12,500.00" in history and "200.00" in history
    for dump in ("{", "[", "'", "severe_disaster", "T01:30", "+00:00"):
        assert dump not in history, dump
    labels = re.findall(r"<div>([^：<]+)：<span", history)
    assert labels and all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), labels


def test_money_has_thousands_separators(world: World) -> None:
    assert money(Decimal("1234567.5")) == "1,234,567.50"
    assert money(Decimal("200")) == "200.00"
    assert money(None) == "—"
    make_violation(
        world.mine_b, dt.date(2026, 11, 21), person_name="罚款核对", fine=Decimal("12500")
    )
    client = Client()
    client.force_login(world.users["regulator_x"])
    body = client.get("/violations/", {"q": "罚款核对"}).content.decode()
    assert "<td>12,500.00</td>" in body and "<td>12500" not in body
    export = client.get("/violations/export.xlsx", {"q": "罚款核对"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    fine = sheet.cell(2, [c.value for c in sheet[1]].index("罚款金额(元)") + 1)
    assert fine.value == 12500 and fine.number_format == "#,##0.00"
