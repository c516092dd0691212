"""The notifications API: the caller's own in-app notifications of every area only (theirs and
their organisation's), topic and unread filters, mark read."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from rest_framework.test import APIClient

from minesafe.notifications.choices import Channel, DeliveryStatus, Topic
from minesafe.notifications.models import Notification
from minesafe.notifications.services import about_q
from minesafe.response.models import AlarmCase
from minesafe.testing import World

_keys = itertools.count(1)


def _note(case: AlarmCase, user: Any, channel: str = Channel.IN_APP, **extra: Any) -> Notification:
    about = Notification(about=case)
    fields = {"topic": Topic.ALARM, **extra}
    return Notification.objects.create(
        kind="opened",
        kind_label="新报警",
        mine=case.mine,
        about_type=about.about_type,
        about_id=case.pk,
        url=case.get_absolute_url(),
        recipient=user,
        recipient_label=str(user or extra.get("organization")),
        channel=channel,
        level=case.level,
        subject=f"{case.mine.name} 新报警",
        body="甲烷超限",
        status=DeliveryStatus.SENT,
        key=f"test-note-{next(_keys)}",
        **fields,
    )


def _client(world: World, persona: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[persona])
    return client


@pytest.fixture
def notes(world: World) -> dict[str, list[Notification]]:
    Notification.objects.all().delete()  # the world's own (hazards furnished for the mines)
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
    assert row["unread"] is True and row["url"].startswith("/response/")
    assert row["topic"] == "alarm" and row["mine_name"]
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


def test_organisation_rows_reach_its_members_and_topics_filter(world: World, notes: Any) -> None:
    case = AlarmCase.objects.filter(mine=world.mine_a).first()
    assert case is not None
    org_row = _note(case, None, organization=world.regulator_x_org, topic=Topic.HAZARD)
    client = _client(world, "regulator_x")
    ids = {r["id"] for r in client.get("/api/notifications/").json()["results"]}
    assert org_row.pk in ids
    hazard = client.get("/api/notifications/", {"topic": "hazard"}).json()["results"]
    assert [r["id"] for r in hazard] == [org_row.pk]
    other = _client(world, "regulator_y").get("/api/notifications/").json()["results"]
    assert org_row.pk not in {r["id"] for r in other}
    assert Notification.objects.filter(about_q(case), pk=org_row.pk).exists()
