"""Heartbeat ingest and the read API of video coverage (MON-7): a bad row is reported by index
and the good rows are kept; one mine cannot see or report another mine's channels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minesafe.testing import World, api_token
from minesafe.video.choices import ChannelStatus, FindingKind, FindingState, PlaceKind
from minesafe.video.models import ChannelStatusChange, VideoChannel, VideoFinding
from minesafe.video.testing import PNG_1X1, make_channel

URL = "/api/video/heartbeats/"


def client_for(world: World, persona: str) -> APIClient:
    """The mine's video system authenticates with the API token of an account of that mine."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.users[persona])}")
    return client


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.mark.django_db
def test_mon7_heartbeat_batch_keeps_good_rows_and_reports_bad_ones_by_index(world: World) -> None:
    now = timezone.now()
    hoist = make_channel(
        world.mine_a, "H-1", place_kind=PlaceKind.HOIST, status="offline", last_heartbeat=None
    )
    body = {
        "heartbeats": [
            {"channel": "H-1", "status": "offline", "at": iso(now - dt.timedelta(minutes=2))},
            {"channel": "H-1", "status": "sleeping", "at": iso(now)},
            {"channel": "NOPE", "status": "online", "at": iso(now)},
            {"channel": "CH-001", "status": "online", "at": "yesterday"},
            "not an object",
            {"channel": "CH-001", "status": "online", "at": iso(now + dt.timedelta(hours=1))},
            {"channel": "H-1", "status": "online", "at": iso(now - dt.timedelta(minutes=1))},
        ]
    }
    response = client_for(world, "mine_a").post(URL, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["applied"] == 2 and data["status_changes"] == 1
    assert [e["index"] for e in data["errors"]] == [1, 2, 3, 4, 5]
    assert set(data["errors"][0]["errors"]) == {"status"}
    assert data["errors"][1]["errors"] == {"channel": "通道不存在或不属于本矿"}
    assert set(data["errors"][2]["errors"]) == {"at"}
    hoist.refresh_from_db()
    assert hoist.status == ChannelStatus.ONLINE
    assert abs((hoist.last_heartbeat - (now - dt.timedelta(minutes=1))).total_seconds()) < 1
    change = ChannelStatusChange.objects.get(channel=hoist)
    assert (change.old_status, change.new_status, change.via) == ("offline", "online", "heartbeat")


@pytest.mark.django_db
def test_mon7_an_older_heartbeat_changes_nothing(world: World) -> None:
    now = timezone.now()
    channel = make_channel(world.mine_a, "H-1", last_heartbeat=now)
    old = {"channel": "H-1", "status": "offline", "at": iso(now - dt.timedelta(minutes=5))}
    response = client_for(world, "mine_a").post(URL, [old], format="json")
    assert response.status_code == 200
    assert response.json()["ignored_older"] == 1
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ONLINE and channel.last_heartbeat == now


@pytest.mark.django_db
def test_mon7_mine_b_cannot_report_or_see_mine_a_channels(world: World) -> None:
    now = timezone.now()
    make_channel(world.mine_a, "A-ONLY", last_heartbeat=None, status=ChannelStatus.OFFLINE)
    row = {"channel": "A-ONLY", "status": "online", "at": iso(now)}
    client_b = client_for(world, "mine_b")
    response = client_b.post(URL, {"heartbeats": [row]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["errors"]["channel"] == "通道不存在或不属于本矿"
    # Giving mine A's code explicitly does not help either.
    explicit = {**row, "mine": world.mine_a.code}
    assert client_b.post(URL, [explicit], format="json").status_code == 400
    assert VideoChannel.objects.get(code="A-ONLY").status == ChannelStatus.OFFLINE
    codes = {c["code"] for c in client_b.get("/api/video-channels/").json()["results"]}
    assert "A-ONLY" not in codes
    assert {c["mine"] for c in client_b.get("/api/video-channels/").json()["results"]} == {
        world.mine_b.pk
    }
    own = VideoChannel.objects.get(code="A-ONLY")
    assert client_b.get(f"/api/video-channels/{own.pk}/").status_code == 404
    coverage = client_b.get("/api/video/coverage/").json()
    assert [r["mine"] for r in coverage] == [world.mine_b.pk]


@pytest.mark.django_db
def test_mon7_regulators_may_not_report_status(world: World) -> None:
    row = {"channel": "CH-001", "status": "online", "at": iso(timezone.now())}
    response = client_for(world, "regulator_x").post(URL, [row], format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, [], {"heartbeats": "x"}, {"heartbeats": {}}, "text", [None], [{"channel": ["x"]}]],
)
@pytest.mark.django_db
def test_mon7_malformed_batches_answer_400(world: World, body: Any) -> None:
    response = client_for(world, "mine_a").post(URL, body, format="json")
    assert response.status_code == 400, response.content


@pytest.mark.django_db
def test_mon7_heartbeat_batch_of_garbage_json_answers_400(world: World) -> None:
    client = client_for(world, "mine_a")
    response = client.post(URL, "{", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_mon7_coverage_api_lists_work_without_video(world: World) -> None:
    face_channel = VideoChannel.objects.get(mine=world.mine_a, code="CH-001")
    face_channel.status = ChannelStatus.OFFLINE
    face_channel.save()
    data = client_for(world, "regulator_x").get("/api/video/coverage/").json()
    by_mine = {row["mine"]: row for row in data}
    assert set(by_mine) == {world.mine_a.pk, world.mine_b.pk}
    row = by_mine[world.mine_a.pk]
    assert [p["name"] for p in row["work_without_video"]] == [f"{world.mine_a.code}-1201"]
    assert row["work_without_video"][0]["reason"] == "offline"
    assert row["covered"] < row["required"]
    assert client_for(world, "regulator_x").get("/api/video/coverage/?mine=x").status_code == 400


@pytest.mark.django_db
def test_mon7_mine_system_posts_a_finding_for_its_own_channel_only(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    own = VideoChannel.objects.get(mine=world.mine_a, code="CH-001")
    other = VideoChannel.objects.get(mine=world.mine_b, code="CH-001")
    client = client_for(world, "mine_a")
    body = {
        "channel": own.pk,
        "at": iso(timezone.now()),
        "kind": FindingKind.RIDING_BELT,
        "confidence": "0.91",
        "snapshot": SimpleUploadedFile("s.png", PNG_1X1, content_type="image/png"),
    }
    response = client.post("/api/video-findings/", body, format="multipart")
    assert response.status_code == 201, response.content
    finding = VideoFinding.objects.get(pk=response.json()["id"])
    assert finding.mine == world.mine_a and finding.state == FindingState.PENDING
    assert finding.snapshot.name.endswith(".png")
    bad = {**body, "channel": other.pk, "snapshot": SimpleUploadedFile("s.png", PNG_1X1)}
    assert client.post("/api/video-findings/", bad, format="multipart").status_code == 400
    wrong = {"channel": own.pk, "at": iso(timezone.now()), "kind": "x", "confidence": "1.5"}
    response = client.post("/api/video-findings/", wrong, format="json")
    assert response.status_code == 400 and {"kind", "confidence"} <= set(response.json())
    regulator = client_for(world, "regulator_x")
    assert regulator.post("/api/video-findings/", wrong, format="json").status_code == 403
