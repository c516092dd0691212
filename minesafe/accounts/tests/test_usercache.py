"""Sessions and the signed-in user come from the cache between changes (docs/web-performance.md),
and every change that matters takes effect on the next request: a password change or a
deactivation signs the user out everywhere, a new anchor changes the jurisdiction at once, a
logout ends the session (AUTH-1)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minesafe.accounts import usercache
from minesafe.testing import World

LIST = "/mines/"


def signed_in(world: World, who: str = "regulator_x") -> Client:
    client = Client()
    client.force_login(world.users[who])
    assert client.get(LIST).status_code == 200  # the first request fills the cache
    return client


def test_sessions_are_cached_in_front_of_the_database() -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.SESSION_CACHE_ALIAS == usercache.ALIAS


def test_a_request_reads_neither_its_session_nor_its_user_from_the_database(
    world: World,
) -> None:
    client = signed_in(world)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "django_session" not in tables
    assert '"accounts_user"' not in tables
    usercache.invalidate()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    assert '"accounts_user"' in " ".join(q["sql"] for q in queries.captured_queries)


def test_a_password_change_signs_the_other_sessions_out_on_their_next_request(
    world: World,
) -> None:
    client = signed_in(world)
    user = world.users["regulator_x"]
    user.set_password("another-password-2026")
    user.save()
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_user_is_signed_out_on_the_next_request(world: World) -> None:
    client = signed_in(world)
    user = world.users["regulator_x"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(LIST).status_code == 302


def test_a_new_anchor_changes_the_jurisdiction_on_the_next_request(world: World) -> None:
    client = signed_in(world)
    assert world.mine_a.code in client.get(LIST).content.decode()
    user = world.users["regulator_x"]
    user.organization = world.regulator_y_org
    user.save()
    page = client.get(LIST).content.decode()
    assert world.mine_c.code in page and world.mine_a.code not in page


@pytest.mark.parametrize("row", ["regulator_x_org", "county_x", "mine_a", "enterprise_a"])
def test_a_change_of_the_rows_a_user_carries_forgets_the_cached_users(
    world: World, row: str, django_capture_on_commit_callbacks: object
) -> None:
    before = usercache._generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        getattr(world, row).save()
        during = usercache._generation()
    assert before != during != usercache._generation()  # replaced at once and at the commit
    assert len(callbacks) == 1


def test_a_logout_ends_the_session_for_every_copy_of_its_cookie(world: World) -> None:
    client = signed_in(world)
    stolen = Client()
    stolen.cookies = client.cookies.__class__(client.cookies)  # the same session cookie
    assert stolen.get(LIST).status_code == 200
    client.post("/accounts/logout/")
    assert stolen.get(LIST).status_code == 302
