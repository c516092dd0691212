"""Sign-in throttling (django-axes): five wrong passwords for one account, or from one client
address, lock it out for fifteen minutes on the login page and the API token endpoint alike; the
answer says when to retry, the lockout is logged and an administrator can lift it."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from minesafe.testing import PASSWORD, World

LOGIN = "/accounts/login/"
TOKEN = "/api/auth/token/"


def sign_in(client: Client, username: str, password: str = "wrong-password") -> int:
    return client.post(LOGIN, {"username": username, "password": password}).status_code


def test_five_wrong_passwords_lock_the_account_out_and_the_page_says_until_when(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    assert [sign_in(client, "reg_x") for _ in range(4)] == [200] * 4
    with caplog.at_level(logging.WARNING, logger="minesafe.accounts.lockout"):
        locked = client.post(LOGIN, {"username": "reg_x", "password": "wrong-password"})
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    retry_at = timezone.localtime(timezone.now() + dt.timedelta(minutes=15))
    page = locked.content.decode()
    assert "已被锁定 15 分钟" in page and f"{retry_at:%H:%M}" in page
    assert [r.getMessage() for r in caplog.records if r.name == "minesafe.accounts.lockout"] == [
        "Sign-in locked out after 5 failures: account 'reg_x', address 127.0.0.1, for 0:15:00"
    ]
    assert sign_in(client, "reg_x", PASSWORD) == 429  # the right password no longer helps
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(world: World) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "reg_x")
    assert sign_in(client, "reg_x", PASSWORD) == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert sign_in(client, "reg_x", PASSWORD) == 302


def test_an_account_is_locked_whatever_address_the_guesses_come_from(world: World) -> None:
    for n in range(5):
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{n}"), "reg_x")
    assert sign_in(Client(REMOTE_ADDR="198.51.100.99"), "reg_x", PASSWORD) == 429


def test_a_client_address_is_locked_whatever_accounts_it_guesses(world: World) -> None:
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for username in ("reg_x", "reg_y", "city", "mine_a", "mine_b"):
        sign_in(guesser, username)
    assert sign_in(guesser, "ent", PASSWORD) == 429
    assert sign_in(Client(REMOTE_ADDR="203.0.113.8"), "ent", PASSWORD) == 302


def test_the_token_endpoint_is_throttled_too_and_answers_json(world: World) -> None:
    client = Client()
    answers = [
        client.post(TOKEN, {"username": "reg_x", "password": "wrong-password"}) for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [400] * 4 + [429]
    body = answers[-1].json()
    assert "已被锁定" in body["detail"]
    retry_at = dt.datetime.fromisoformat(body["retry_at"])
    assert abs(retry_at - timezone.now() - dt.timedelta(minutes=15)) < dt.timedelta(minutes=1)
    right = client.post(TOKEN, {"username": "reg_x", "password": PASSWORD})
    assert right.status_code == 429
    assert not AuthToken.objects.exists()


def test_an_administrator_lifts_a_lockout_in_the_admin(world: World) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "reg_x")
    admin = Client()
    admin.force_login(world.users["admin"])
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "reg_x" in listing.content.decode()
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert sign_in(client, "reg_x", PASSWORD) == 302
