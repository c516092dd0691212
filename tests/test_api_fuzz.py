"""Schema fuzzing: every operation of the published OpenAPI schema, called with data generated
from the schema itself, as a county regulator and as a mine safety officer, never answers 5xx
and always answers with a body the schema describes.

Schemathesis calls the WSGI application in-process (no server, no network). Each operation gets
a few examples from a fixed seed, so a run is bounded (a few minutes) and reproducible.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import pytest
import schemathesis
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from minesafe.testing import PASSWORD, USERNAMES
from minesafe.wsgi import application

#: The personas the schema is fuzzed as (usernames in ``minesafe.testing``).
PERSONAS = ("regulator_x", "mine_a")
#: Examples per operation: a few in CI; ``MINESAFE_FUZZ_EXAMPLES=50`` for a deeper local run.
EXAMPLES = int(os.environ.get("MINESAFE_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, response_schema_conformance]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261207,
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = application


def api_token(username: str) -> str:
    """A token for the user, obtained the way an API client does it."""
    answer = Client().post("/api/auth/token/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.content
    token: str = answer.json()["token"]
    return token


@pytest.fixture(scope="session")
def tokens(django_db_setup: None, django_db_blocker: Any) -> dict[str, str]:
    """One token per persona for the whole run (checking a password costs a third of a second;
    the tokens are committed beside the shared world)."""
    with django_db_blocker.unblock():
        return {persona: api_token(USERNAMES[persona]) for persona in PERSONAS}


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls go to the WSGI application, not Django's test client, so Django's end-of-request
    signal would close the database connection inside the test's transaction (on PostgreSQL
    every later query then fails). Keep it open, as the test client does."""
    monkeypatch.setattr(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", lambda self: None)


@functools.cache
def existing_id(path: str, token: str) -> int | None:
    """The id of the first object the persona sees in the listing above ``path``'s ``{id}``,
    so that detail operations reach a real object and not only a generated (missing) one."""
    answer = Client().get(path.split("{id}")[0], HTTP_AUTHORIZATION=f"Token {token}")
    body = answer.json() if answer.status_code == 200 else None
    rows = body.get("results") if isinstance(body, dict) else body
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return rows[0].get("id")
    return None


@pytest.mark.django_db
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_the_schema_says(case: Any, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        headers = {"Authorization": f"Token {token}"}
        case.call_and_validate(headers=headers, checks=CHECKS)
        real = existing_id(case.path, token) if "{id}" in case.path else None
        if real is not None:
            case.path_parameters = {**case.path_parameters, "id": real}
            case.call_and_validate(headers=headers, checks=CHECKS)
