"""REG-1: Excel export, template and all-or-nothing import of the mine register."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from minesafe.accounts.choices import DivisionLevel, OrganizationKind, Role
from minesafe.accounts.models import Division, Organization, User
from minesafe.core.importer import RowError
from minesafe.core.imports import Limits
from minesafe.core.models import AuditAction, AuditEntry
from minesafe.registry import excel, excel_import
from minesafe.registry.excel import COLUMNS, HEADERS
from minesafe.registry.models import Enterprise, Licence, Mine

CREDIT = "91140500MA0TEST001"
FIELDS = [c.field for c in COLUMNS]


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture
def world(empty_db: None) -> dict[str, Any]:
    """A city with two counties, a regulator each, one enterprise with a mine in each county."""
    province = Division.objects.create(code="140000", name="山西省", level=DivisionLevel.PROVINCE)
    city = Division.objects.create(
        code="140500", name="晋城市", level=DivisionLevel.CITY, parent=province
    )
    counties = {
        key: Division.objects.create(code=code, name=name, level=DivisionLevel.COUNTY, parent=city)
        for key, code, name in (("a", "140525", "泽州县"), ("b", "140581", "高平市"))
    }
    bureau = OrganizationKind.EMERGENCY_BUREAU
    city_org = Organization.objects.create(name="晋城市应急管理局", kind=bureau, division=city)
    orgs = {
        key: Organization.objects.create(
            name=f"{county.name}应急管理局", kind=bureau, division=county, parent=city_org
        )
        for key, county in counties.items()
    }
    users = {
        key: User.objects.create_user(
            f"regulator_{key}", role=Role.COUNTY_REGULATOR, organization=org
        )
        for key, org in orgs.items()
    }
    enterprise = Enterprise.objects.create(
        name="晋城示例煤业有限公司", credit_code=CREDIT, ownership="private"
    )
    mines = {
        key: Mine.objects.create(
            code=f"{counties[key].code}000001",
            name=f"{counties[key].name}东山煤矿",
            enterprise=enterprise,
            county=counties[key],
            supervisor=orgs[key],
            capacity=Decimal("90"),
            gas_grade="low",
            hydro_type="simple",
        )
        for key in ("a", "b")
    }
    return {
        "counties": counties,
        "orgs": orgs,
        "users": users,
        "mines": mines,
        "city_org": city_org,
    }


def row(**overrides: Any) -> dict[str, Any]:
    """A good row for a new mine in county a, by header; override cells by field name."""
    values = {
        "code": "140525000002",
        "name": "泽州县西山煤矿",
        "enterprise": CREDIT,
        "county": "140525",
        "supervisor": "泽州县应急管理局",
        "longitude": 112.85,
        "latitude": 35.61,
        "mining_method": "井工",
        "status": "正常生产",
        "capacity": 120,
        "depth": 450,
        "gas_grade": "高瓦斯",
        "rock_burst": "否",
        "hydro_type": "中等",
        "spontaneous_combustion": "自燃",
        "coal_dust_explosive": "是",
        "standardization_grade": "二级",
        "smart_mining": "建设中",
    }
    values.update(overrides)
    return values


def xlsx(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    """An upload with the import columns (or ``header``) and ``rows`` keyed by field name."""
    workbook = Workbook()
    ws = workbook.active
    header = [c.header for c in COLUMNS] if header is None else header
    by_header = {c.header: c.field for c in COLUMNS}
    ws.append(header)
    for values in rows:
        ws.append([values.get(by_header.get(h, h)) for h in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def empty_workbook() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def sheet_rows(data: bytes, sheet: int = 0) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).worksheets[sheet].iter_rows(values_only=True))


def snapshot(mine: Mine) -> dict[str, Any]:
    mine.refresh_from_db()
    return {f: getattr(mine, Mine._meta.get_field(f).attname) for f in FIELDS}


# ------------------------------------------------------------------------------------ import


def test_reg1_good_file_imports_and_reimport_updates_by_code(world: dict[str, Any]) -> None:
    user = world["users"]["a"]
    rows = [row(), row(code="140525000003", name="泽州县北山煤矿", gas_grade="煤与瓦斯突出")]

    result = excel_import.import_mines(SimpleUploadedFile("mines.xlsx", xlsx(rows)), user)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    west = Mine.objects.get(code="140525000002")
    assert west.gas_grade == "high" and west.coal_dust_explosive is True
    assert west.capacity == Decimal("120") and west.longitude == Decimal("112.85")
    assert west.supervisor == world["orgs"]["a"] and west.county == world["counties"]["a"]
    assert Mine.objects.get(code="140525000003").supervision_class == "C"  # REG-4 on save

    rows[0]["capacity"] = 150
    again = excel_import.import_mines(xlsx(rows), user)

    assert again.as_dict() == {
        "ok": True,
        "created": 0,
        "updated": 1,
        "unchanged": 1,
        "errors": [],
    }
    west.refresh_from_db()
    assert west.capacity == Decimal("150")
    entry = AuditEntry.objects.get(mine=west, action=AuditAction.UPDATE)
    assert entry.reason == "Excel导入" and entry.user == user
    assert entry.changes["capacity"] == ["120.0", "150"]


def test_reg1_import_with_one_bad_row_imports_nothing(world: dict[str, Any]) -> None:
    bad = row(code="140525000003", gas_grade="中瓦斯")
    rows = [row(), {}, bad, row(code="140525000004")]  # a blank row 3 keeps Excel numbering

    result = excel_import.import_mines(xlsx(rows), world["users"]["a"])

    assert not result.ok
    assert result.errors == [
        RowError(4, "瓦斯等级", "无法识别的值“中瓦斯”，可选：低瓦斯、高瓦斯、煤与瓦斯突出")
    ]
    assert str(result.errors[0]) == (
        "第4行「瓦斯等级」：无法识别的值“中瓦斯”，可选：低瓦斯、高瓦斯、煤与瓦斯突出"
    )
    assert (result.created, result.updated) == (0, 0)
    assert Mine.objects.count() == 2


def test_reg1_duplicate_code_in_file_is_refused(world: dict[str, Any]) -> None:
    rows = [row(), row(name="重复的煤矿")]

    result = excel_import.import_mines(xlsx(rows), world["users"]["a"])

    assert result.errors == [RowError(3, "煤矿编码", "与第2行的煤矿编码重复")]
    assert not Mine.objects.filter(code="140525000002").exists()


def test_reg1_unknown_and_missing_columns_are_named(world: dict[str, Any]) -> None:
    header = [c.header for c in COLUMNS if c.header != "瓦斯等级"] + ["备注"]

    result = excel_import.import_mines(xlsx([row()], header), world["users"]["a"])

    assert result.errors == [
        RowError(1, "瓦斯等级", "缺少此列"),
        RowError(1, "备注", "无法识别的列名，请使用导入模板"),
    ]


def test_reg1_columns_in_any_order_and_computed_columns_are_ignored(
    world: dict[str, Any],
) -> None:
    wide = "核定产能（万吨/年）"  # full-width brackets, as Chinese input methods type them
    header = [wide if h == "核定产能(万吨/年)" else h for h in reversed(HEADERS)]
    cells = {**row(), wide: 130, "监管类别": "A类", "证照预警": "已过期"}

    result = excel_import.import_mines(xlsx([cells], header), world["users"]["a"])

    assert result.ok and result.created == 1, result.errors
    assert Mine.objects.get(code="140525000002").capacity == Decimal("130")


def test_reg1_county_of_other_regulator_is_refused(world: dict[str, Any]) -> None:
    result = excel_import.import_mines(xlsx([row(county="140581")]), world["users"]["a"])

    assert result.errors == [RowError(2, "所在县区代码", "“高平市”（140581）不在您的管辖范围内")]
    assert not Mine.objects.filter(code="140525000002").exists()


def test_reg1_existing_mine_outside_jurisdiction_is_never_updated(world: dict[str, Any]) -> None:
    other = world["mines"]["b"]
    before = snapshot(other)

    result = excel_import.import_mines(xlsx([row(code=other.code)]), world["users"]["a"])

    assert result.errors == [
        RowError(2, "煤矿编码", "煤矿“140581000001”已存在且不在您的管辖范围内，不能更新")
    ]
    assert snapshot(other) == before


@pytest.mark.parametrize(
    ("field", "value", "column", "message"),
    [
        ("capacity", "很多", "核定产能(万吨/年)", "“很多”不是有效的数字"),
        ("capacity", -5, "核定产能(万吨/年)", "“-5”超出范围，应不小于0"),
        ("latitude", 95.5, "纬度", "“95.5”超出范围，应在-90～90之间"),
        ("longitude", "东经112度", "经度", "“东经112度”不是有效的数字"),
        ("depth", 12.5, "开采深度(米)", "“12.5”不是整数"),
        ("code", "mk-01", "煤矿编码", "“mk-01”格式不正确，应为6～20位数字或大写字母"),
        (
            "enterprise",
            "91110000XXXXXXXXX1",
            "主体企业统一社会信用代码",
            "统一社会信用代码“91110000XXXXXXXXX1”对应的企业不存在或您无权查看",
        ),
        ("county", "999999", "所在县区代码", "区划代码“999999”不存在"),
        ("county", "140500", "所在县区代码", "“晋城市”（140500）不是县级区划"),
        (
            "supervisor",
            "高平市应急管理局",
            "日常监管部门",
            "监管部门“高平市应急管理局”不存在或不在您的管辖范围内",
        ),
        ("rock_burst", "有", "冲击地压", "无法识别的值“有”，可选：是、否"),
        ("name", None, "煤矿名称", "必填项不能为空"),
        ("name", "矿" * 151, "煤矿名称", "不超过 150"),
        ("capacity", "1234567.89", "核定产能(万吨/年)", "不超过 8 个"),
    ],
)
def test_reg1_bad_cells_are_reported_by_row_and_column(
    world: dict[str, Any], field: str, value: Any, column: str, message: str
) -> None:
    result = excel_import.import_mines(xlsx([row(**{field: value})]), world["users"]["a"])

    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert message in result.errors[0].message
    assert Mine.objects.count() == 2


def test_reg1_enterprise_the_user_cannot_see_is_refused(world: dict[str, Any]) -> None:
    Enterprise.objects.create(
        name="外省煤业", credit_code="91610000MA0OTHER01", ownership="private"
    )

    result = excel_import.import_mines(
        xlsx([row(enterprise="91610000MA0OTHER01")]), world["users"]["a"]
    )

    assert [e.column for e in result.errors] == ["主体企业统一社会信用代码"]


def test_reg1_codes_full_width_text_and_numeric_cells_are_understood(
    world: dict[str, Any],
) -> None:
    cells = row(
        code=140525000009,
        county=140525,
        gas_grade="outburst",
        hydro_type="ＣＯＭＰＬＥＸ",
        rock_burst=True,
        capacity="１２０．５",
        standardization_grade=1,
    )

    result = excel_import.import_mines(xlsx([cells]), world["users"]["a"])

    assert result.ok, result.errors
    mine = Mine.objects.get(code="140525000009")
    assert (mine.gas_grade, mine.hydro_type, mine.rock_burst) == ("outburst", "complex", True)
    assert (mine.capacity, mine.standardization_grade) == (Decimal("120.5"), "1")


def test_reg1_blank_optional_cells_keep_existing_values(world: dict[str, Any]) -> None:
    mine = world["mines"]["a"]
    Mine.objects.filter(pk=mine.pk).update(depth=300, smart_mining="primary")
    cells = row(
        code=mine.code,
        name=mine.name,
        capacity=90,
        gas_grade="低瓦斯",
        hydro_type="简单",
        depth=None,
        smart_mining=None,
        longitude=None,
        latitude=None,
        rock_burst=None,
        mining_method=None,
        spontaneous_combustion=None,
        coal_dust_explosive=None,
        standardization_grade=None,
    )

    result = excel_import.import_mines(xlsx([cells]), world["users"]["a"])

    assert (result.updated, result.unchanged) == (0, 1)
    mine.refresh_from_db()
    assert (mine.depth, mine.smart_mining) == (300, "primary")


def test_reg7_import_does_not_change_status_of_existing_mine(world: dict[str, Any]) -> None:
    mine = world["mines"]["a"]

    result = excel_import.import_mines(
        xlsx([row(code=mine.code, status="停产整顿")]), world["users"]["a"]
    )

    assert [(e.row, e.column) for e in result.errors] == [(2, "生产状态")]
    mine.refresh_from_db()
    assert mine.status == "producing"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"", excel.NOT_XLSX),
        (b"code,name\n140525000002,x\n", excel.NOT_XLSX),
        (SimpleUploadedFile("mines.xls", b"\xd0\xcf\x11\xe0 old excel"), excel.NOT_XLSX),
        (b"PK\x03\x04 broken zip", excel.NOT_XLSX),
        (empty_workbook(), "第一个工作表为空：第1行应为列名，请使用导入模板"),
        (xlsx([]), "没有数据：请从第2行起填写煤矿信息"),
    ],
)
def test_reg1_unreadable_upload_gives_a_clean_error(
    world: dict[str, Any], upload: Any, message: str
) -> None:
    result = excel_import.import_mines(upload, world["users"]["a"])

    assert result.errors == [RowError(0, "", message)]
    assert result.as_dict()["errors"][0]["text"] == message


def test_reg1_too_many_rows_are_refused(world: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(
        excel_import, "IMPORT_SHEET", replace(excel_import.IMPORT_SHEET, limits=Limits(2))
    )
    rows = [row(code=f"14052500001{i}") for i in range(3)]

    result = excel_import.import_mines(xlsx(rows), world["users"]["a"])

    [error] = result.errors
    assert error.row == 0 and "超过2行数据" in error.message


def test_reg1_mine_safety_officer_may_not_import(world: dict[str, Any]) -> None:
    officer = User.objects.create_user(
        "officer", role=Role.MINE_SAFETY_OFFICER, mine=world["mines"]["a"]
    )

    with pytest.raises(PermissionDenied):
        excel_import.import_mines(xlsx([row()]), officer)
    assert not Mine.objects.filter(code="140525000002").exists()


def test_reg1_city_regulator_imports_into_any_county_of_its_city(world: dict[str, Any]) -> None:
    city_user = User.objects.create_user(
        "city", role=Role.CITY_REGULATOR, organization=world["city_org"]
    )
    rows = [row(), row(code="140581000002", county="140581", supervisor="高平市应急管理局")]

    result = excel_import.import_mines(xlsx(rows), city_user)

    assert result.ok and result.created == 2, result.errors


# ------------------------------------------------------------------------- export / template


def test_reg1_export_import_round_trip_gives_the_same_data(world: dict[str, Any]) -> None:
    user = world["users"]["a"]
    mine = world["mines"]["a"]
    Mine.objects.filter(pk=mine.pk).update(
        longitude=Decimal("112.851234"),
        latitude=Decimal("35.617321"),
        depth=620,
        rock_burst=True,
        coal_dust_explosive=True,
        spontaneous_combustion="easy",
        standardization_grade="1",
        smart_mining="intermediate",
        name='=HYPERLINK("x")',
    )
    original = snapshot(mine)
    data = excel.export_mines(Mine.objects.restrict(user))
    Mine.objects.filter(pk=mine.pk).update(
        capacity=Decimal("1"), gas_grade="outburst", depth=None, rock_burst=False, latitude=None
    )

    result = excel_import.import_mines(data, user)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0), result.errors
    assert snapshot(mine) == original
    assert excel_import.import_mines(data, user).unchanged == 1


def test_reg1_export_has_labels_class_and_licence_warning(
    world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    mine = world["mines"]["a"]
    today = timezone.localdate()
    licences = [
        ("mining", today - dt.timedelta(days=400), today - dt.timedelta(days=10)),  # renewed:
        ("mining", today - dt.timedelta(days=10), today + dt.timedelta(days=700)),
        ("safety_production", today - dt.timedelta(days=300), today + dt.timedelta(days=20)),
    ]
    for kind, issued, until in licences:
        Licence.objects.create(
            mine=mine, kind=kind, number=kind, issued_on=issued, valid_until=until
        )

    with django_assert_num_queries(2):
        data = excel.export_mines(Mine.objects.all())

    rows = sheet_rows(data)
    assert list(rows[0]) == HEADERS
    exported = dict(zip(HEADERS, rows[1], strict=True))
    assert exported["煤矿编码"] == mine.code and exported["瓦斯等级"] == "低瓦斯"
    assert exported["主体企业统一社会信用代码"] == CREDIT and exported["冲击地压"] == "否"
    assert exported["监管类别"] == mine.get_supervision_class_display()
    assert exported["证照预警"] == "30天内到期"
    assert dict(zip(HEADERS, rows[2], strict=True))["证照预警"] == "无证照"
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b


def test_reg1_template_header_equals_export_header(world: dict[str, Any]) -> None:
    template = excel.template_workbook()
    export = excel.export_mines(Mine.objects.none())

    assert sheet_rows(template)[0] == sheet_rows(export)[0] == tuple(HEADERS)
    workbook = load_workbook(io.BytesIO(template))
    assert workbook.sheetnames == ["煤矿名录", "填写说明"]
    guide = {r[0]: r for r in sheet_rows(template, 1) if r[0]}
    assert guide["瓦斯等级"][1:] == ("必填", "低瓦斯、高瓦斯、煤与瓦斯突出")
    assert guide["智能化建设"][1] == "选填"
    lists = {dv.formula1 for dv in workbook.worksheets[0].data_validations.dataValidation}
    assert '"低瓦斯,高瓦斯,煤与瓦斯突出"' in lists and '"是,否"' in lists


def test_reg1_template_example_row_is_a_valid_row_shape(world: dict[str, Any]) -> None:
    """The example is checked like any row: only its made-up references are refused."""
    result = excel_import.import_mines(excel.template_workbook(), world["users"]["a"])

    assert {e.column for e in result.errors} == {"主体企业统一社会信用代码"}
