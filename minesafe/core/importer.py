"""The one importer behind every spreadsheet and CSV import, and its one result type.

An area declares what its file looks like (a :class:`Sheet`: the columns, which of them must be
there, the row cap, whether a CSV is accepted) and whether a bad row rejects the whole file or
only itself (:class:`OnBadRow`); it supplies how one row is checked and how the checked rows are
saved. Reading the file (through the guarded reader of :mod:`minesafe.core.imports`), checking
the header, locating every problem by row and column, capping the report and applying the bad-row
policy happen here, the same way for every area. ``docs/imports.md`` lists each area's policy.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from minesafe.core.excel import cell_text, header_and_rows
from minesafe.core.imports import ImportRefused, Limits, NotReadable, read_table

#: Past this many errors the report stops listing them; nobody reads the 501st.
MAX_ERRORS = 500
EMPTY = "第一个工作表为空：第1行应为列名，请使用导入模板"
MISSING = "缺少此列"
UNKNOWN = "无法识别的列名，请使用导入模板"
REPEATED = "列名重复"

Row = dict[str, Any]  # {header: raw cell value}
Rows = list[tuple[int, Row]]  # (spreadsheet row number, row)
T = TypeVar("T")


class OnBadRow(enum.Enum):
    """What one bad row costs."""

    #: Nothing is imported while any row is wrong: a register must never be left half-updated.
    REJECT_FILE = "reject_file"
    #: The good rows are imported and each bad one is listed: rows are independent facts.
    SKIP_ROW = "skip_row"


@dataclass(frozen=True)
class RowError:
    """One problem, located by spreadsheet row number (0: the file itself) and column header."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = (f"第{self.row}行" if self.row else "") + (
            f"「{self.column}」" if self.column else ""
        )
        return f"{where}：{self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "text": str(self)}


@dataclass
class ImportResult:
    """What an import did: the counts, every problem, and what else the area reports
    (``detail``, e.g. the checklist template it made). Under :attr:`OnBadRow.REJECT_FILE` any
    error means nothing was saved and the counts stay 0."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0  # re-imported rows without changes: not saved, so no audit noise
    errors: list[RowError] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved(self) -> int:
        return self.created + self.updated

    @classmethod
    def failed(cls, message: str) -> ImportResult:
        """The file as a whole could not be imported (reported as row 0)."""
        return cls(errors=[RowError(0, "", message)])

    def as_dict(self) -> dict[str, Any]:
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        errors = [e.as_dict() for e in self.errors]
        return {"ok": self.ok, **counts, **self.detail, "errors": errors}


@dataclass(frozen=True)
class Sheet:
    """What an area's import file looks like, and what a bad row costs."""

    columns: tuple[str, ...]  # every header the file may carry
    required: tuple[str, ...]  # headers the file must carry (their cells may still be blank)
    on_bad_row: OnBadRow
    limits: Limits
    not_readable: str  # the hint when the upload is no spreadsheet of the accepted kind
    no_data: str  # the hint when the header stands alone
    allow_csv: bool = False
    ignored: tuple[str, ...] = ()  # accepted and not read (an export's computed columns)
    aliases: Mapping[str, str] = field(default_factory=dict)  # other spellings of a header
    only_known: bool = True  # False: other columns are passed over instead of refused
    title: Callable[[Any], str] = cell_text  # how a header cell reads

    def header_title(self, value: Any) -> str:
        text = self.title(value)
        return self.aliases.get(text, text)


def read(sheet: Sheet, name: str, source: IO[bytes] | bytes) -> tuple[list[str], Rows]:
    """The first sheet's header and non-blank rows; raises :class:`ImportRefused` with the
    message for the uploader when the file cannot be used."""
    try:
        table = read_table(name, source, sheet.limits, allow_csv=sheet.allow_csv)
    except NotReadable as exc:
        raise ImportRefused(sheet.not_readable) from exc
    header, rows = header_and_rows(table, title=sheet.header_title)
    if not header:
        raise ImportRefused(EMPTY)
    return header, rows


def header_errors(sheet: Sheet, header: list[str]) -> list[RowError]:
    """Missing, unknown and repeated columns, each by name (columns may come in any order)."""
    errors = [RowError(1, h, MISSING) for h in sheet.required if h not in header]
    if sheet.only_known:
        known = {*sheet.columns, *sheet.ignored}
        errors += [RowError(1, h, UNKNOWN) for h in header if h and h not in known]
    repeated = sorted({h for h in header if h and header.count(h) > 1}, key=header.index)
    return errors + [RowError(1, h, REPEATED) for h in repeated]


def capped(errors: list[RowError]) -> list[RowError]:
    if len(errors) <= MAX_ERRORS:
        return errors
    more = RowError(0, "", f"另有{len(errors) - MAX_ERRORS}处错误未列出，请先修改以上错误")
    return [*errors[:MAX_ERRORS], more]


RowCheck = Callable[[int, Row], tuple[T | None, list[RowError]]]


def run(
    sheet: Sheet,
    source: IO[bytes] | bytes,
    *,
    check: Callable[[Rows], RowCheck[T]],
    save: Callable[[list[T]], ImportResult],
    name: str = "",
) -> ImportResult:
    """Read, check and save one upload under the sheet's bad-row policy.

    ``check`` receives every row first (to fetch what they refer to in a few queries) and
    answers the check of one row: the value to save, or the row's errors. ``save`` stores the
    good rows and answers the counts; it is not called when the policy rejects the file.
    """
    try:
        header, rows = read(sheet, name, source)
    except ImportRefused as exc:
        return ImportResult.failed(str(exc))
    errors = header_errors(sheet, header)
    if errors:
        return ImportResult(errors=errors)
    if not rows:
        return ImportResult.failed(sheet.no_data)
    check_row = check(rows)
    good: list[T] = []
    for number, raw in rows:
        value, row_errors = check_row(number, raw)
        errors += row_errors
        if value is not None and not row_errors:
            good.append(value)
    if errors and sheet.on_bad_row is OnBadRow.REJECT_FILE:
        return ImportResult(errors=capped(errors))
    result = save(good) if good else ImportResult()
    result.errors = capped(errors) + result.errors
    return result
