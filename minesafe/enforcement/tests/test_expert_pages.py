"""ENF-8: the expert pool on the inspection record: conflicts shown with why, the random draw
skips them, and a hand-picked conflicted expert is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minesafe.enforcement import services
from minesafe.enforcement.models import Expert, Inspection
from minesafe.enforcement.tests.conftest import start_check
from minesafe.localtime import local_date
from minesafe.testing import World


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.fixture
def pool(world: World) -> dict[str, Expert]:
    org = world.regulator_x_org
    mine = world.mine_a
    today = local_date()
    return {
        "at_mine": Expert.objects.create(
            organization=org, name="矿上专家", specialty="防突", employer_mine=mine
        ),
        "at_operator": Expert.objects.create(
            organization=org,
            name="近离职专家",
            specialty="防突",
            employer_enterprise=mine.enterprise,
            employed_until=today - dt.timedelta(days=30),
        ),
        "long_gone": Expert.objects.create(
            organization=org,
            name="早离职专家",
            specialty="防突",
            employer_enterprise=mine.enterprise,
            employed_until=today.replace(year=today.year - 4),
        ),
        "free": Expert.objects.create(organization=org, name="无关专家", specialty="防突"),
        "other": Expert.objects.create(organization=org, name="地测专家", specialty="地测"),
    }


@pytest.mark.django_db
def test_page_lists_excluded_experts_with_why(
    world: World, officer: Any, onsite: Inspection, pool: dict[str, Expert]
) -> None:
    page = _client(world, "regulator_x").get(onsite.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "矿上专家" in text and "现任职于被检查煤矿" in text
    assert "近离职专家" in text and "离职未满3年" in text
    assert 'id="expert-draw"' in text
    block = text.split('id="expert-conflicts"')[1].split("</td>")[0]
    assert "早离职专家" not in block and "无关专家" not in block
    assert "晋安办发〔2024〕34号" in block and "002:24" not in block


@pytest.mark.django_db
def test_draw_adds_only_eligible_experts_reproducibly(
    world: World, officer: Any, pool: dict[str, Expert]
) -> None:
    first = start_check(world, officer)
    response = _client(world, "regulator_x").post(
        reverse("enforcement:expert_draw", args=[first.pk]), {"specialty": "防突", "count": "5"}
    )
    assert response.status_code == 302
    assert set(first.experts.all()) == {pool["long_gone"], pool["free"]}

    # Same record, same specialty, same pool: the same single pick each time.
    second = start_check(world, officer)
    picks = set()
    for _ in range(2):
        second.experts.clear()
        services.draw_experts(second, officer, "防突", 1, local_date())
        picks.add(tuple(second.experts.values_list("pk", flat=True)))
    assert len(picks) == 1


@pytest.mark.django_db
def test_draw_with_nobody_eligible_or_bad_input_is_refused(
    world: World, officer: Any, onsite: Inspection, pool: dict[str, Expert]
) -> None:
    client = _client(world, "regulator_x")
    url = reverse("enforcement:expert_draw", args=[onsite.pk])
    for data in ({"specialty": "机电"}, {"specialty": "防突", "count": "x"}, {}):
        assert client.post(url, data).status_code == 302
    assert onsite.experts.count() == 0
    assert _client(world, "mine_a").post(url, {"specialty": "防突"}).status_code in (
        403,
        404,
    )
    assert onsite.experts.count() == 0


@pytest.mark.django_db
def test_hand_picked_conflicted_expert_is_refused(
    world: World, officer: Any, onsite: Inspection, pool: dict[str, Expert]
) -> None:
    from minesafe.enforcement.forms import InspectionForm

    base = {
        "mine": world.mine_a.pk,
        "kind": onsite.kind,
        "planned_on": onsite.planned_on.isoformat(),
        "leader": officer.pk,
    }
    bad = InspectionForm({**base, "experts": [pool["at_mine"].pk]}, user=officer)
    assert not bad.is_valid() and "现任职于被检查煤矿" in str(bad.errors["experts"])
    good = InspectionForm({**base, "experts": [pool["free"].pk]}, user=officer)
    assert good.is_valid(), good.errors
