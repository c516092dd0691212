"""Late data never changes stored monitoring history (AQ 6201 4.6.6; MON-1, MON-2).

A back-dated upload used to merge into a stored minute (max 0.298 → 3.99) and open alarms
after the fact, with no trace. Readings at or before their point's watermark are now kept as
late arrivals, counted per mine, and the alarms they would have raised are stored flagged
late with both the reading time and the arrival time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from minesafe.monitoring import runner
from minesafe.monitoring.models import Alarm, LateReading, ReadingStat
from minesafe.monitoring.tests import files
from minesafe.testing import World, api_token

URL = "/api/monitoring/upload/"
BEFORE_NOON = files.START + dt.timedelta(hours=1)  # the test world has its own alarm at noon


def client_of(world: World, persona: str = "mine_a") -> Client:
    token = api_token(world.users[persona])
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def session_of(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def upload(client: Client, name: str, data: bytes):
    return client.post(f"{URL}?name={name}", data, content_type="text/plain")


def polls(mine: str, seconds: range, value: float = 0.3) -> list[tuple[str, bytes]]:
    return [
        files.cdss(mine, files.START + dt.timedelta(seconds=s), {1: value + s / 10_000})
        for s in seconds
    ]


def stored(world: World) -> list[tuple]:
    """Every stored statistic of mine A before noon, as the history page reads them."""
    return list(
        ReadingStat.objects.filter(mine=world.mine_a, bucket__lt=BEFORE_NOON)
        .order_by("period", "point_code", "bucket")
        .values_list("period", "point_code", "bucket", "max", "min", "avg", "count")
    )


def back_dated(mine: str) -> tuple[str, bytes]:
    """A file for 08:00:35, a time already stored, reading 3.99 % methane."""
    return files.cdss(mine, files.START + dt.timedelta(seconds=35), {1: 3.99})


def late_readings(world: World):
    """Mine A's late readings of this test (the test world has its own, at noon)."""
    return LateReading.objects.filter(mine=world.mine_a, read_at__lt=BEFORE_NOON)


def assert_kept_as_late(world: World, arrived_after: dt.datetime) -> Alarm:
    (late,) = late_readings(world)
    assert late.read_at == files.START + dt.timedelta(seconds=35)
    assert late.value == pytest.approx(3.99) and late.arrived_at >= arrived_after
    alarms = Alarm.objects.filter(
        mine=world.mine_a, point_code=late.point_code, opened_at__lt=BEFORE_NOON
    )
    assert not alarms.filter(late=False).exists(), "a late reading opened a live alarm"
    over = alarms.get(late=True, kind="over_limit")
    assert over.opened_at == late.read_at and over.arrived_at == late.arrived_at
    assert over.closed_at is not None and over.peak == pytest.approx(3.99)
    assert over.key.startswith("late|")
    return over


def test_mon2_back_dated_upload_leaves_stored_minutes_and_keeps_a_late_arrival(world: World):
    client = client_of(world)
    code = world.mine_a.code
    assert upload(client, *files.cddy(code)).status_code == 200
    for name, data in polls(code, range(10, 130, 10)):
        assert upload(client, name, data).status_code == 200
    history = stored(world)
    assert max(row[3] for row in history) < 0.32  # 0.3 % all along
    started = dt.datetime.now(dt.UTC)
    answer = upload(client, *back_dated(code))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["readings"] == 0 and body["late_readings"] == 1
    assert body["late_alarms_created"] >= 1 and body["alarms_created"] == 0
    assert stored(world) == history
    alarm = assert_kept_as_late(world, started)
    # Both times on the alarm page and in the API; the count on the mine's live page.
    regulator = session_of(world, "regulator_x")
    page = regulator.get(alarm.get_absolute_url())
    assert page.status_code == 200 and "数据到达时间" in page.content.decode()
    api = client.get(f"/api/alarms/{alarm.pk}/").json()
    assert api["late"] is True and api["arrived_at"] and api["opened_at"]
    listed = client.get(f"/api/late-readings/?mine={world.mine_a.pk}").json()
    count = LateReading.objects.filter(mine=world.mine_a).count()
    assert listed["count"] == count and listed["results"][0]["arrived_at"]
    live = regulator.get(f"/monitoring/mines/{world.mine_a.pk}/live/")
    assert f"迟到数据</strong>：{count} 条读数" in live.content.decode()
    listed = regulator.get(f"/monitoring/?mine={world.mine_a.pk}&late=true").content.decode()
    assert alarm.get_absolute_url() in listed and "迟到" in listed


def run_dir(folder: Path, tmp: Path) -> runner.Stats:
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--once", "--worker", "w", "--archive", str(tmp / "archive"),
         "--quarantine", str(tmp / "q.jsonl")]
    )  # fmt: skip
    return asyncio.run(runner.build_runner(args).run())


def archive_of(tmp: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted((tmp / "archive").rglob("*.parquet"))}


@pytest.mark.django_db(transaction=True)
def test_mon2_back_dated_file_after_a_runner_stored_the_time(world: World, tmp_path: Path):
    code = world.mine_a.code
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in [files.cddy(code), *polls(code, range(10, 130, 10))]:
        (folder / name).write_bytes(data)
    run_dir(folder, tmp_path)
    history, archived = stored(world), archive_of(tmp_path)
    assert history and archived
    started = dt.datetime.now(dt.UTC)
    # The same back-dated file, once through the runner and once as an upload: both late.
    (folder / back_dated(code)[0]).write_bytes(back_dated(code)[1])
    assert run_dir(folder, tmp_path).files == 1
    assert stored(world) == history and archive_of(tmp_path) == archived
    assert_kept_as_late(world, started)
    late_readings(world).delete()
    Alarm.objects.filter(late=True).delete()
    answer = upload(client_of(world), *back_dated(code))
    assert answer.status_code == 200 and answer.json()["late_readings"] == 1
    assert stored(world) == history
    assert_kept_as_late(world, started)


@pytest.mark.django_db(transaction=True)
def test_mon2_runner_keeps_as_late_what_an_upload_already_stored(world: World, tmp_path: Path):
    """An upload judges with its own engine: the runner learns of the history it stored and
    takes a file it then receives for that time as late."""
    client = client_of(world)
    code = world.mine_a.code
    assert upload(client, *files.cddy(code)).status_code == 200
    for name, data in polls(code, range(10, 130, 10)):
        assert upload(client, name, data).status_code == 200
    history = stored(world)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / back_dated(code)[0]).write_bytes(back_dated(code)[1])
    started = dt.datetime.now(dt.UTC)
    assert run_dir(folder, tmp_path).files == 1
    assert stored(world) == history and not archive_of(tmp_path)
    assert_kept_as_late(world, started)
    assert late_readings(world).get().worker == "w"
