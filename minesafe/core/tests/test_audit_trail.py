"""The audit trail closes its gaps: API changes carry the reason of the ``X-Change-Reason``
header, a deletion keeps a copy of what was deleted, and changes arriving by upload or heartbeat
(point thresholds, positioning definitions, a channel's status) are on the trail once per
change of state, never once per reading or heartbeat (REG-1 dossier history)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from minesafe.core.models import AuditAction, AuditEntry
from minesafe.engine.familya import parse_family_a
from minesafe.monitoring.models import SensorPoint
from minesafe.monitoring.sink import MineIndex
from minesafe.monitoring.tests import files as monitoring_files
from minesafe.positioning.models import CardHolder, PositioningArea
from minesafe.positioning.store import store_parsed
from minesafe.positioning.tests import files as positioning_files
from minesafe.registry.models import WorkingFace
from minesafe.testing import World
from minesafe.video.choices import ChannelStatus
from minesafe.video.models import VideoChannel
from minesafe.video.testing import make_channel

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def _token_client(world: World, persona: str) -> APIClient:
    """A client authenticated the way a mine system's token is: by DRF, past the middleware."""
    client = APIClient()
    client.force_authenticate(world.users[persona])
    return client


def _entries(model: type, **lookup: Any) -> Any:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), **lookup
    ).order_by("id")


def test_an_api_change_carries_the_reason_of_its_header(world: World) -> None:
    face = WorkingFace.objects.get(mine=world.mine_a)
    response = _client(world, "mine_a").patch(
        f"/api/working-faces/{face.pk}/",
        {"approved_headcount": 31},
        content_type="application/json",
        headers={"X-Change-Reason": quote("核定人数复核")},
    )
    assert response.status_code == 200, response.content
    entry = _entries(WorkingFace, object_id=str(face.pk)).last()
    assert entry.action == AuditAction.UPDATE and entry.reason == "核定人数复核"
    assert entry.changes["approved_headcount"] == [30, 31] and entry.username == "mine_a"


def test_a_reason_header_with_nul_is_400(world: World) -> None:
    face = WorkingFace.objects.get(mine=world.mine_a)
    response = _client(world, "mine_a").patch(
        f"/api/working-faces/{face.pk}/",
        {"approved_headcount": 31},
        content_type="application/json",
        headers={"X-Change-Reason": "a%00b"},
    )
    assert response.status_code == 400
    assert WorkingFace.objects.get(pk=face.pk).approved_headcount == 30


def test_the_schema_documents_the_reason_header_on_writes(world: World) -> None:
    schema = _client(world, "regulator_x").get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/working-faces/{id}/"]
    for method in ("patch", "put", "delete"):
        names = [p["name"] for p in operations[method].get("parameters", [])]
        assert "X-Change-Reason" in names, method
    assert "X-Change-Reason" not in [p["name"] for p in operations["get"].get("parameters", [])]


def test_a_deletion_keeps_a_copy_of_what_was_deleted(world: World) -> None:
    face = WorkingFace.objects.get(mine=world.mine_a)
    response = _client(world, "mine_a").delete(
        f"/api/working-faces/{face.pk}/", headers={"X-Change-Reason": quote("工作面已回采完毕")}
    )
    assert response.status_code == 204, response.content
    entry = _entries(WorkingFace, object_id=str(face.pk)).last()
    assert entry.action == AuditAction.DELETE and entry.reason == "工作面已回采完毕"
    assert entry.changes["name"] == [face.name, None]
    assert entry.changes["approved_headcount"] == [30, None]


def test_uploaded_point_thresholds_are_audited_once_per_change(world: World) -> None:
    """A new point and a changed threshold are on the trail, by the uploading mine user; the
    same definition re-sent and the readings leave nothing."""
    client = _token_client(world, "mine_a")
    code = world.mine_a.code
    url = "/api/monitoring/upload/?name={}"

    def upload(name: str, data: bytes) -> None:
        response = client.post(url.format(name), data, content_type="text/plain")
        assert response.status_code == 200, response.content

    upload(*monitoring_files.cddy(code))
    point = SensorPoint.objects.get(mine=world.mine_a, code=monitoring_files.point(code))
    first = _entries(SensorPoint, object_id=str(point.pk)).count()
    assert first >= 1
    later = monitoring_files.START + dt.timedelta(minutes=5)
    upload(*monitoring_files.cddy(code, at=later))
    for name, data in monitoring_files.episode(code, cycles=6)[1:]:
        upload(name, data)
    assert _entries(SensorPoint, object_id=str(point.pk)).count() == first
    name, data = monitoring_files.cddy(code, at=later + dt.timedelta(minutes=5))
    upload(name, data.replace(b";1.5;", b";2.0;"))
    entry = _entries(SensorPoint, object_id=str(point.pk)).last()
    assert entry.action == AuditAction.UPDATE and entry.username == "mine_a"
    assert entry.changes == {"power_off_high": [1.5, 2.0]} and entry.mine_id == world.mine_a.pk


def _feed(*files: tuple[str, bytes]) -> None:
    for name, data in files:
        store_parsed(parse_family_a(name, data), MineIndex())


def test_positioning_definitions_are_audited_as_the_system_when_they_change(
    world: World,
) -> None:
    code, f = world.mine_a.code, positioning_files
    at = f.START + dt.timedelta(days=3)
    _feed(f.ryqy(code, [("1", "T1", 10, "井底车场")], at=at))
    _feed(f.ryxx(code, [("t1", "王伟", "矿长", True, "990101197001010010")], at=at))
    area = PositioningArea.objects.get(mine=world.mine_a, code="T1")
    holder = CardHolder.objects.get(mine=world.mine_a, card="t1")
    created = _entries(PositioningArea, object_id=str(area.pk)).get()
    assert created.action == AuditAction.CREATE and created.username == "系统"
    assert created.changes["approved_headcount"] == [None, 10]
    assert "identity" not in _entries(CardHolder, object_id=str(holder.pk)).get().changes
    _feed(f.ryqy(code, [("1", "T1", 10, "井底车场")], at=at + dt.timedelta(minutes=1)))
    assert _entries(PositioningArea, object_id=str(area.pk)).count() == 1
    _feed(f.ryqy(code, [("1", "T1", 14, "井底车场")], at=at + dt.timedelta(minutes=2)))
    changed = _entries(PositioningArea, object_id=str(area.pk)).last()
    assert changed.changes == {"approved_headcount": [10, 14]}


def test_a_channel_status_flip_is_audited_not_each_heartbeat(world: World) -> None:
    now = timezone.now()
    channel = make_channel(
        world.mine_a,
        "AUD-1",
        status=ChannelStatus.ONLINE,
        last_heartbeat=now - dt.timedelta(hours=1),
    )
    client = _token_client(world, "mine_a")
    before = _entries(VideoChannel, object_id=str(channel.pk)).count()

    def beat(status: str, seconds: int) -> None:
        row = {"channel": "AUD-1", "status": status, "at": (now + dt.timedelta(seconds=seconds))}
        response = client.post(
            "/api/video/heartbeats/",
            {"heartbeats": [{**row, "at": row["at"].isoformat()}]},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content

    for seconds in (-50, -40, -30):
        beat("online", seconds)
    assert _entries(VideoChannel, object_id=str(channel.pk)).count() == before
    beat("offline", -20)
    beat("offline", -10)
    entries = list(_entries(VideoChannel, object_id=str(channel.pk)))[before:]
    assert len(entries) == 1
    assert entries[0].changes == {"status": ["online", "offline"]}
    assert (entries[0].username, entries[0].reason) == ("mine_a", "视频心跳")
