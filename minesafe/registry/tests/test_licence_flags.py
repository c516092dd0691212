"""REG-3: a producing mine without valid mining / safety production licences is flagged and
proposed to the hazard ledger as a major hazard (002:34), once per mine and missing licence."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.hazards.choices import ProposalKind
from minesafe.hazards.models import HazardProposal
from minesafe.localtime import local_date
from minesafe.registry import services
from minesafe.registry.choices import LicenceKind
from minesafe.registry.models import Licence, Mine
from minesafe.testing import World


def login(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def proposals(mine: Mine) -> list[HazardProposal]:
    return list(HazardProposal.objects.filter(mine=mine, kind=ProposalKind.UNLICENSED_PRODUCTION))


def licensed(mine: Mine, until: dt.date) -> None:
    """Give the mine both required licences, valid until ``until``."""
    mine.licences.all().delete()
    for kind in (LicenceKind.MINING, LicenceKind.SAFETY_PRODUCTION):
        Licence.objects.create(
            mine=mine,
            kind=kind,
            number=f"{kind}-{mine.code}",
            issued_on=until - dt.timedelta(days=1000),
            valid_until=until,
        )


def test_reg3_licence_expiring_today_is_valid_the_day_after_it_is_flagged(world: World) -> None:
    mine = world.mine_a
    now = timezone.now()
    today = local_date(now)
    licensed(mine, today)
    assert services.check_licences(mine, now) == []
    assert proposals(mine) == []
    flags = services.check_licences(mine, now + dt.timedelta(days=1))
    assert [f.kind for f in flags] == ["mining", "safety_production"]
    made = proposals(mine)
    assert len(made) == 2
    assert all(p.hazard_id is None for p in made)
    assert "晋安办发〔2024〕34号第34项" in made[0].basis
    assert "002:34" not in made[0].basis


def test_reg3_proposal_is_created_once_per_mine_and_licence(world: World) -> None:
    mine = world.mine_a  # holds only a safety production licence: the mining licence is missing
    now = timezone.now()
    services.check_licences(mine, now)
    services.check_licences(mine, now + dt.timedelta(hours=1))
    assert services.tick(now + dt.timedelta(days=1)) >= 1
    made = proposals(mine)
    assert len(made) == 1
    assert made[0].evidence == [{"id": "licence:mining", "label": "采矿许可证"}]


def test_reg3_a_mine_not_producing_is_not_flagged(world: World) -> None:
    mine = world.mine_a
    Mine.objects.filter(pk=mine.pk).update(status="suspended")
    mine.refresh_from_db()
    assert services.check_licences(mine, timezone.now()) == []
    assert proposals(mine) == []


def test_reg3_adding_the_missing_licence_clears_the_flag(world: World) -> None:
    mine = world.mine_a
    client = login(world, "regulator_x")
    url = reverse("registry:mine_detail", args=[mine.pk])
    body = client.get(url).content.decode()
    assert 'id="unlicensed"' in body and "无有效采矿许可证" in body
    today = local_date()
    response = client.post(
        reverse("registry:licence_add", args=[mine.pk]),
        {
            "kind": "mining",
            "number": "C-1",
            "issuer": "省自然资源厅",
            "issued_on": (today - dt.timedelta(days=10)).isoformat(),
            "valid_until": (today + dt.timedelta(days=400)).isoformat(),
            "reason": "补录采矿许可证",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert 'id="unlicensed"' not in client.get(url).content.decode()


def test_reg3_status_change_to_producing_raises_the_proposal(world: World) -> None:
    mine = world.mine_a
    Mine.objects.filter(pk=mine.pk).update(status="construction")
    response = login(world, "regulator_x").post(
        reverse("registry:mine_status", args=[mine.pk]),
        {
            "new_status": "trial",
            "changed_on": local_date().isoformat(),
            "reason": "联合试运转",
            "acceptance_document": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(proposals(mine)) == 1


def test_reg3_licence_warnings_page_lists_unlicensed_mines_in_scope(world: World) -> None:
    body = login(world, "regulator_x").get(reverse("registry:licence_list")).content.decode()
    assert 'id="unlicensed"' in body
    assert world.mine_a.name in body
    assert world.mine_c.name not in body.split('id="unlicensed"')[1].split("</div>")[0]
    licensed(world.mine_a, local_date() + dt.timedelta(days=400))
    licensed(world.mine_b, local_date() + dt.timedelta(days=400))
    body = login(world, "regulator_x").get(reverse("registry:licence_list")).content.decode()
    assert 'id="unlicensed"' not in body


def test_reg3_licence_expired_through_the_api_raises_the_proposal(world: World) -> None:
    from rest_framework.test import APIClient

    mine = world.mine_a
    licensed(mine, local_date() + dt.timedelta(days=400))
    licence = mine.licences.get(kind=LicenceKind.SAFETY_PRODUCTION)
    client = APIClient()
    client.force_authenticate(world.users["regulator_x"])
    yesterday = local_date() - dt.timedelta(days=1)
    answer = client.patch(
        f"/api/licences/{licence.pk}/", {"valid_until": yesterday.isoformat()}, format="json"
    )
    assert answer.status_code == 200, answer.content
    made = proposals(mine)
    assert [p.evidence[0]["id"] for p in made] == ["licence:safety_production"]
