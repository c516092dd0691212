"""Factories and personas shared by the test suites of every app (STYLE 14).

A small world with two counties: county X holds mines A and B (of different enterprises), county Y
holds mine C. Mine names are unique markers so a test can assert an out-of-scope mine never
appears in a response.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from knox.models import AuthToken

from minesafe.accounts.choices import DivisionLevel, OrganizationKind, Role
from minesafe.accounts.models import Division, Organization, User
from minesafe.registry.choices import LicenceKind, Ownership, WorkingFaceKind, WorkingFaceStatus
from minesafe.registry.models import (
    DisasterAppraisal,
    Enterprise,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)

PASSWORD = "test-password-123"
#: Areas whose ``testing.furnish(mine, today)`` adds the objects their routes open by pk.
FURNISHERS = (
    "minesafe.positioning.testing",
    "minesafe.emergency.testing",
    "minesafe.video.testing",
    "minesafe.violations.testing",
)
_codes = itertools.count(1)


def make_enterprise(
    name: str, ownership: str = Ownership.PRIVATE, parent: Enterprise | None = None
) -> Enterprise:
    return Enterprise.objects.create(
        name=name, credit_code=f"91140000MA{next(_codes):08d}", ownership=ownership, parent=parent
    )


def make_mine(
    code: str,
    name: str,
    enterprise: Enterprise,
    county: Division,
    supervisor: Organization,
    **extra: Any,
) -> Mine:
    fields: dict[str, Any] = {
        "capacity": Decimal("120"),
        "depth": 450,
        "gas_grade": "low",
        "hydro_type": "medium",
        "standardization_grade": "2",
        **extra,
    }
    return Mine.objects.create(
        code=code, name=name, enterprise=enterprise, county=county, supervisor=supervisor, **fields
    )


@functools.cache
def _password_hash() -> str:
    """Hash the test password once: a real hash per user would cost seconds per test."""
    return make_password(PASSWORD)


def make_user(username: str, role: str, **anchor: Any) -> User:
    user = User(username=username, role=role, password=_password_hash(), **anchor)
    user.save()
    return user


def api_token(user: User) -> str:
    """A new API token of ``user``, for an ``Authorization: Token …`` header (knox stores only
    its hash, so this is the one moment it can be read)."""
    return AuthToken.objects.create(user=user)[1]


def furnish(mine: Mine, today: dt.date) -> None:
    """Give a mine one of each dependent object, so every route has something to open."""
    WorkingFace.objects.create(
        mine=mine,
        name=f"{mine.code}-1201",
        kind=WorkingFaceKind.LONGWALL,
        status=WorkingFaceStatus.ACTIVE,
        approved_headcount=30,
    )
    Licence.objects.create(
        mine=mine,
        kind=LicenceKind.SAFETY_PRODUCTION,
        number=f"S-{mine.code}",
        issued_on=today - dt.timedelta(days=900),
        valid_until=today + dt.timedelta(days=20),
    )
    DisasterAppraisal.objects.create(mine=mine, kind="gas", result="low", appraised_on=today)
    SupervisionAssignment.objects.create(
        mine=mine, kind="baobao_leader", person=f"{mine.code}负责人"
    )
    StatusChange.objects.create(
        mine=mine,
        old_status="construction",
        new_status="producing",
        changed_on=today,
        reason="竣工验收",
        acceptance_document="验收-1",
    )
    from minesafe.monitoring.testing import furnish_monitoring  # the monitoring area's objects

    furnish_monitoring(mine, today)
    for area in FURNISHERS:
        importlib.import_module(area).furnish(mine, today)
    from minesafe.response.testing import furnish_response  # MON-4 alarm cases

    furnish_response(mine, today)
    from minesafe.enforcement.testing import furnish_enforcement  # the enforcement area's objects

    furnish_enforcement(mine, today)
    from minesafe.selfinspection.testing import make_campaign_report  # HAZ-8 campaigns
    from minesafe.violations.testing import make_violation  # VIO-1 三违 records

    make_campaign_report(mine, today)
    make_violation(mine, today)
    from minesafe.hazards.testing import furnish_hazards  # HAZ-1 … HAZ-9 ledger objects

    furnish_hazards(mine, today)


@dataclass
class World:
    province: Division
    city: Division
    county_x: Division
    county_y: Division
    regulator_x_org: Organization
    regulator_y_org: Organization
    city_org: Organization
    group: Enterprise
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    mine_a: Mine
    mine_b: Mine
    mine_c: Mine
    users: dict[str, User]

    @property
    def mines(self) -> list[Mine]:
        return [self.mine_a, self.mine_b, self.mine_c]


#: What ``_build_world`` creates, in the order of the ``World`` fields, to find it again.
WORLD_DIVISIONS = ("990000", "990100", "990101", "990102")
WORLD_ORGANIZATIONS = ("甲县应急管理局", "乙县应急管理局", "测试市应急管理局")
WORLD_ENTERPRISES = ("测试能源集团", "甲煤业公司", "乙煤业公司")
WORLD_MINES = ("990101000001", "990101000002", "990102000003")
USERNAMES = {
    "regulator_x": "reg_x",
    "regulator_y": "reg_y",
    "city": "city",
    "inspector": "insp",
    "enterprise": "ent",
    "mine_a": "mine_a",
    "mine_b": "mine_b",
    "admin": "admin",
}


def load_world() -> World | None:
    """The world already in the database (built once per test session, see ``conftest.py``),
    or None when there is none (a transactional test flushed it)."""
    divisions = {d.code: d for d in Division.objects.filter(code__in=WORLD_DIVISIONS)}
    if len(divisions) < len(WORLD_DIVISIONS):
        return None
    orgs = {o.name: o for o in Organization.objects.filter(name__in=WORLD_ORGANIZATIONS)}
    firms = {e.name: e for e in Enterprise.objects.filter(name__in=WORLD_ENTERPRISES)}
    mines = {m.code: m for m in Mine.objects.filter(code__in=WORLD_MINES)}
    users = {u.username: u for u in User.objects.filter(username__in=USERNAMES.values())}
    return World(
        *(divisions[code] for code in WORLD_DIVISIONS),
        *(orgs[name] for name in WORLD_ORGANIZATIONS),
        *(firms[name] for name in WORLD_ENTERPRISES),
        *(mines[code] for code in WORLD_MINES),
        {persona: users[name] for persona, name in USERNAMES.items()},
    )


def make_world(today: dt.date | None = None) -> World:
    """The world, built once: the test session commits it before the first test and every
    test's own changes roll back (building it per test was most of the suite's time)."""
    return load_world() or _build_world(today or dt.date(2026, 11, 22))


def _build_world(today: dt.date) -> World:
    province = Division.objects.create(code="990000", name="测试省", level=DivisionLevel.PROVINCE)
    city = Division.objects.create(
        code="990100", name="测试市", level=DivisionLevel.CITY, parent=province
    )
    county_x = Division.objects.create(
        code="990101", name="甲县", level=DivisionLevel.COUNTY, parent=city
    )
    county_y = Division.objects.create(
        code="990102", name="乙县", level=DivisionLevel.COUNTY, parent=city
    )
    city_org = Organization.objects.create(
        name="测试市应急管理局", division=city, kind=OrganizationKind.EMERGENCY_BUREAU
    )
    org_x = Organization.objects.create(
        name="甲县应急管理局",
        division=county_x,
        parent=city_org,
        kind=OrganizationKind.EMERGENCY_BUREAU,
    )
    org_y = Organization.objects.create(
        name="乙县应急管理局",
        division=county_y,
        parent=city_org,
        kind=OrganizationKind.EMERGENCY_BUREAU,
    )
    inspectorate = Organization.objects.create(
        name="测试监察分局", division=province, kind=OrganizationKind.INSPECTORATE
    )
    group = make_enterprise("测试能源集团", Ownership.PROVINCIAL_SOE)
    enterprise_a = make_enterprise("甲煤业公司", Ownership.PROVINCIAL_SOE, parent=group)
    enterprise_b = make_enterprise("乙煤业公司", Ownership.PRIVATE)
    mine_a = make_mine(
        "990101000001", "标记矿甲一", enterprise_a, county_x, org_x, inspectorate=inspectorate
    )
    mine_b = make_mine(
        "990101000002", "标记矿乙二", enterprise_b, county_x, org_x, gas_grade="high"
    )
    mine_c = make_mine("990102000003", "标记矿丙三", enterprise_b, county_y, org_y)
    for mine in (mine_a, mine_b, mine_c):
        furnish(mine, today)
    anchors: dict[str, tuple[str, dict[str, Any]]] = {
        "regulator_x": (Role.COUNTY_REGULATOR, {"organization": org_x}),
        "regulator_y": (Role.COUNTY_REGULATOR, {"organization": org_y}),
        "city": (Role.CITY_REGULATOR, {"organization": city_org}),
        "inspector": (Role.INSPECTOR, {"organization": inspectorate}),
        "enterprise": (Role.ENTERPRISE_OFFICER, {"enterprise": group}),
        "mine_a": (Role.MINE_SAFETY_OFFICER, {"mine": mine_a}),
        "mine_b": (Role.MINE_SAFETY_OFFICER, {"mine": mine_b}),
        "admin": (Role.ADMIN, {"is_staff": True, "is_superuser": True}),
    }
    users = {
        persona: make_user(USERNAMES[persona], role, **anchor)
        for persona, (role, anchor) in anchors.items()
    }
    return World(
        province,
        city,
        county_x,
        county_y,
        org_x,
        org_y,
        city_org,
        group,
        enterprise_a,
        enterprise_b,
        mine_a,
        mine_b,
        mine_c,
        users,
    )


# ------------------------------------------------------------------------- browser tests


def open_page(browser: Any, errors: list[str]) -> Any:
    """A fresh Chinese-locale page in its own context; script errors are appended to ``errors``."""
    page = browser.new_context(locale="zh-CN").new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def login(page: Any, base: str, username: str) -> None:
    """Sign in through the login page as a persona of the small world; waits for the home page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def seal_old_shape(label: str, old: Any, now: dt.datetime) -> None:
    """For a migration test of a sealed history: seal its rows in their old shape a day ago, as
    the sealer did before the migration, and mark the sealer as having read up to now."""
    from minesafe.core import sealing
    from minesafe.core.models import SealMark

    old.objects.update(created_at=now - dt.timedelta(days=1))
    sealing.seal_source(sealing.Source(label, old, "created_at"), now)
    SealMark.objects.filter(source=label).update(until=now)
