"""The positioning API (issue 6 §5): read endpoints scoped to jurisdiction, POST of the descent
register and the wellhead display by the mine's own staff, bad input answered 400."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minesafe.positioning.models import DescentRecord, Presence, WellheadDisplay
from minesafe.positioning.testing import make_descent, make_snapshot

pytestmark = pytest.mark.django_db


def api(world: Any, persona: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[persona])
    return client


def rows(response: Any) -> list[dict[str, Any]]:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


@pytest.fixture
def busy(world: Any) -> Any:
    now = timezone.now()
    people = [
        {
            "card": "p1",
            "name": "王伟",
            "area_code": "A1",
            "area_name": "井底车场",
            "area_approved": 1,
        },
        {"card": "p2", "name": "李强", "area_code": "A1", "is_leader": True},
    ]
    make_snapshot(world.mine_a, now - dt.timedelta(seconds=20), people)
    make_descent(world.mine_a, "王伟", now - dt.timedelta(hours=1))
    return world


def test_mines_now_scoped(busy: Any) -> None:
    world = busy
    listed = rows(api(world, "regulator_x").get("/api/positioning/mines/"))
    by_code = {r["mine_code"]: r for r in listed}
    assert set(by_code) == {world.mine_a.code, world.mine_b.code}
    assert by_code[world.mine_a.code]["underground"] == 2
    assert by_code[world.mine_b.code]["underground"] is None  # no fresh data, not zero
    assert by_code[world.mine_a.code]["areas_over"] == ["井底车场"]
    assert rows(api(world, "mine_b").get("/api/positioning/mines/"))[0]["mine_code"] == (
        world.mine_b.code
    )


def test_mine_detail_and_correspondence(busy: Any) -> None:
    world = busy
    client = api(world, "regulator_x")
    detail = client.get(f"/api/positioning/mines/{world.mine_a.pk}/").json()
    assert detail["underground"] == 2 and {p["card"] for p in detail["people"]} == {"p1", "p2"}
    assert next(a for a in detail["areas"] if a["code"] == "A1")["over"] is True
    corr = client.get(f"/api/positioning/mines/{world.mine_a.pk}/correspondence/").json()
    assert corr["register_count"] == 1 and corr["positioning_count"] == 2
    assert {"name": "李强", "present_in": "positioning", "missing_from": "register"} in corr[
        "disagreements"
    ]
    assert api(world, "mine_b").get(f"/api/positioning/mines/{world.mine_a.pk}/").status_code == 404


def test_card_trajectory(busy: Any) -> None:
    world = busy
    card = Presence.objects.get(mine=world.mine_a, card="p1")
    client = api(world, "regulator_x")
    track = client.get(f"/api/positioning/cards/{card.pk}/trajectory/").json()
    assert [p["kind"] for p in track] == ["enter"] and track[0]["area_code"] == "A1"
    bad = client.get(f"/api/positioning/cards/{card.pk}/trajectory/?stay=²")
    assert bad.status_code == 400
    assert api(world, "regulator_y").get(f"/api/positioning/cards/{card.pk}/").status_code == 404


def test_mine_staff_post_register_and_display(busy: Any) -> None:
    world = busy
    client = api(world, "mine_a")
    when = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    created = client.post(
        "/api/positioning/descents/",
        {"mine": world.mine_a.pk, "name": "周涛", "went_down_at": when},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert DescentRecord.objects.get(name="周涛").source == "api"
    shown = client.post(
        "/api/positioning/displays/",
        {"mine": world.mine_a.pk, "at": when, "count": 2, "names": ["王伟", "李强"]},
        format="json",
    )
    assert shown.status_code == 201, shown.content
    assert WellheadDisplay.objects.filter(mine=world.mine_a, count=2).exists()
    wrong = client.post(
        "/api/positioning/displays/",
        {"mine": world.mine_a.pk, "at": when, "count": 3, "names": ["王伟"]},
        format="json",
    )
    assert wrong.status_code == 400
    other = client.post(
        "/api/positioning/descents/",
        {"mine": world.mine_b.pk, "name": "周涛", "went_down_at": when},
        format="json",
    )
    assert other.status_code == 400
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    late = client.post(
        "/api/positioning/descents/",
        {"mine": world.mine_a.pk, "name": "周涛", "went_down_at": future},
        format="json",
    )
    assert late.status_code == 400


def test_regulators_cannot_post(busy: Any) -> None:
    world = busy
    response = api(world, "regulator_x").post(
        "/api/positioning/descents/",
        {"mine": world.mine_a.pk, "name": "x", "went_down_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 403
