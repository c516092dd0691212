"""Import of the mine register from Excel (REG-1), through the one importer of core.

The import is all-or-nothing: every cell of every row is checked first, and a single error
imports nothing, so a county never ends up with half a register and no idea which half. The
columns are those of the export and the template (:data:`minesafe.registry.excel.COLUMNS`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction

from minesafe.accounts.choices import DivisionLevel, Role
from minesafe.accounts.models import Division, Organization
from minesafe.core import importer
from minesafe.core.context import acting_as
from minesafe.core.importer import ImportResult, OnBadRow, RowError, Rows, Sheet
from minesafe.core.imports import Limits
from minesafe.core.scoping import can
from minesafe.registry.excel import (
    BOOL,
    CHOICE,
    CODE,
    COLUMNS,
    COMPUTED_HEADERS,
    COUNTY,
    DECIMAL,
    ENTERPRISE,
    IMPORT_REASON,
    INTEGER,
    MAX_ROWS,
    NOT_XLSX,
    ORGANIZATION,
    TEXT,
    Column,
    range_text,
)
from minesafe.registry.models import IMPORT, Enterprise, Mine

_BY_FIELD = {c.field: c for c in COLUMNS}
_BY_HEADER = {c.header: c for c in COLUMNS}
_FOREIGN_KEYS = frozenset({"enterprise", "county", "supervisor", "inspectorate"})


# ------------------------------------------------------------------------------ import: file


class CellError(ValueError):
    """A cell's value cannot be used; the message is shown to the user as it is."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> str:
    """The cell as text; Excel turns a typed code like 140525 into the float 140525.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _key(value: Any) -> str:
    """Text for matching: full-width digits, letters and brackets folded (NFKC)."""
    return unicodedata.normalize("NFKC", _plain(value)).strip()


#: The register is one body of record: a bad row rejects the whole file, so a county never ends
#: up with half a register and no idea which half.
IMPORT_SHEET = Sheet(
    columns=tuple(c.header for c in COLUMNS),
    required=tuple(c.header for c in COLUMNS),
    on_bad_row=OnBadRow.REJECT_FILE,
    limits=Limits(max_rows=MAX_ROWS),
    not_readable=NOT_XLSX,
    no_data="没有数据：请从第2行起填写煤矿信息",
    ignored=COMPUTED_HEADERS,
    title=_key,
)


# ----------------------------------------------------------------------------- import: cells


@dataclass
class _Lookups:
    """Everything the rows refer to, fetched in a few queries before any row is checked."""

    enterprises: dict[str, Enterprise]  # visible to the user, by credit code
    divisions: dict[str, Division]  # every division with a cited code, to explain refusals
    counties: dict[str, Division]  # those where the user may import mines
    organizations: dict[str, Organization]  # visible to the user, by name
    existing: dict[str, Mine]  # mines the user may update, by code
    taken: set[str]  # every cited mine code already in use, in jurisdiction or not


def _parse_code(column: Column, raw: Any, lk: _Lookups) -> str:
    code = _key(raw)
    if not re.fullmatch(r"[0-9A-Z]{6,20}", code):
        raise CellError(f"“{code}”格式不正确，应为6～20位数字或大写字母")
    return code


def _parse_decimal(column: Column, raw: Any, lk: _Lookups) -> Decimal:
    try:
        value = Decimal(_key(raw).replace(",", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if isinstance(raw, bool) or not value.is_finite():
        raise CellError(f"“{_plain(raw)}”不是有效的数字")
    if column.places is not None:
        value = value.quantize(Decimal(1).scaleb(-column.places), rounding=ROUND_HALF_UP)
    if not (column.low is None or column.low <= value) or not (
        column.high is None or value <= column.high
    ):
        raise CellError(f"“{_plain(raw)}”超出范围，应{range_text(column)}")
    return value


def _parse_integer(column: Column, raw: Any, lk: _Lookups) -> int:
    value = _parse_decimal(column, raw, lk)
    if value != value.to_integral_value():
        raise CellError(f"“{_plain(raw)}”不是整数")
    return int(value)


def _parse_choice(column: Column, raw: Any, lk: _Lookups) -> str:
    """The Chinese label as in choices.py, or the stored code value."""
    key = _key(raw)
    for value, label in column.choices:
        if key == label or key.lower() == value.lower():
            return value
    raise CellError(f"无法识别的值“{key}”，可选：{'、'.join(column.labels)}")


def _parse_bool(column: Column, raw: Any, lk: _Lookups) -> bool:
    return raw if isinstance(raw, bool) else _parse_choice(column, raw, lk) == "true"


def _parse_enterprise(column: Column, raw: Any, lk: _Lookups) -> Enterprise:
    code = _key(raw).upper()
    if code not in lk.enterprises:
        raise CellError(f"统一社会信用代码“{code}”对应的企业不存在或您无权查看")
    return lk.enterprises[code]


def _parse_county(column: Column, raw: Any, lk: _Lookups) -> Division:
    code = _key(raw)
    division = lk.divisions.get(code)
    if division is None:
        raise CellError(f"区划代码“{code}”不存在")
    if division.level != DivisionLevel.COUNTY:
        raise CellError(f"“{division.name}”（{code}）不是县级区划")
    if code not in lk.counties:
        raise CellError(f"“{division.name}”（{code}）不在您的管辖范围内")
    return division


def _parse_organization(column: Column, raw: Any, lk: _Lookups) -> Organization:
    name = _plain(raw)
    if name not in lk.organizations:
        raise CellError(f"监管部门“{name}”不存在或不在您的管辖范围内")
    return lk.organizations[name]


_PARSERS: dict[str, Callable[[Column, Any, _Lookups], Any]] = {
    CODE: _parse_code,
    TEXT: lambda column, raw, lk: _plain(raw),
    ENTERPRISE: _parse_enterprise,
    COUNTY: _parse_county,
    ORGANIZATION: _parse_organization,
    DECIMAL: _parse_decimal,
    INTEGER: _parse_integer,
    CHOICE: _parse_choice,
    BOOL: _parse_bool,
}


def _jurisdiction_counties(user: Any) -> models.QuerySet[Division]:
    """Counties where a new mine would fall inside ``Mine.objects.restrict(user, IMPORT)``.

    Division's view scope adds the chain above a regulator's division (for display); that
    is not jurisdiction, so a regulator's counties are cut to its division's subtree.
    """
    counties = Division.objects.restrict(user).filter(level=DivisionLevel.COUNTY)
    if user.organization_id and not (user.is_superuser or user.role == Role.ADMIN):
        counties = counties.filter(path__startswith=user.organization.division.path)
    return counties


def _load_lookups(rows: Rows, user: Any) -> _Lookups:
    def cited(name: str, normalise: Callable[[Any], str] = _key) -> set[str]:
        header = _BY_FIELD[name].header
        return {normalise(raw[header]) for _, raw in rows if not _blank(raw[header])}

    codes, counties = cited("code"), cited("county")
    credit = cited("enterprise", lambda v: _key(v).upper())
    names = cited("supervisor", _plain)
    visible_orgs = Organization.objects.restrict(user).filter(name__in=names)
    return _Lookups(
        enterprises={
            e.credit_code: e
            for e in Enterprise.objects.restrict(user).filter(credit_code__in=credit)
        },
        divisions={d.code: d for d in Division.objects.filter(code__in=counties)},
        counties={d.code: d for d in _jurisdiction_counties(user).filter(code__in=counties)},
        organizations={o.name: o for o in visible_orgs},
        existing={m.code: m for m in Mine.objects.restrict(user, IMPORT).filter(code__in=codes)},
        taken=set(Mine.objects.filter(code__in=codes).values_list("code", flat=True)),
    )


# ------------------------------------------------------------------------------ import: rows


@dataclass
class _Checked:
    mine: Mine
    created: bool
    changed: bool


def _snapshot(mine: Mine) -> dict[str, Any]:
    return {c.field: getattr(mine, Mine._meta.get_field(c.field).attname) for c in COLUMNS}


def _parse_cells(
    number: int, raw: dict[str, Any], lk: _Lookups
) -> tuple[dict[str, Any], list[RowError]]:
    """Every cell of a row; a blank optional cell is left out (default, or unchanged)."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in COLUMNS:
        cell = raw.get(column.header)
        if _blank(cell):
            if column.required:
                errors.append(RowError(number, column.header, "必填项不能为空"))
            continue
        try:
            values[column.field] = _PARSERS[column.kind](column, cell, lk)
        except CellError as exc:
            errors.append(RowError(number, column.header, str(exc)))
    return values, errors


