"""Small pieces every area's Excel import and export share: the header style and how a cell
reads as text (the house look of a sheet, and one reading of numbers typed into text columns)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.styles import Font, PatternFill

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def append_header(ws: Any, headers: Sequence[str]) -> None:
    """Append the header row in the house style (white bold on dark blue)."""
    ws.append(list(headers))
    for cell in ws[ws.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL


def cell_text(value: Any) -> str:
    """A cell as text: empty for None, ``12`` (not ``12.0``) for a whole number Excel stored as a
    float, surrounding blanks dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header_and_rows(
    table: list[list[Any]], title: Callable[[Any], str] = cell_text
) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """A table read by :func:`minesafe.core.imports.read_table` as its header (each title read
    by ``title``, trailing blank ones dropped) and its non-blank rows, each with its spreadsheet
    row number."""
    header = [title(v) if v is not None else "" for v in (table[0] if table else [])]
    while header and not header[-1]:
        header.pop()
    rows = [
        (number, dict(zip(header, values, strict=False)))
        for number, values in enumerate(table[1:], start=2)
        if any(cell_text(v) for v in values[: len(header)])
    ]
    return header, rows
