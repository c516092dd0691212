"""HTTP batch upload: mine staff, own mine only, same path as the runner (issue 3 §3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from minesafe.monitoring.models import Alarm, EngineCheckpoint, ReadingStat
from minesafe.monitoring.tests import files
from minesafe.testing import World, api_token

URL = "/api/monitoring/upload/"


def token_client(world: World, persona: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(world.users[persona])}")


def post_file(client: Client, name: str, data: bytes):
    return client.post(f"{URL}?name={name}", data, content_type="text/plain")


def test_mon1_upload_runs_the_file_through_the_engine(world: World) -> None:
    client = token_client(world, "mine_a")
    code = world.mine_a.code
    answers = [post_file(client, *f) for f in files.episode(code, cycles=20)]
    assert {a.status_code for a in answers} == {200}, answers[0].content
    assert answers[0].json()["points"] == 1
    assert sum(a.json()["readings"] for a in answers) == 20
    opened = files.START + dt.timedelta(seconds=40)
    alarm = Alarm.objects.get(mine=world.mine_a, kind="over_limit", opened_at=opened)
    assert alarm.closed_at is not None
    assert ReadingStat.objects.filter(mine=world.mine_a, period=300).exists()
    again = post_file(client, *files.episode(code)[1])
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert EngineCheckpoint.objects.filter(worker=f"upload:{code}").exists()


def test_mon1_upload_multipart_reports_quarantined_records(world: World) -> None:
    client = token_client(world, "mine_a")
    code = world.mine_a.code
    post_file(client, *files.cddy(code))
    name, data = files.cdss(code, files.START, {1: 0.3}, bad=1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = client.post(URL, {"file": SimpleUploadedFile(name, data)})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["readings"] == 1 and body["quarantined_count"] == 1
    assert body["quarantined"][0]["record"] == 2


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("readings.txt", b"x", "name"),
        ("990101000001_CDSS_20261122080000.txt", b"\xff\xfe", "file"),
        (
            "990101000001_CDSS_20261122080000.txt",
            b"990101000001;x;2026-11-22 08:00:00~a;b~||",
            "file",
        ),
        ("990101000001_CDSS_20261122080000.txt", b"", "file"),
    ],
)
def test_mon1_bad_files_answer_400_naming_the_problem(world, name, data, field) -> None:
    answer = post_file(token_client(world, "mine_a"), name, data)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()


def test_mon1_upload_without_a_name_is_400(world: World) -> None:
    answer = token_client(world, "mine_a").post(URL, b"abc", content_type="text/plain")
    assert answer.status_code == 400 and "name" in answer.json()


def test_mon1_only_mine_staff_upload_and_only_for_their_mine(world: World) -> None:
    name, data = files.cddy(world.mine_a.code)
    assert post_file(token_client(world, "mine_b"), name, data).status_code == 403
    assert post_file(token_client(world, "regulator_x"), name, data).status_code == 403
    assert post_file(token_client(world, "enterprise"), name, data).status_code == 403
    assert Client().post(f"{URL}?name={name}", data, content_type="text/plain").status_code in (
        401,
        403,
    )
    header_lies = data.replace(world.mine_a.code.encode(), world.mine_b.code.encode(), 1)
    assert post_file(token_client(world, "mine_a"), name, header_lies).status_code == 400
