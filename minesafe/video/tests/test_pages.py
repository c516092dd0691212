"""Pages of video coverage (MON-7): the county overview and a mine's page, the channel register
and its all-or-nothing import, and the review of AI findings into 三违 records."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from minesafe.core.models import AuditEntry
from minesafe.testing import World
from minesafe.video import excel
from minesafe.video.choices import ChannelStatus, FindingKind, FindingState, PlaceKind
from minesafe.video.models import ChannelStatusChange, VideoChannel, VideoFinding
from minesafe.video.testing import make_channel
from minesafe.violations.choices import ViolationSource
from minesafe.violations.models import Violation


def login(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.mark.django_db
def test_mon7_overview_shows_jurisdiction_and_highlights_work_without_video(world: World) -> None:
    VideoChannel.objects.filter(mine=world.mine_b, code="CH-001").update(
        status=ChannelStatus.OFFLINE
    )
    response = login(world, "regulator_x").get("/video/")
    assert response.status_code == 200
    text = response.content.decode()
    assert world.mine_a.name in text and world.mine_b.name in text
    assert world.mine_c.name not in text
    totals = response.context["totals"]
    assert totals["work_without_video"] == 1 and totals["mines_without_video_work"] == 1
    rows = list(response.context["page"])
    assert rows[0].mine == world.mine_b  # work without video is listed first
    assert "无视频作业" in text and f"{world.mine_b.code}-1201" in text


@pytest.mark.django_db
def test_mon7_mine_page_lists_places_gaps_and_is_scoped(world: World) -> None:
    make_channel(
        world.mine_a,
        "FAN-2",
        place_kind=PlaceKind.MAIN_FAN,
        equipment="2号主要通风机",
        status=ChannelStatus.FAULT,
        retention_days=7,
    )
    url = f"/video/mines/{world.mine_a.pk}/"
    response = login(world, "mine_a").get(url)
    assert response.status_code == 200
    assessment = response.context["assessment"]
    names = {p.place.name: p for p in assessment.places}
    assert names["2号主要通风机"].reason == "fault"
    assert names["中央变电所"].reason == "no_channel"
    assert names[f"{world.mine_a.code}-1201"].covered
    assert assessment.short_retention == ("FAN-2",)
    assert response.context["may_edit"]
    assert login(world, "mine_b").get(url).status_code == 404
    assert login(world, "regulator_y").get(url).status_code == 404
    regulator = login(world, "regulator_x").get(url)
    assert regulator.status_code == 200 and not regulator.context["may_edit"]


@pytest.mark.django_db
def test_mon7_channel_form_checks_the_face_and_records_a_manual_status(world: World) -> None:
    client = login(world, "mine_a")
    face = world.mine_a.working_faces.get()
    other_face = world.mine_b.working_faces.get()
    data = {
        "mine": world.mine_a.pk,
        "code": "NEW-1",
        "name": "1201 机尾",
        "place_kind": PlaceKind.HEADING_FACE,
        "working_face": face.pk,
        "status": ChannelStatus.ONLINE,
        "retention_days": 30,
    }
    response = client.post("/video/channels/add/", data)
    assert response.status_code == 400  # a longwall is no heading
    assert (
        client.post("/video/channels/add/", {**data, "working_face": other_face.pk}).status_code
        == 400
    )
    response = client.post("/video/channels/add/", {**data, "place_kind": PlaceKind.LONGWALL_FACE})
    assert response.status_code == 302
    channel = VideoChannel.objects.get(code="NEW-1")
    assert channel.mine == world.mine_a and channel.working_face == face
    edit = {k: v for k, v in data.items() if k != "mine"}
    edit.update(place_kind=PlaceKind.LONGWALL_FACE, status=ChannelStatus.FAULT, reason="摄像头进水")
    assert client.post(f"/video/channels/{channel.pk}/edit/", edit).status_code == 302
    change = ChannelStatusChange.objects.get(channel=channel)
    assert (change.old_status, change.new_status, change.via) == ("online", "fault", "manual")
    assert login(world, "mine_b").get(f"/video/channels/{channel.pk}/edit/").status_code == 404
    assert login(world, "regulator_x").get(f"/video/channels/{channel.pk}/edit/").status_code == 403


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(excel.HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_mon7_import_with_a_bad_row_imports_nothing_and_reports_each_cell(world: World) -> None:
    face = f"{world.mine_a.code}-1201"
    data = _xlsx(
        [
            ["V-1", "机头", "采煤工作面", face, "", 30],
            ["V-2", "泵房", "主排水泵房", "", "中央水泵房", "三十"],
            ["V-3", "掘进", "掘进工作面", face, "", 30],
            ["V-1", "重复", "井口", "", "", 30],
            ["V-4", "未知", "食堂", "", "", 30],
        ]
    )
    result = excel.import_channels(world.mine_a, "c.xlsx", data)
    assert not result.ok
    where = {(e.row, e.column) for e in result.errors}
    assert where == {(3, "录像保存天数"), (4, "工作面"), (5, "通道编码"), (6, "监控场所类型")}
    assert not VideoChannel.objects.filter(code__startswith="V-").exists()


@pytest.mark.django_db
def test_mon7_csv_import_in_gbk_creates_and_updates(world: World) -> None:
    face = f"{world.mine_a.code}-1201"
    lines = [
        ",".join(excel.HEADERS),
        f"CH-001,1201机头（更新）,采煤工作面,{face},,60",
        "V-9,1号主要通风机房,主要通风机,,1号主要通风机,30",
    ]
    data = "\r\n".join(lines).encode("gb18030")
    client = login(world, "mine_a")
    upload = io.BytesIO(data)
    upload.name = "通道.csv"
    response = client.post("/video/channels/import/", {"mine": world.mine_a.pk, "file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert VideoChannel.objects.get(mine=world.mine_a, code="CH-001").retention_days == 60
    assert VideoChannel.objects.get(mine=world.mine_a, code="V-9").equipment == "1号主要通风机"
    # Mine B cannot import into mine A, and garbage is a 400 with a report.
    other = io.BytesIO(data)
    other.name = "x.csv"
    response = login(world, "mine_b").post(
        "/video/channels/import/", {"mine": world.mine_a.pk, "file": other}
    )
    assert response.status_code == 400
    junk = io.BytesIO(b"\x00\x01\x02")
    junk.name = "x.xls"
    response = client.post("/video/channels/import/", {"mine": world.mine_a.pk, "file": junk})
    assert response.status_code == 400 and "无法读取文件" in response.content.decode()
    assert login(world, "regulator_x").get("/video/channels/import/").status_code == 403


@pytest.mark.django_db
def test_mon7_template_round_trips_through_the_import(world: World) -> None:
    response = login(world, "mine_a").get("/video/channels/template.xlsx")
    assert response.status_code == 200
    result = excel.import_channels(world.mine_a, "t.xlsx", response.content)
    # The example face "1201" does not exist at mine A: reported, nothing imported.
    assert [(e.row, e.column) for e in result.errors] == [(2, "工作面")]


@pytest.mark.django_db
def test_mon7_confirmed_finding_becomes_a_video_violation_with_its_origin(world: World) -> None:
    finding = VideoFinding.objects.get(mine=world.mine_a)
    url = f"/video/findings/{finding.pk}/"
    client = login(world, "mine_a")
    assert client.get(url).context["may_review"]
    assert client.post(url + "confirm/", {"severity": "general"}).status_code == 400
    response = client.post(
        url + "confirm/", {"person_name": "王建军", "team": "综采一队", "severity": "serious"}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED and finding.reviewed_by == "mine_a"
    violation = Violation.objects.get(pk=finding.violation_id)
    assert violation.source == ViolationSource.VIDEO and violation.origin == finding
    assert violation.person_name == "王建军" and violation.severity == "serious"
    assert client.post(url + "reject/", {"note": "再审"}).status_code == 400  # already reviewed
    assert client.get(url + "snapshot/")["Content-Type"] == "image/png"
    assert login(world, "mine_b").get(url + "snapshot/").status_code == 404


@pytest.mark.django_db
def test_mon7_rejection_needs_a_reason_and_is_audited(world: World) -> None:
    finding = VideoFinding.objects.get(mine=world.mine_a)
    url = f"/video/findings/{finding.pk}/reject/"
    regulator = login(world, "regulator_x")
    assert regulator.post(url, {"note": ""}).status_code == 400
    assert login(world, "enterprise").post(url, {"note": "误报"}).status_code == 403
    assert login(world, "mine_b").post(url, {"note": "误报"}).status_code == 404
    assert regulator.post(url, {"note": "回放为巡检人员"}).status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.REJECTED and finding.violation_id is None
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(VideoFinding), object_id=str(finding.pk)
    ).first()
    assert entry is not None and entry.reason == "回放为巡检人员"


@pytest.mark.django_db
def test_mon7_equipment_finding_is_confirmed_without_a_violation(world: World) -> None:
    finding = VideoFinding.objects.get(mine=world.mine_a)
    finding.kind = FindingKind.BELT_DEVIATION
    finding.save()
    response = login(world, "mine_a").post(
        f"/video/findings/{finding.pk}/confirm/", {"severity": "general"}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED and finding.violation_id is None


@pytest.mark.django_db
def test_mon7_lists_answer_4xx_or_200_to_junk(world: World) -> None:
    client = login(world, "regulator_x")
    for url in ("/video/", "/video/channels/", "/video/findings/"):
        for query in (
            {"page": "x"},
            {"mine": "1e9"},
            {"status": "\u2603"},
            {"state": "all"},
            {"kind": "0"},
        ):
            assert client.get(url, query).status_code == 200, (url, query)
    assert (
        client.get("/video/channels/", {"mine": str(world.mine_c.pk)})
        .context["page"]
        .paginator.count
        == 0
    )


@pytest.mark.django_db
def test_mon7_work_without_video_says_how_many_people_positioning_sees(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from minesafe.positioning import services as positioning
    from minesafe.video import services

    face = world.mine_b.working_faces.get()
    VideoChannel.objects.filter(mine=world.mine_b, code="CH-001").update(
        status=ChannelStatus.OFFLINE
    )
    now = timezone.now()
    # Without a positioning picture of the mine the head count stays unknown.
    (row,) = services.coverage_of([world.mine_b], now)
    assert row.assessment.work_without_video[0].people is None
    picture = SimpleNamespace(stale=False, faces=[SimpleNamespace(pk=face.pk, count=9)])
    monkeypatch.setattr(positioning, "mine_status", lambda mine, at: picture)
    (row,) = services.coverage_of([world.mine_b], now)
    assert row.assessment.work_without_video[0].people == 9
    response = login(world, "mine_b").get(f"/video/mines/{world.mine_b.pk}/")
    assert "9 人在此作业" in response.content.decode()
    # A failing positioning area leaves the count unknown and the page working.
    monkeypatch.setattr(positioning, "mine_status", lambda mine, at: 1 / 0)
    (row,) = services.coverage_of([world.mine_b], now)
    assert row.assessment.work_without_video[0].people is None
