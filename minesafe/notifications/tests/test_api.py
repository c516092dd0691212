"""The notifications API: the caller's own in-app notifications only, unread filter, mark read
(issue 6 §3)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from rest_framework.test import APIClient

from minesafe.response.choices import Channel, NotificationReason
from minesafe.response.models import AlarmCase, Notification
from minesafe.testing import World

_keys = itertools.count(1)


def _note(case: AlarmCase, user: Any, channel: str = Channel.IN_APP, **extra: Any) -> Notification:
    return Notification.objects.create(
        case=case,
        recipient=user,
        channel=channel,
        reason=NotificationReason.OPENED,
        level=case.level,
        subject=f"{case.mine.name} 新报警",
        body="甲烷超限",
        key=f"test-note-{next(_keys)}",
        **extra,
    )


def _client(world: World, persona: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[persona])
    return client


@pytest.fixture
def notes(world: World) -> dict[str, list[Notification]]:
    case_a = AlarmCase.objects.filter(mine=world.mine_a).first()
    case_b = AlarmCase.objects.filter(mine=world.mine_b).first()
    assert case_a is not None and case_b is not None
    regulator = world.users["regulator_x"]
    return {
        "regulator": [_note(case_a, regulator), _note(case_b, regulator)],
        "mine_a": [_note(case_a, world.users["mine_a"])],
        "mine_b": [_note(case_b, world.users["mine_b"])],
        "email": [_note(case_a, regulator, channel=Channel.EMAIL, address="x@example.org")],
    }


def test_list_shows_only_the_callers_in_app_notifications(world: World, notes: Any) -> None:
    body = _client(world, "regulator_x").get("/api/notifications/").json()
    ids = {row["id"] for row in body["results"]}
    assert ids == {n.pk for n in notes["regulator"]}  # not mine staff's, not the e-mail row
    row = body["results"][0]
    assert row["unread"] is True and row["case_url"].startswith("/response/")
    mine_b = _client(world, "mine_b").get("/api/notifications/").json()
    assert [r["id"] for r in mine_b["results"]] == [notes["mine_b"][0].pk]
    assert "标记矿甲一" not in str(mine_b)


def test_unread_filter_and_mark_read_by_ids(world: World, notes: Any) -> None:
    client = _client(world, "regulator_x")
    first, second = notes["regulator"]
    answer = client.post("/api/notifications/read/", {"ids": [first.pk]}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"marked": 1, "unread": 1}
    unread = client.get("/api/notifications/", {"unread": "true"}).json()["results"]
    assert [r["id"] for r in unread] == [second.pk]
    read = client.get("/api/notifications/", {"unread": "false"}).json()["results"]
    assert [r["id"] for r in read] == [first.pk]


def test_mark_all_read_leaves_other_peoples_notifications(world: World, notes: Any) -> None:
    answer = _client(world, "regulator_x").post(
        "/api/notifications/read/", {"all": True}, format="json"
    )
    assert answer.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.get(pk=notes["mine_a"][0].pk).read_at is None
    assert Notification.objects.get(pk=notes["email"][0].pk).read_at is None


def test_ids_of_someone_elses_notifications_are_ignored(world: World, notes: Any) -> None:
    other = notes["mine_a"][0]
    answer = _client(world, "mine_b").post(
        "/api/notifications/read/", {"ids": [other.pk]}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["marked"] == 0
    assert Notification.objects.get(pk=other.pk).read_at is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": ["x"]},
        {"ids": [0]},
        {"ids": [2**70]},
        {"all": "maybe"},
        [1, 2],
        "text",
    ],
)
def test_bad_mark_read_bodies_answer_400(world: World, notes: Any, body: Any) -> None:
    answer = _client(world, "regulator_x").post("/api/notifications/read/", body, format="json")
    assert answer.status_code == 400


def test_anonymous_is_refused(db: None) -> None:
    assert APIClient().get("/api/notifications/").status_code in (401, 403)
    assert APIClient().post("/api/notifications/read/", {"all": True}).status_code in (401, 403)


def test_no_detail_route_and_no_writes(world: World, notes: Any) -> None:
    client = _client(world, "regulator_x")
    pk = notes["regulator"][0].pk
    assert client.get(f"/api/notifications/{pk}/").status_code == 404
    assert client.post("/api/notifications/", {}, format="json").status_code == 405
