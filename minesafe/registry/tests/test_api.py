"""The register's REST API (issue 2 §4): token auth, scoping, filters, 400 on bad input."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from minesafe.citations import cite
from minesafe.core.models import AuditEntry
from minesafe.registry.models import Licence, Mine, WorkingFace
from minesafe.testing import PASSWORD, World


def api(world: World, persona: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[persona])
    return client


def codes(response: Any) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


def test_token_auth_round_trip(world: World) -> None:
    client = APIClient()
    answer = client.post(
        "/api/auth/token/", {"username": "reg_x", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    mines = client.get("/api/mines/")
    assert mines.status_code == 200
    assert mines.json()["count"] == 2


def test_token_auth_refuses_a_wrong_password(world: World) -> None:
    answer = APIClient().post(
        "/api/auth/token/", {"username": "reg_x", "password": "nope"}, format="json"
    )
    assert answer.status_code == 400
    assert APIClient().get("/api/mines/").status_code == 401


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("regulator_x", {"990101000001", "990101000002"}),
        ("regulator_y", {"990102000003"}),
        ("city", {"990101000001", "990101000002", "990102000003"}),
        ("enterprise", {"990101000001"}),
        ("mine_a", {"990101000001"}),
        ("mine_b", {"990101000002"}),
    ],
)
def test_reg1_mine_list_is_scoped_by_jurisdiction(
    world: World, persona: str, expected: set[str]
) -> None:
    response = api(world, persona).get("/api/mines/")
    assert response.json()["count"] == len(expected)
    assert codes(response) == expected


def test_out_of_jurisdiction_detail_is_404(world: World) -> None:
    client = api(world, "regulator_y")
    assert client.get(f"/api/mines/{world.mine_a.pk}/").status_code == 404
    face = WorkingFace.objects.filter(mine=world.mine_a).get()
    assert client.get(f"/api/working-faces/{face.pk}/").status_code == 404


def test_filters_status_class_gas_and_licence(world: World) -> None:
    client = api(world, "city")
    assert codes(client.get("/api/mines/?gas_grade=high")) == {"990101000002"}
    assert client.get("/api/mines/?licence=30").json()["count"] == 3  # all expire in 20 days
    assert client.get("/api/mines/?licence=expired").json()["count"] == 0
    enterprise = client.get(f"/api/mines/?enterprise={world.group.pk}")
    assert codes(enterprise) == {"990101000001"}  # the group's sub-enterprise's mine
    assert client.get("/api/mines/?status=nonsense").status_code == 400


def test_reg4_regulator_overrides_class_with_reason_and_it_is_audited(world: World) -> None:
    client = api(world, "regulator_x")
    url = f"/api/mines/{world.mine_a.pk}/"
    missing = client.patch(url, {"class_override": "C"}, format="json")
    assert missing.status_code == 400
    assert "class_override_reason" in missing.json()
    ok = client.patch(
        url, {"class_override": "C", "class_override_reason": "近期多次举报"}, format="json"
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["supervision_class"] == "C"
    entry = AuditEntry.objects.filter(mine=world.mine_a, action="update").latest("id")
    assert entry.changes["class_override"] == ["", "C"]
    assert entry.username == "reg_x"


def test_reg4_mine_staff_cannot_change_the_register(world: World) -> None:
    response = api(world, "mine_a").patch(
        f"/api/mines/{world.mine_a.pk}/", {"capacity": "999"}, format="json"
    )
    assert response.status_code == 403
    world.mine_a.refresh_from_db()
    assert world.mine_a.capacity != 999


def test_mine_edits_its_own_working_faces_only(world: World) -> None:
    client = api(world, "mine_a")
    created = client.post(
        "/api/working-faces/",
        {
            "mine": world.mine_a.pk,
            "name": "8102综采",
            "kind": "longwall",
            "status": "planned",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    other = client.post(
        "/api/working-faces/",
        {
            "mine": world.mine_b.pk,
            "name": "偷建工作面",
            "kind": "development",
            "status": "active",
        },
        format="json",
    )
    assert other.status_code == 400
    assert "mine" in other.json()
    duplicate = client.post(
        "/api/working-faces/",
        {
            "mine": world.mine_a.pk,
            "name": "8102综采",
            "kind": "longwall",
            "status": "planned",
        },
        format="json",
    )
    assert duplicate.status_code == 400


def test_bad_input_answers_field_errors_never_500(world: World) -> None:
    client = api(world, "regulator_x")
    url = f"/api/mines/{world.mine_a.pk}/"
    for payload in (
        {"capacity": "-5"},
        {"capacity": "lots"},
        {"latitude": "123"},
        {"gas_grade": "medium"},
        {"enterprise": 999999},
        {"county": world.county_y.pk},
    ):
        response = client.patch(url, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert set(payload) & set(response.json()), response.json()
    licence = Licence.objects.filter(mine=world.mine_a).get()
    backwards = client.patch(
        f"/api/licences/{licence.pk}/", {"valid_until": "2000-01-01"}, format="json"
    )
    assert backwards.status_code == 400
    assert "valid_until" in backwards.json()
    assert client.get("/api/mines/?page=999").status_code == 404
    assert client.post("/api/mines/", {}, format="json").status_code == 405


def test_rules_endpoints_share_the_rule_functions(world: World) -> None:
    client = api(world, "mine_a")
    approval = client.post(
        "/api/rules/project-approval/",
        {
            "kind": "new",
            "capacity": 100,
            "depth": 500,
            "gas_grade": "low",
            "rock_burst": False,
            "hydro_type": "simple",
            "size": "medium",
        },
        format="json",
    )
    assert approval.status_code == 200
    assert approval.json()["allowed"] is False
    assert approval.json()["reasons"][0]["source"] == cite("002:55")
    grade = client.post(
        "/api/rules/accident-grade/",
        {"deaths": 3, "serious_injuries": 0, "direct_loss": 0},
        format="json",
    )
    assert grade.json() == {"grade": "serious", "by": ["deaths"]}
    bad = client.post("/api/rules/accident-grade/", {"deaths": -1}, format="json")
    assert bad.status_code == 400
    assert {"deaths", "serious_injuries", "direct_loss"} <= set(bad.json())


def test_openapi_schema_lists_the_resources(world: World) -> None:
    response = api(world, "regulator_x").get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for resource in ("mines", "enterprises", "organisations", "working-faces", "licences"):
        assert f"/api/{resource}/" in paths
    assert Mine.objects.count() == 3
