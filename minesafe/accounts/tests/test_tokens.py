"""API tokens: hashed at rest, shown once, expiring, revocable, and never minted by the admin for
someone else (whose actions the audit would then attribute to that someone)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from minesafe.testing import PASSWORD, World, api_token


def issue(username: str = "reg_x") -> dict[str, str]:
    answer = APIClient().post(
        "/api/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_stored_hashed_and_expires_after_the_configured_days(world: World) -> None:
    issued = issue()
    row = AuthToken.objects.get(user=world.users["regulator_x"])
    assert issued["token"] not in (row.digest, row.token_key)
    assert len(row.token_key) < len(issued["token"])  # a prefix to find the row, not the secret
    expiry = dt.datetime.fromisoformat(issued["expiry"])
    assert abs(expiry - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    assert row.expiry == expiry
    assert with_token(issued["token"]).get("/api/mines/").status_code == 200


def test_an_expired_token_is_refused(world: World) -> None:
    token = api_token(world.users["regulator_x"])
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert with_token(token).get("/api/mines/").status_code == 401


def test_logout_revokes_the_token_used_and_logout_all_every_token(world: World) -> None:
    first, second, third = (issue()["token"] for _ in range(3))
    answer = with_token(first).post("/api/auth/logout/")
    assert answer.status_code == 200 and answer.json() == {"revoked": 1}
    assert with_token(first).get("/api/mines/").status_code == 401
    assert with_token(second).get("/api/mines/").status_code == 200
    assert with_token(second).post("/api/auth/logout-all/").json() == {"revoked": 2}
    assert with_token(third).get("/api/mines/").status_code == 401


def test_logout_needs_a_token_not_a_session(world: World) -> None:
    client = APIClient()
    client.force_login(world.users["regulator_x"])
    assert client.post("/api/auth/logout/").status_code == 400
    assert APIClient().post("/api/auth/logout-all/").status_code == 401


def test_the_admin_lists_and_revokes_tokens_but_cannot_create_or_show_one(world: World) -> None:
    token = api_token(world.users["mine_a"])
    row = AuthToken.objects.get()
    admin = Client()
    admin.force_login(world.users["admin"])
    listing = admin.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    assert "mine_a" in listing.content.decode() and token not in listing.content.decode()
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403
    minted = admin.post("/admin/knox/authtoken/add/", {"user": world.users["regulator_x"].pk})
    assert minted.status_code == 403
    assert not AuthToken.objects.filter(user=world.users["regulator_x"]).exists()
    admin.post(f"/admin/knox/authtoken/{row.pk}/delete/", {"post": "yes"})
    assert with_token(token).get("/api/mines/").status_code == 401


@pytest.mark.django_db
def test_the_migration_drops_the_plain_text_tokens_of_rest_framework_authtoken() -> None:
    """Upgraded databases lose ``authtoken_token`` (every old token stops working)."""
    migration = importlib.import_module("minesafe.accounts.migrations.0003_drop_drf_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
    ContentType.objects.create(app_label="authtoken", model="token")
    # Not entered as a context manager: SQLite refuses that inside the test's transaction, and
    # the function only executes one statement.
    migration.drop_drf_tokens(apps, connection.schema_editor())
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="authtoken").exists()
