"""Bad input answers 4xx, never 500, on every list page and endpoint (issue 2 §4, §7)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minesafe.testing import World
from tests.test_permission_walk import ROUTES

LIST_ROUTES = [r for r in ROUTES if not r.kwargs and not r.name.startswith("api-schema")]
PARAMS = [
    "q",
    "county",
    "enterprise",
    "status",
    "supervision_class",
    "gas_grade",
    "licence",
    "ownership",
    "sort",
    "page",
    "ordering",
    "search",
    "kind",
    "mine",
    "warning",
    "capacity",
    "deaths",
    "format",
    "parent",
]
junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.dictionaries(st.sampled_from(PARAMS), junk | st.integers().map(str), max_size=4))
def test_garbage_query_strings_never_500(
    route: object, query: dict[str, str], world: World
) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    response = client.get(reverse(route.name), query)  # type: ignore[attr-defined]
    assert response.status_code < 500, (route, query)


def test_garbage_json_bodies_answer_400(world: World) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    url = f"/api/mines/{world.mine_a.pk}/"
    for body in ("{", "[]", '{"capacity": {"x": 1}}', '"text"', "null"):
        response = client.patch(url, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
    assert client.post("/api/auth/token/", "{", content_type="application/json").status_code == 400


def test_nul_in_any_query_parameter_answers_400(world: World) -> None:
    """PostgreSQL refuses NUL in text: one check answers 400 for every route, page or API."""
    client = Client()
    client.force_login(world.users["regulator_x"])
    for url in ("/hazards/notifications/", "/api/mines/", reverse("registry:mine_list")):
        response = client.get(url, {"kind": "a\x00b"})
        assert response.status_code == 400, url
