"""Small pieces every area's Excel import and export share: the header style and how a cell
reads as text (the house look of a sheet, and one reading of numbers typed into text columns)."""

from __future__ import annotations

from collections.abc import Sequence
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
