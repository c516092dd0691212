"""The one guarded reader behind every spreadsheet and CSV import.

An .xlsx is a zip of XML: a 150 KB upload can inflate to gigabytes, declare a sheet of a million
rows by sixteen thousand columns, or hide one cell of a hundred megabytes, and openpyxl would
spend minutes of CPU or gigabytes of memory before an import's own row cap is ever reached. So
before openpyxl sees a file, its zip directory is checked (member count, each member's and the
total inflated size, the compression ratio), and the shared strings and every worksheet are
scanned as a byte stream, never as a tree (row numbers, cells per row, shared-string count,
longest text run). Only then is the workbook opened, read-only, and rows are read up to the cap.
A CSV gets the same caps on bytes, rows, columns and cell length, and is parsed row by row.

Every refusal is an :class:`ImportRefused` with a message for the person who uploaded the file;
the imports show it as a form error on the page and as a 400 in the API.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import ARC_CONTENT_TYPES as MANIFEST
from openpyxl.xml.constants import SHARED_STRINGS, WORKSHEET_TYPE

MIB = 1024 * 1024
CHUNK = MIB
RESAVE = "请在 Excel 中另存为标准 .xlsx 文件后重试"


@dataclass(frozen=True)
class Limits:
    """What one import accepts. Each import sets its row cap; the rest are shared defaults,
    sized so that the largest legitimate file (10,000 rows of 50 text columns) passes."""

    max_rows: int  # data rows below the header; blank rows count, so the sheet must end there
    max_columns: int = 50
    max_cell_chars: int = 4000
    max_bytes: int = 5 * MIB  # the upload itself
    max_members: int = 200  # files inside the .xlsx zip (a plain workbook has about ten)
    max_member_bytes: int = 64 * MIB  # one worksheet or shared-string table once inflated
    max_part_bytes: int = 8 * MIB  # any other part (styles, workbook, theme…) once inflated
    max_unzipped_bytes: int = 128 * MIB  # all members once inflated
    max_ratio: int = 100  # inflated / compressed, for members of 1 MiB and more
    max_shared_strings: int = 300_000

    @property
    def max_table_rows(self) -> int:
        """Rows read including the header."""
        return self.max_rows + 1

    @property
    def max_run_bytes(self) -> int:
        """Longest stretch of XML between two tags: a cell of the longest allowed text, each
        character escaped (``&#12345;``) at worst, plus the tag's attributes."""
        return self.max_cell_chars * 8 + 1024


class ImportRefused(ValueError):
    """The file as a whole cannot be imported; the message is shown to the user as it is."""


class NotReadable(ImportRefused):
    """Not a spreadsheet of the accepted kind (each import words its own hint)."""


def read_table(
    name: str, source: IO[bytes] | bytes, limits: Limits, *, allow_csv: bool = False
) -> list[list[Any]]:
    """The first sheet of an .xlsx (or, when allowed, a .csv) upload as rows of cell values,
    header first, trailing empty cells dropped; raises :class:`ImportRefused` past any limit."""
    data = _read_bytes(source, limits)
    if data[:2] == b"PK" or not allow_csv:
        return read_xlsx(data, limits)
    if not name.lower().endswith((".csv", ".txt")):
        raise NotReadable("不支持的文件类型")
    return read_csv(data, limits)


def _read_bytes(source: IO[bytes] | bytes, limits: Limits) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise ImportRefused(f"文件超过{limits.max_bytes // MIB}MB")
    return data


# ------------------------------------------------------------------------------------- xlsx


def read_xlsx(data: bytes, limits: Limits) -> list[list[Any]]:
    """Check the zip and scan its XML, then read the first sheet read-only up to the caps."""
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile and openpyxl raise many types for what is not an .xlsx
        raise NotReadable("不是有效的 .xlsx 文件") from exc
    try:
        _check_members(reader.archive.infolist(), limits)
        _scan_parts(reader, limits)
        reader.read()
        sheet = reader.wb.worksheets[0]
        return _sheet_rows(sheet, limits)
    except ImportRefused:
        raise
    except Exception as exc:  # a zip that opens but whose parts are damaged
        raise NotReadable("文件已损坏，无法读取工作表") from exc
    finally:
        reader.archive.close()


def _check_members(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    """The zip directory alone: how many members, how large each inflates, and how far.

    Python's zipfile stops inflating a member at the size its directory entry declares (and
    fails its checksum), so checking the declared sizes bounds what can actually come out.
    """
    if len(members) > limits.max_members:
        raise ImportRefused(f"文件内部结构异常（包含{len(members)}个部件）。{RESAVE}")
    total = 0
    for member in members:
        size = member.file_size
        total += size
        too_dense = size >= MIB and size > member.compress_size * limits.max_ratio
        if size > limits.max_member_bytes or too_dense or total > limits.max_unzipped_bytes:
            raise ImportRefused(f"文件解压后过大。{RESAVE}")


# Every pattern stops at the next "<", so each scan costs time in proportion to the bytes (a
# pattern that could run past it would rescan a long stretch from each of its starting points).
_ROW = re.compile(rb"<(?:[\w.-]+:)?row(?=[\s/>])([^<>]*)>")
_ROW_NUMBER = re.compile(rb'\sr\s*=\s*["\'](\d+)')
_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_STRING = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")


def _scan_parts(reader: ExcelReader, limits: Limits) -> None:
    """Bound and scan the parts openpyxl parses whole when it opens a workbook: the shared
    strings and every worksheet (it looks for each sheet's size, and reads to the end when none
    is given) get the large cap and a scan; every other part (styles, workbook, theme…) the
    small cap, since openpyxl builds it as a tree in memory."""
    sizes = {member.filename: member.file_size for member in reader.archive.infolist()}
    if sizes.get(MANIFEST, 0) > limits.max_part_bytes:
        raise ImportRefused(f"文件解压后过大。{RESAVE}")
    reader.read_manifest()
    large = {
        part.PartName[1:]
        for part in reader.package.Override
        if part.ContentType in (SHARED_STRINGS, WORKSHEET_TYPE)
    }
    if any(size > limits.max_part_bytes for name, size in sizes.items() if name not in large):
        raise ImportRefused(f"文件解压后过大。{RESAVE}")
    strings = reader.package.find(SHARED_STRINGS)
    if strings is not None and strings.PartName[1:] in sizes:
        _scan_strings(reader.archive, strings.PartName[1:], limits)
    reader.read_workbook()
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in sizes and "chartsheet" not in rel.Type:
            _scan_sheet(reader.archive, rel.target, sheet.name, limits)


def _chunks(archive: zipfile.ZipFile, part: str, limits: Limits) -> Iterator[bytes]:
    """The part's bytes in pieces that end just before a ``<``, so no tag is cut in two; a
    text run longer than the longest allowed cell is refused as soon as it is seen."""
    carry = b""
    with archive.open(part) as stream:
        while piece := stream.read(CHUNK):
            buffer = carry + piece
            cut = buffer.rfind(b"<")
            if cut <= 0:
                cut = len(buffer)
            if re.search(rb"(?<![^<])[^<]{%d}" % limits.max_run_bytes, buffer):
                raise ImportRefused(f"文件中有单元格内容超过{limits.max_cell_chars}个字")
            yield buffer[:cut]
            carry = buffer[cut:]
    if carry:
        yield carry


def _scan_strings(archive: zipfile.ZipFile, part: str, limits: Limits) -> None:
    count = 0
    for chunk in _chunks(archive, part, limits):
        count += len(_STRING.findall(chunk))
        if count > limits.max_shared_strings:
            raise ImportRefused(f"文件中不同的文字内容超过{limits.max_shared_strings}个")


def _scan_sheet(archive: zipfile.ZipFile, part: str, title: str, limits: Limits) -> None:
    """Row numbers and cells per row, counted from the tags without building any element."""
    row = cells = 0
    for chunk in _chunks(archive, part, limits):
        start = 0
        for match in _ROW.finditer(chunk):
            cells += len(_CELL.findall(chunk, start, match.start()))
            _check_width(cells, row, title, limits)
            number = _ROW_NUMBER.search(match.group(1))
            row = int(number.group(1)) if number else row + 1
            if row > limits.max_table_rows:
                raise ImportRefused(_too_many_rows(title, limits))
            cells, start = 0, match.end()
        cells += len(_CELL.findall(chunk, start))
        _check_width(cells, row, title, limits)


def _check_width(cells: int, row: int, title: str, limits: Limits) -> None:
    if cells > limits.max_columns:
        raise ImportRefused(f"工作表“{title}”第{row}行超过{limits.max_columns}列")


def _too_many_rows(title: str, limits: Limits) -> str:
    return f"工作表“{title}”超过{limits.max_rows}行数据（空行也计入），请删除多余的行或分批导入"


def _sheet_rows(sheet: Any, limits: Limits) -> list[list[Any]]:
    """Rows up to the caps: a declared size of a million rows by 16,384 columns, or a gap of
    a million rows before the next one, is never filled in past them."""
    cells = sheet.iter_rows(
        max_row=limits.max_table_rows, max_col=limits.max_columns, values_only=True
    )
    return [_checked(list(values), number, limits) for number, values in enumerate(cells, 1)]


def _checked(values: list[Any], number: int, limits: Limits) -> list[Any]:
    """The row without trailing empty cells, every text within the cell cap."""
    while values and values[-1] in (None, ""):
        values.pop()
    for column, value in enumerate(values, 1):
        if isinstance(value, str) and len(value) > limits.max_cell_chars:
            raise ImportRefused(f"第{number}行第{column}列的内容超过{limits.max_cell_chars}个字")
    return values


# -------------------------------------------------------------------------------------- csv


def read_csv(data: bytes, limits: Limits) -> list[list[Any]]:
    """A UTF-8 or GBK CSV, parsed one record at a time: no record may hold more text than a
    full row of the longest cells, so a single huge line is refused before it is split."""
    rows: list[list[Any]] = []
    budget = limits.max_columns * (limits.max_cell_chars + 3)
    fed = 0

    def lines() -> Iterator[str]:
        nonlocal fed
        for line in io.StringIO(_decode(data), newline=""):
            fed += len(line)
            if fed > budget:
                raise ImportRefused(f"第{len(rows) + 1}行过长")
            yield line

    try:
        for values in csv.reader(lines()):
            fed = 0
            if len(rows) == limits.max_table_rows:
                raise ImportRefused(f"文件超过{limits.max_rows}行数据（空行也计入），请分批导入")
            if len(values) > limits.max_columns:
                raise ImportRefused(f"第{len(rows) + 1}行超过{limits.max_columns}列")
            rows.append(_checked(values, len(rows) + 1, limits))
    except csv.Error as exc:
        raise ImportRefused(f"CSV 格式错误：{exc}") from exc
    return rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise NotReadable("文件编码无法识别")
    if "\x00" in text:
        raise NotReadable("不是文本文件")
    return text
