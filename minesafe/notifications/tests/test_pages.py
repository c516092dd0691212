"""The inbox, the delivery log and the preferences page: one's own rows only, an administrator's
log of everything, 4xx for bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minesafe.notifications import services
from minesafe.notifications.choices import Channel, Level, Reach, Topic
from minesafe.notifications.models import DeliveryAttempt, Notification, Preference
from minesafe.testing import World

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.fixture
def sent(world: World) -> None:
    Notification.objects.all().delete()
    world.users["mine_a"].email = "mine_a@example.test"
    world.users["mine_a"].save()
    for persona, subject in (("mine_a", "甲矿的通知"), ("mine_b", "乙矿的通知")):
        services.notify(
            services.to_users([world.users[persona]]),
            Topic.EVACUATION,
            subject,
            "正文",
            key=persona,
            level=Level.III,
            now=NOW,
        )
    email = Notification.objects.get(channel=Channel.EMAIL)
    DeliveryAttempt.objects.create(
        notification=email,
        at=NOW,
        channel=Channel.EMAIL,
        address=email.address,
        outcome="retrying",
        error="连接超时",
    )


def test_the_inbox_shows_ones_own_and_marks_them_read(world: World, sent: Any) -> None:
    client = _client(world, "mine_a")
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "甲矿的通知" in page and "乙矿的通知" not in page
    assert client.get(reverse("notifications:inbox"), {"topic": "alarm"}).status_code == 200
    assert (
        "甲矿的通知"
        not in client.get(reverse("notifications:inbox"), {"topic": "alarm"}).content.decode()
    )
    client.post(reverse("notifications:read"), {"topic": "evacuation"})
    assert not services.inbox(world.users["mine_a"]).filter(read_at=None).exists()
    assert services.inbox(world.users["mine_b"]).filter(read_at=None).exists()
    assert client.post(reverse("notifications:read"), {"topic": "nope"}).status_code == 400


def test_the_delivery_log_is_ones_own_and_an_administrators_all(world: World, sent: Any) -> None:
    own = _client(world, "mine_a").get(reverse("notifications:log")).content.decode()
    assert "连接超时" in own and "mine_a@example.test" in own and "乙矿的通知" not in own
    other = _client(world, "mine_b").get(reverse("notifications:log")).content.decode()
    assert "连接超时" not in other and "乙矿的通知" in other
    admin = _client(world, "admin").get(reverse("notifications:log"), {"channel": "email"})
    assert "连接超时" in admin.content.decode() and "乙矿的通知" not in admin.content.decode()
    junk = _client(world, "admin").get(reverse("notifications:log"), {"status": "x", "page": "z"})
    assert junk.status_code == 200


def test_preferences_are_saved_and_bad_values_refused(world: World) -> None:
    client = _client(world, "mine_a")
    assert "通知偏好" in client.get(reverse("notifications:preferences")).content.decode()
    form = {f"{t}-{c}": str(Reach.ALL) for t in Topic.values for c in ("email", "sms")}
    form["alarm-sms"] = str(Reach.NEVER)
    assert client.post(reverse("notifications:preferences"), form).status_code == 302
    saved = Preference.objects.get(user=world.users["mine_a"], topic="alarm", channel="sms")
    assert saved.reach == Reach.NEVER
    assert not Preference.objects.filter(user=world.users["mine_b"]).exists()
    bad = {**form, "hazard-email": "99"}
    assert client.post(reverse("notifications:preferences"), bad).status_code == 400
    assert (
        Preference.objects.get(user=world.users["mine_a"], topic="hazard", channel="email").reach
        == Reach.ALL
    )


def test_anonymous_is_sent_to_login(db: None) -> None:
    for name in ("inbox", "log", "preferences"):
        answer = Client().get(reverse(f"notifications:{name}"))
        assert answer.status_code == 302 and "login" in answer["Location"]
