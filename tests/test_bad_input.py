"""Bad input answers 4xx, never 500, on every list page and endpoint (issue 2 §4, §7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minesafe.testing import World
from tests.test_permission_walk import ROUTES, _object_of_mine_a

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


BAD_VALUES = {
    "integer": [10**30, -(10**30), -1],
    "date": ["0001-01-01", "9999-12-31"],
    "date-time": ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59Z"],
}


def _api_schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _bad_values(schema: dict[str, Any], components: dict[str, Any]) -> list[Any]:
    """The hostile values of one property: its own kind's, or lists of them for a list."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "array":
        return [[value] for value in _bad_values(schema.get("items", {}), components)]
    kind = "integer" if schema.get("type") == "integer" else schema.get("format", "")
    return BAD_VALUES.get(kind, [])


def _bodies() -> list[tuple[str, str, str, Any]]:
    """(method, path, field, value) for every integer and date property of every JSON body."""
    schema = _api_schema()
    components = schema["components"]["schemas"]
    out = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            body = components.get(ref.rsplit("/", 1)[-1], {})
            for field, prop in body.get("properties", {}).items():
                out.extend((method, path, field, v) for v in _bad_values(prop, components))
    return out


BODIES = _bodies()


#: Values for path parameters other than ``{id}`` (a workflow step's name).
PATH_SAMPLES = {"{name}": "accept"}


def _url(path: str, world: World) -> str:
    """``path`` with ``{id}`` standing for an object of mine A of the route's model."""
    for param, value in PATH_SAMPLES.items():
        path = path.replace(param, value)
    if "{id}" not in path:
        return path
    model = resolve(path.replace("{id}", "1")).func.cls.queryset.model
    return path.replace("{id}", str(_object_of_mine_a(model, world).pk))


def test_the_sweep_covers_the_named_fields() -> None:
    covered = {(path, field) for _, path, field, _ in BODIES}
    assert ("/api/evacuation-orders/", "mines") in covered
    assert ("/api/notifications/read/", "ids") in covered
    assert ("/api/enforcement/referrals/", "sent_on") in covered


@pytest.mark.parametrize("persona", ["regulator_x", "mine_a"])
def test_hostile_integers_and_dates_in_api_bodies_never_500(world: World, persona: str) -> None:
    """Huge and negative integers, dates in year 1 and 9999, in every integer or date field of
    every API body: a 4xx (or success), never a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users[persona])
    failures = []
    for method, path, field, value in BODIES:
        with transaction.atomic():
            url = _url(path, world)
            response = getattr(client, method)(url, {field: value}, content_type="application/json")
            transaction.set_rollback(True)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url} {field}={value!r}")
    assert not failures, failures


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def _field_refused(response: Any, field: str) -> bool:
    return response.status_code == 400 and field in response.json()


def test_huge_ids_in_an_evacuation_order_are_400_naming_the_field(world: World) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    body = {
        "mines": [world.mine_a.pk],
        "reason": "weather",
        "text": "暴雨撤人",
        "deadline": "2030-01-01T08:00:00+08:00",
    }
    for field, value in [
        ("mines", [10**30]),
        ("mines", [-1]),
        ("warning", 10**30),
        ("alarm_case", 10**30),
    ]:
        response = _post(client, "/api/evacuation-orders/", {**body, field: value})
        assert _field_refused(response, field), (field, value, response.content)


def test_huge_ids_when_marking_notifications_read_are_400_naming_the_field(world: World) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    for ids in ([10**30], [2**63], [-1]):
        response = _post(client, "/api/notifications/read/", {"ids": ids})
        assert _field_refused(response, "ids"), (ids, response.content)
    for case in (str(10**30), "²", "-1"):
        page = client.post(reverse("response:notifications_read"), {"case": case})
        assert page.status_code == 400 and b"case" in page.content, case


@pytest.mark.parametrize("sent_on", ["0001-01-01", "1990-01-01"])
def test_a_referral_dated_before_the_first_rule_edition_is_400_naming_the_date(
    world: World, sent_on: str
) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    body = {"mine": world.mine_a.pk, "target": "police", "matter": "停供", "sent_on": sent_on}
    response = _post(client, "/api/enforcement/referrals/", body)
    assert _field_refused(response, "sent_on"), response.content


@pytest.mark.parametrize("found_at", ["0001-01-01T10:00:00+08:00", "1990-01-01T10:00:00+08:00"])
def test_a_hazard_found_before_the_first_rule_edition_is_400_naming_the_date(
    world: World, found_at: str
) -> None:
    client = Client()
    client.force_login(world.users["mine_a"])
    body = {
        "mine": world.mine_a.pk,
        "place": "1201回风巷",
        "source": "mine_self_check",
        "finder": "张三",
        "found_at": found_at,
        "description": "支护不及时",
        "profession": "ventilation",
        "grade": "general",
    }
    response = _post(client, "/api/hazards/", body)
    assert _field_refused(response, "found_at"), response.content
