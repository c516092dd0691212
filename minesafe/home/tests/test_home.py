"""Each role's home page shows its own work, the menu offers only pages the role can use, and
the dossier links to every page about its mine, filtered to it (REG-1, REG-3)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minesafe.core.roles import GOVERNMENT_ROLES
from minesafe.core.scoping import VIEW, Access
from minesafe.enforcement.choices import InspectionKind
from minesafe.enforcement.models import Finding, Inspection
from minesafe.hazards.choices import OPEN_STATUSES, HazardGrade
from minesafe.hazards.models import Hazard
from minesafe.localtime import local_date
from minesafe.registry.dossier import MINE_LINKS
from minesafe.response.models import AlarmCase
from minesafe.testing import World, make_world
from minesafe.violations.models import Violation

pytestmark = pytest.mark.django_db


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def menu_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<nav id="main-nav".*?</nav>', html, re.S)
    assert block is not None
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)', block.group(0))


def test_mine_officer_home_lists_its_hazards_and_cases_not_a_county_overview() -> None:
    world = make_world()
    html = client_for(world, "mine_a").get("/").content.decode()
    assert "煤矿总数" not in html
    own = Hazard.objects.filter(mine=world.mine_a, status__in=OPEN_STATUSES)
    assert own.exists()
    for hazard in own:
        assert hazard.get_absolute_url() in html
    for hazard in Hazard.objects.filter(mine=world.mine_b):
        assert hazard.get_absolute_url() not in html
    case = AlarmCase.objects.filter(mine=world.mine_a, state="new").first()
    assert case is not None and case.get_absolute_url() in html
    other = AlarmCase.objects.filter(mine=world.mine_b).first()
    assert other is not None and other.get_absolute_url() not in html
    assert f"S-{world.mine_a.code}" in html  # its licence expiring within 90 days
    finding = Finding.objects.filter(
        inspection__mine=world.mine_a, inspection__sealed=False
    ).first()
    assert finding is not None
    Finding.objects.filter(pk=finding.pk).update(
        rectify_by=local_date() + dt.timedelta(days=5),
        rectified_on=None,
        description="通风设施待整改",
    )
    requests = client_for(world, "mine_a").get("/").content.decode()
    requests = requests[requests.index('id="home-requests"') :]
    assert "通风设施待整改" in requests
    assert "撤人指令" in html


def test_inspector_home_shows_todays_planned_inspections() -> None:
    world = make_world()
    today = local_date()
    inspection = Inspection.objects.create(
        mine=world.mine_a,
        organization=world.mine_a.supervisor,
        kind=InspectionKind.UNANNOUNCED,
        planned_on=today,
        leader=world.users["inspector"],
    )
    later = Inspection.objects.create(
        mine=world.mine_b,
        organization=world.mine_b.supervisor,
        kind=InspectionKind.UNANNOUNCED,
        planned_on=today + dt.timedelta(days=3),
    )
    html = client_for(world, "inspector").get("/").content.decode()
    assert "今日计划检查" in html and "煤矿总数" not in html
    assert inspection.get_absolute_url() in html
    assert later.get_absolute_url() not in html


def test_regulator_home_shows_the_countys_exceptions() -> None:
    world = make_world()
    hazard = Hazard.objects.filter(mine=world.mine_a, status__in=OPEN_STATUSES).first()
    assert hazard is not None
    Hazard.objects.filter(pk=hazard.pk).update(
        grade=HazardGrade.MAJOR, deadline=local_date() - dt.timedelta(days=3)
    )
    out_of_county = Hazard.objects.filter(mine=world.mine_c, status__in=OPEN_STATUSES).first()
    assert out_of_county is not None
    Hazard.objects.filter(pk=out_of_county.pk).update(
        grade=HazardGrade.MAJOR, deadline=local_date() - dt.timedelta(days=3)
    )
    html = client_for(world, "regulator_x").get("/").content.decode()
    exceptions = html[html.index('id="home-exceptions"') :]
    assert "辖区异常" in html
    assert hazard.get_absolute_url() in exceptions
    assert out_of_county.get_absolute_url() not in exceptions
    level_two = AlarmCase.objects.filter(mine=world.mine_a, effective_level__lte=2).first()
    assert level_two is not None and level_two.get_absolute_url() in exceptions
    assert "无监测数据的煤矿" in exceptions


@pytest.mark.parametrize(
    "persona", ["regulator_x", "city", "inspector", "enterprise", "mine_a", "admin"]
)
def test_every_menu_entry_opens_for_its_role(persona: str) -> None:
    world = make_world()
    client = client_for(world, persona)
    links = menu_links(client.get("/").content.decode())
    assert len(links) >= 10
    for href, label in links:
        response = client.get(href)
        assert response.status_code == 200, (persona, label, href, response.status_code)


def test_menu_hides_a_page_the_role_may_not_view(monkeypatch: Any) -> None:
    """The menu follows the model's permission: without 三违 for mine staff, the entry goes."""
    world = make_world()
    labels = [
        label for _, label in menu_links(client_for(world, "mine_a").get("/").content.decode())
    ]
    assert "三违管理" in labels
    monkeypatch.setattr(Violation, "access", Access(roles={VIEW: GOVERNMENT_ROLES}))
    labels = [
        label for _, label in menu_links(client_for(world, "mine_a").get("/").content.decode())
    ]
    assert "三违管理" not in labels and "隐患排查" in labels
    assert [
        label for _, label in menu_links(client_for(world, "inspector").get("/").content.decode())
    ].count("三违管理") == 1


def test_mine_staff_menu_goes_to_their_own_mine() -> None:
    world = make_world()
    links = dict(
        (label, href)
        for href, label in menu_links(client_for(world, "mine_a").get("/").content.decode())
    )
    assert links["本矿档案"] == world.mine_a.get_absolute_url()
    assert links["实时监测"] == reverse("monitoring:mine_live", args=[world.mine_a.pk])


def _without_controls(html: str) -> str:
    """The page without its filter drop-downs and the top bar (they name every mine in scope)."""
    html = re.sub(r"<select.*?</select>", "", html, flags=re.S)
    return re.sub(r"<header.*?</header>", "", html, flags=re.S)


@pytest.mark.parametrize("persona", ["regulator_x", "mine_a"])
def test_dossier_links_open_and_are_filtered_to_the_mine(persona: str) -> None:
    world = make_world()
    client = client_for(world, persona)
    html = client.get(world.mine_a.get_absolute_url()).content.decode()
    block = html[html.index('id="mine-links"') :]
    block = block[: block.index("</div>")]
    hrefs = re.findall(r'href="([^"]+)"', block)
    assert len(hrefs) == len(MINE_LINKS)
    for href in hrefs:
        href = href.replace("&amp;", "&")
        response = client.get(href)
        assert response.status_code == 200, (href, response.status_code)
        page = _without_controls(response.content.decode())
        assert world.mine_b.name not in page, href
        if "?mine=" in href:
            assert world.mine_a.name in page, href


def test_a_filtered_list_shows_the_other_mine_on_its_own_link() -> None:
    """The filter is real: the same lists for mine B show B and not A."""
    world = make_world()
    client = client_for(world, "regulator_x")
    for label, name, how in MINE_LINKS:
        if how != "?mine=":
            continue
        page = _without_controls(
            client.get(f"{reverse(name)}?mine={world.mine_b.pk}").content.decode()
        )
        assert world.mine_b.name in page and world.mine_a.name not in page, label
