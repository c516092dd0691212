"""Spreadsheet bombs: every import gives up fast, in little memory, with a clear message.

The files are built here, in memory, each a few kilobytes to a few megabytes compressed: a sheet
or shared-string table that inflates to hundreds of megabytes, a declared size of a million rows
by 16,384 columns, a million empty rows, a row of thousands of cells, a giant cell or many long
ones, too many shared strings or zip members, and CSV files with a huge line or millions of
rows. Each import (mine register, checklist templates, video channels, descent records) must
refuse each one in well under two seconds of CPU and a few tens of megabytes, with the reason in
Chinese; the API and the pages answer 400 with that reason.
"""

from __future__ import annotations

import io
import random
import string
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from minesafe.positioning import excel as positioning_excel
from minesafe.registry import excel_import as registry_import
from minesafe.selfinspection import excel as checklist_excel
from minesafe.testing import World
from minesafe.video import excel as video_excel

CPU_SECONDS = 2.0
PEAK_BYTES = 40 * 1024 * 1024
MIB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"
TYPES = "[Content_Types].xml"
STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER_ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'


# ------------------------------------------------------------------------------- the bombs


@cache
def _base() -> bytes:
    """A plain workbook, whose parts the bombs replace or add to."""
    book = Workbook()
    book.active.append(["name", "code"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx(parts: dict[str, Iterable[bytes]], extra: int = 0) -> bytes:
    """The base workbook with some parts replaced (written in pieces, so a part may inflate to
    hundreds of megabytes without ever being held whole) and ``extra`` empty members added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_base())) as base,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in base.infolist():
            with bomb.open(item.filename, "w") as target:
                for piece in parts.get(item.filename, [base.read(item.filename)]):
                    target.write(piece)
        for name in parts.keys() - set(base.namelist()):
            with bomb.open(name, "w") as target:
                for piece in parts[name]:
                    target.write(piece)
        for number in range(extra):
            bomb.writestr(f"customXml/item{number}.xml", b"<a/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _sheet(rows: Iterable[bytes], dimension: bytes = b"") -> Iterable[bytes]:
    yield HEAD + dimension + b"<sheetData>" + HEADER_ROW
    yield from rows
    yield b"</sheetData></worksheet>"


def _repeat(piece: bytes, total: int) -> Iterable[bytes]:
    block = piece * (MIB // len(piece))
    for _ in range(total // len(block)):
        yield block


def _inflating_sheet() -> bytes:
    """300 MB of one empty row, repeated, inside the sheet."""
    return _xlsx({SHEET: _sheet(_repeat(b"<row/>", 300 * MIB))})


def _with_strings(body: Iterable[bytes]) -> bytes:
    """The base workbook with a shared-string table around ``body``."""
    with zipfile.ZipFile(io.BytesIO(_base())) as base:
        types = base.read(TYPES).replace(b"</Types>", STRINGS_TYPE + b"</Types>")
    table = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return _xlsx({TYPES: [types], STRINGS: [table, *body, b"</sst>"]})


def _inflating_strings() -> bytes:
    """300 MB of shared strings."""
    return _with_strings(_repeat(b"<si><t>x</t></si>", 300 * MIB))


def _many_strings() -> bytes:
    """400,000 different shared strings: dense enough to pass the ratio check."""
    return _with_strings([b"".join(b"<si><t>%d</t></si>" % n for n in range(400_000))])


def _declared_size() -> bytes:
    """A sheet that claims a million rows by 16,384 columns and holds three."""
    rows = [b'<row r="2"><c r="A2"><v>1</v></c></row>', b'<row r="3"><c r="B3"><v>2</v></c></row>']
    return _xlsx({SHEET: _sheet(rows, b'<dimension ref="A1:XFD1048576"/>')})


def _gap_of_a_million_rows() -> bytes:
    """One cell in the sheet's last row: everything above it reads as empty rows."""
    row = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return _xlsx({SHEET: _sheet([row], b'<dimension ref="A1:XFD1048576"/>')})


def _million_empty_rows() -> bytes:
    """A million row elements, each numbered."""
    rows = (
        b"".join(b'<row r="%d"/>' % n for n in range(s, s + 100_000))
        for s in range(2, 10**6, 100_000)
    )
    return _xlsx({SHEET: _sheet(rows)})


def _wide_row() -> bytes:
    """One row of 5,000 cells."""
    return _xlsx({SHEET: _sheet([b"<row>" + b"<c><v>1</v></c>" * 5000 + b"</row>"])})


def _giant_cell(size: int) -> Callable[[], bytes]:
    """A cell of random letters (which barely compress), as an inline string."""

    def build() -> bytes:
        text = "".join(random.Random(size).choices(string.ascii_letters, k=size)).encode()
        cell = b'<row><c t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
        return _xlsx({SHEET: _sheet([cell])})

    build.__name__ = f"giant_cell_{size}"
    return build


def _long_texts() -> bytes:
    """Thirty cells of 30,000 letters each: just short enough to pass the byte scan's check for
    a giant cell, so the scan itself must stay linear in them."""
    rng = random.Random(30)
    cells = b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>'
        % "".join(rng.choices(string.ascii_letters, k=30_000)).encode()
        for _ in range(30)
    )
    return _xlsx({SHEET: _sheet([b"<row>" + cells + b"</row>"])})


def _large_styles() -> bytes:
    """12 MB of number formats in the style sheet, varied enough to pass the ratio check."""
    rng = random.Random(12)
    formats = b"".join(
        b'<numFmt numFmtId="%d" formatCode="0.%d"/>' % (rng.randrange(10**6), rng.randrange(10**9))
        for _ in range(300_000)
    )
    head = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return _xlsx({STYLES: [head, b"<numFmts>", formats, b"</numFmts></styleSheet>"]})


def _many_members() -> bytes:
    return _xlsx({}, extra=500)


def _csv_huge_line() -> bytes:
    return b"a," * (2 * MIB)


def _csv_many_rows() -> bytes:
    return b"\n" * (4 * MIB)


def _csv_giant_cell() -> bytes:
    return b'name\n"' + b"x" * (3 * MIB) + b'"\n'


# ---------------------------------------------------------------------------- the imports


def _registry(world: World, name: str, data: bytes) -> list[str]:
    result = registry_import.import_mines(data, world.users["regulator_x"])
    return [e.message for e in result.errors]


def _checklist(world: World, name: str, data: bytes) -> list[str]:
    result = checklist_excel.import_checklist(data, name="炸弹", kind="underground", version="1")
    return [e.message for e in result.errors]


def _video(world: World, name: str, data: bytes) -> list[str]:
    return [e.message for e in video_excel.import_channels(world.mine_a, name, data).errors]


def _descents(world: World, name: str, data: bytes) -> list[str]:
    result = positioning_excel.import_descents(world.mine_a, "test", name, data)
    return [e.message for e in result.errors]


XLSX_IMPORTS = [_registry, _checklist, _video, _descents]
CSV_IMPORTS = [_video, _descents]

#: (bomb, what the refusal says; None where the file is read, within the caps, and the import
#: answers about its content as usual)
XLSX_BOMBS: list[tuple[Callable[[], bytes], str | None]] = [
    (_inflating_sheet, "解压后过大"),
    (_inflating_strings, "解压后过大"),
    (_many_strings, "不同的文字内容超过"),
    (_declared_size, None),
    (_gap_of_a_million_rows, "行数据（空行也计入）"),
    (_million_empty_rows, "行数据（空行也计入）"),
    (_wide_row, "超过50列"),
    (_giant_cell(1 * MIB), "单元格内容超过4000个字"),
    (_giant_cell(5000), "内容超过4000个字"),
    (_long_texts, "内容超过4000个字"),
    (_large_styles, "解压后过大"),
    (_many_members, "内部结构异常"),
]
CSV_BOMBS: list[tuple[Callable[[], bytes], str]] = [
    (_csv_huge_line, "行过长"),
    (_csv_many_rows, "行数据（空行也计入）"),
    (_csv_giant_cell, "行过长"),
]


@cache
def _built(bomb: Callable[[], bytes]) -> bytes:
    return bomb()


def _measured(run: Callable[[], list[str]]) -> tuple[list[str], float, int]:
    """The import's messages, the CPU seconds it took and its peak of Python memory."""
    tracemalloc.start()
    started = time.process_time()
    try:
        messages = run()
        return messages, time.process_time() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _assert_gives_up(
    world: World, read: Callable[..., list[str]], name: str, data: bytes, expected: str | None
) -> None:
    assert len(data) < 5 * MIB
    messages, cpu, peak = _measured(lambda: read(world, name, data))
    assert cpu < CPU_SECONDS, f"{cpu:.2f}s of CPU"
    assert peak < PEAK_BYTES, f"{peak / MIB:.0f} MiB at peak"
    if expected is not None:
        assert any(expected in m for m in messages), messages


@pytest.mark.django_db
@pytest.mark.parametrize("read", XLSX_IMPORTS, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize(
    "bomb,expected", XLSX_BOMBS, ids=lambda v: getattr(v, "__name__", "").strip("_")
)
def test_every_xlsx_import_refuses_spreadsheet_bombs(
    world: World, read: Callable[..., list[str]], bomb: Callable[[], bytes], expected: str | None
) -> None:
    _assert_gives_up(world, read, "bomb.xlsx", _built(bomb), expected)


@pytest.mark.django_db
@pytest.mark.parametrize("read", CSV_IMPORTS, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize(
    "bomb,expected", CSV_BOMBS, ids=lambda v: getattr(v, "__name__", "").strip("_")
)
def test_every_csv_import_refuses_csv_bombs(
    world: World, read: Callable[..., list[str]], bomb: Callable[[], bytes], expected: str
) -> None:
    _assert_gives_up(world, read, "bomb.csv", _built(bomb), expected)


def _post(client: Client, url: str, data: bytes, **fields: Any) -> Any:
    upload = io.BytesIO(data)
    upload.name = "bomb.xlsx"
    return client.post(url, {"file": upload, **fields})


@pytest.mark.django_db
def test_api_and_pages_answer_400_with_the_reason(world: World) -> None:
    bomb = _built(_gap_of_a_million_rows)
    regulator, mine_staff = Client(), Client()
    regulator.force_login(world.users["regulator_x"])
    mine_staff.force_login(world.users["mine_a"])
    checklist = {"name": "检查表", "kind": "underground", "version": "1"}
    answers = [
        _post(regulator, "/api/mines/import/", bomb),
        _post(regulator, "/api/self-inspection/templates/import/", bomb, **checklist),
        _post(regulator, "/self-inspection/templates/import/", bomb, **checklist),
        _post(regulator, "/mines/import/", bomb),
        _post(mine_staff, "/video/channels/import/", bomb, mine=world.mine_a.pk),
        _post(mine_staff, f"/positioning/mines/{world.mine_a.pk}/descents/import/", bomb),
    ]
    for response in answers:
        assert response.status_code == 400, (response.request["PATH_INFO"], response.status_code)
        assert "空行也计入" in response.content.decode(), response.request["PATH_INFO"]
