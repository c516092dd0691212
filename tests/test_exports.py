"""Every export holds exactly the rows its list shows, whatever set the filters (REG-1, HAZ-1,
VIO-1): the list's htmx answer carries the export link of its own filters, out of band, and the
file that link gives lists the same rows as the table."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
from django.test import Client

from minesafe.hazards.testing import make_hazard
from minesafe.testing import World
from minesafe.violations.testing import make_violation

HTMX = {"HTTP_HX_REQUEST": "true"}
OOB_LINK = re.compile(r'<a class="btn light" id="export-link" href="([^"]*)" hx-swap-oob="true">')


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def oob_export_link(body: str) -> str:
    """The export link an htmx answer swaps into the toolbar (exactly one)."""
    links = OOB_LINK.findall(body)
    assert len(links) == 1, body[:500]
    return html.unescape(links[0])


def sheet_rows(content: bytes, header: str) -> list[tuple[Any, ...]]:
    """The data rows of an export: those after the row starting with ``header``."""
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == header)
    return rows[start + 1 :]


def test_reg1_filtered_mine_export_equals_filtered_list(world: World) -> None:
    client = client_for(world, "city")
    everything = client.get("/mines/")
    assert len(re.findall(r"<tr><td>99010", everything.content.decode())) == 3
    filters = {"q": "", "county": str(world.county_x.pk), "gas_grade": "high", "sort": "-code"}
    table = client.get("/mines/", filters, **HTMX).content.decode()
    shown = re.findall(r"<tr><td>(\d{12})</td>", table)
    assert shown == [world.mine_b.code]
    link = oob_export_link(table)
    assert link.startswith("/mines/export.xlsx?") and "gas_grade=high" in link
    exported = sheet_rows(client.get(link).content, "煤矿编码")
    assert [row[0] for row in exported] == shown


def test_reg1_full_page_and_history_restore_carry_the_filters(world: World) -> None:
    """A shared link (or a back button htmx has no snapshot for) gets the whole page, with the
    export link of the filters in the URL, and no out-of-band copy of it."""
    client = client_for(world, "city")
    for headers in ({}, {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}):
        response = client.get("/mines/", {"q": "甲一"}, **headers)
        page = response.content.decode()
        assert "<html" in page and 'hx-swap-oob="true"' not in page
        assert 'id="export-link" href="/mines/export.xlsx?q=%E7%94%B2%E4%B8%80"' in page
        assert "HX-Request" in response["Vary"]


def test_haz1_filtered_hazard_export_equals_filtered_ledger(world: World) -> None:
    make_hazard(world.mine_a, description="导出核对甲一一般隐患")
    make_hazard(world.mine_b, description="导出核对乙二一般隐患")
    make_hazard(world.mine_b, description="导出核对乙二重大隐患", grade="major")
    client = client_for(world, "regulator_x")
    filters = {"q": "导出核对", "mine": str(world.mine_b.pk), "grade": "", "status": ""}
    table = client.get("/hazards/", filters, **HTMX).content.decode()
    shown = re.findall(r'<td><a href="/hazards/\d+/">([^<]+)</a></td>', table)
    assert len(shown) == 2
    link = oob_export_link(table)
    assert link.startswith("/hazards/export.xlsx?")
    exported = sheet_rows(client.get(link).content, "序号")
    assert sorted(row[1] for row in exported) == sorted(shown)
    assert {row[2] for row in exported} == {world.mine_b.name}


def test_vio1_filtered_violation_export_equals_filtered_list(world: World) -> None:
    today = dt.date(2026, 11, 20)
    make_violation(world.mine_a, today, person_name="导出甲")
    make_violation(world.mine_b, today, person_name="导出乙")
    make_violation(
        world.mine_b, today, person_name="导出丙", fine=Decimal("0"), penalty="education"
    )
    client = client_for(world, "regulator_x")
    table = client.get("/violations/", {"mine": str(world.mine_b.pk)}, **HTMX).content.decode()
    shown = re.findall(r"<td>([^<]+)</td><td>([^<]+)</td><td>综采一队</td>", table)
    assert {"导出乙", "导出丙"} <= {person for _, person in shown}
    assert {mine for mine, _ in shown} == {world.mine_b.name}
    link = oob_export_link(table)
    exported = sheet_rows(client.get(link).content, "序号")
    assert sorted(row[1:3] for row in exported) == sorted(shown)


def test_mon2_statistics_export_holds_the_filtered_statistics(world: World) -> None:
    """The alarm statistics page filters by a plain form: its export link carries the same
    query and the file's per-mine table is the page's (MON-2)."""
    from minesafe.localtime import local_date
    from minesafe.monitoring.testing import make_alarm

    day = dt.datetime.combine(local_date(), dt.time(2), tzinfo=dt.UTC)
    make_alarm(world.mine_a, day - dt.timedelta(days=1))
    make_alarm(world.mine_b, day - dt.timedelta(days=2))
    make_alarm(world.mine_b, day - dt.timedelta(days=40))
    client = client_for(world, "regulator_x")
    filters = {"mine": str(world.mine_b.pk), "date_from": str(local_date() - dt.timedelta(days=10))}
    page = client.get("/monitoring/statistics/", filters)
    shown = [(r["name"], r["count"]) for r in page.context["stats"]["by_mine"]]
    assert shown == [(world.mine_b.name, 1)]
    link = html.unescape(
        re.search(r'href="(/monitoring/statistics/export/[^"]*)"', page.content.decode())[1]
    )
    book = openpyxl.load_workbook(io.BytesIO(client.get(link).content))
    rows = list(book["按煤矿"].iter_rows(min_row=3, values_only=True))
    assert [(row[0], row[2]) for row in rows] == shown