def _code_errors(number: int, code: str, lk: _Lookups, seen: dict[str, int]) -> list[str]:
    if code in seen:
        return [f"与第{seen[code]}行的煤矿编码重复"]
    seen[code] = number
    if code in lk.taken and code not in lk.existing:
        return [f"煤矿“{code}”已存在且不在您的管辖范围内，不能更新"]
    return []


def _model_errors(number: int, mine: Mine, skip: Iterable[str]) -> list[RowError]:
    """The model's own validators (max length, ranges, choices) mapped to column headers.

    Relations are resolved already (``ForeignKey.validate`` would cost a query per row) and
    code uniqueness is checked for the whole file at once, so both are left out here.
    """
    try:
        mine.full_clean(
            exclude={*_FOREIGN_KEYS, *skip}, validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        return [
            RowError(number, _BY_FIELD[name].header if name in _BY_FIELD else "", message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _check_row(
    number: int, raw: dict[str, Any], lk: _Lookups, seen: dict[str, int]
) -> tuple[_Checked | None, list[RowError]]:
    """One row as an unsaved mine: a new one, or the existing one with that code, updated."""
    values, errors = _parse_cells(number, raw, lk)
    code = values.get("code")
    if code is not None:
        code_header = _BY_FIELD["code"].header
        errors += [RowError(number, code_header, m) for m in _code_errors(number, code, lk, seen)]
    mine = lk.existing.get(code) if code else None
    before = _snapshot(mine) if mine else None
    if before and values.get("status", before["status"]) != before["status"]:
        message = "已有煤矿的生产状态须通过“状态变更”登记原因（REG-7），不能通过导入修改"
        errors.append(RowError(number, _BY_FIELD["status"].header, message))
    target = mine or Mine()
    for name, value in values.items():
        setattr(target, name, value)
    failed = {_BY_HEADER[e.column].field for e in errors}
    errors += _model_errors(number, target, failed)
    if errors:
        return None, errors
    return _Checked(target, created=mine is None, changed=before != _snapshot(target)), []


def _row_check(rows: Rows, user: Any) -> importer.RowCheck[_Checked]:
    """The check of one row, with what every row refers to fetched once and the codes seen so
    far remembered (a code twice in a file is an error)."""
    return partial(_check_row, lk=_load_lookups(rows, user), seen={})


def _save(rows: list[_Checked], user: Any) -> ImportResult:
    """All rows in one transaction, audited as the user with reason "Excel导入".

    ``Mine.save`` recomputes the supervision class (REG-4). Unchanged mines are not saved.
    """
    result = ImportResult()
    try:
        with acting_as(user, IMPORT_REASON), transaction.atomic():
            for row in rows:
                if row.created or row.changed:
                    row.mine.save()
                result.created += row.created
                result.updated += row.changed and not row.created
                result.unchanged += not (row.created or row.changed)
    except IntegrityError:  # a concurrent edit took a code between checking and saving
        return ImportResult.failed("保存时数据已被他人修改，未导入任何数据，请重新导入")
    return result


def import_mines(fileobj: IO[bytes] | bytes, user: Any) -> ImportResult:
    """Create or update mines by code from an .xlsx; any error anywhere imports nothing.

    Raises ``PermissionDenied`` for a user whose role may not import. Every problem with the
    file or its content comes back in the result instead, for the page and the API to show.
    """
    if not can(user, Mine, IMPORT):
        raise PermissionDenied("您没有导入煤矿名录的权限")
    return importer.run(
        IMPORT_SHEET, fileobj, check=partial(_row_check, user=user), save=partial(_save, user=user)
    )
