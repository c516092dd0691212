"""Implausible records are quarantined in every source, never stored, never a stop (MON-1,
MON-3): a reading dated 0001-01-01 used to answer 500 for the whole upload and to crash the
directory runner again after every restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from minesafe.monitoring import runner
from minesafe.monitoring.models import EngineCheckpoint, ReadingStat
from minesafe.monitoring.quarantine import QuarantineFile
from minesafe.monitoring.tests import files
from minesafe.testing import World, api_token

URL = "/api/monitoring/upload/"
GOOD = 50


def cdss_with(mine: str, at: dt.datetime, extra: list[tuple[str, str]]) -> tuple[str, bytes]:
    """A CDSS file at ``at``: GOOD good readings, then records of (value, time text)."""
    name, data = files.cdss(mine, at, dict.fromkeys(range(1, GOOD + 1), 0.3))
    tail = "".join(
        f"{files.point(mine, 1)};甲烷;回风隅角;{value};%CH4;0;{when}~" for value, when in extra
    )
    return name, data.removesuffix(b"||") + tail.encode() + b"||"


IMPLAUSIBLE = [
    ("0.31", "0001-01-01 00:00:00"),  # before networked monitoring existed
    ("0.31", "2999-01-01 00:00:00"),  # far ahead of its arrival
    ("1e300", files.text_time(files.START)),  # no sensor reports such a magnitude
]


def upload(world: World, name: str, data: bytes):
    token = api_token(world.users["mine_a"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    return client.post(f"{URL}?name={name}", data, content_type="text/plain")


def test_mon1_upload_quarantines_an_implausible_time_and_keeps_the_50_good(world: World):
    code = world.mine_a.code
    assert upload(world, *files.cddy(code, points=GOOD)).status_code == 200
    answer = upload(world, *cdss_with(code, files.START, IMPLAUSIBLE))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["readings"] == GOOD and body["quarantined_count"] == len(IMPLAUSIBLE)
    reasons = [q["reason"] for q in body["quarantined"]]
    assert "before the earliest plausible" in reasons[0]
    assert "after the latest plausible" in reasons[1]
    assert "plausible magnitude" in reasons[2]
    assert [q["record"] for q in body["quarantined"]] == [GOOD + 1, GOOD + 2, GOOD + 3]
    minutes = ReadingStat.objects.filter(mine=world.mine_a, period=60)
    assert sum(minutes.values_list("count", flat=True)) == GOOD
    assert max(minutes.values_list("max", flat=True)) == pytest.approx(0.3)


def test_mon1_upload_of_a_file_dated_0001_is_400_not_500(world: World):
    code = world.mine_a.code
    name = f"{code}_CDSS_00010101000000.txt"
    answer = upload(world, name, f"{code};测试矿;0001-01-01 00:00:00~||".encode())
    assert answer.status_code == 400, answer.content
    assert "file" in answer.json() or "name" in answer.json()


@pytest.mark.parametrize("kind", ["CDSS", "CDDY", "RYSS", "AQSS"])
def test_mon1_header_only_file_is_400(world: World, kind: str):
    code, at = world.mine_a.code, files.text_time(files.START)
    name = f"{code}_{kind}_{files.stamp(files.START)}"
    if kind.startswith("AQ"):
        data = f'<root><head cs_mine_code="{code}" cs_data_time="{at}"/></root>'
        answer = upload(world, f"{name}.xml", data.encode())
    else:
        answer = upload(world, f"{name}.txt", f"{code};测试矿;{at}~||".encode())
    assert answer.status_code == 400, answer.content
    assert answer.json()["file"] == ["文件中没有可用的记录"]
    assert not EngineCheckpoint.objects.filter(worker=f"upload:{code}").exists()


def test_mon1_file_of_a_type_the_platform_does_not_use_is_still_accepted(world: World):
    code, at = world.mine_a.code, files.text_time(files.START)
    name = f"{code}_FZSS_{files.stamp(files.START)}.txt"
    answer = upload(world, name, f"{code};测试矿;{at}~F1;1;0;{at}~||".encode())
    assert answer.status_code == 200, answer.content
    assert answer.json()["readings"] == 0 and answer.json()["quarantined_count"] == 0


def run_dir(folder: Path, tmp: Path) -> runner.Stats:
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--once", "--worker", "w", "--no-archive",
         "--quarantine", str(tmp / "q.jsonl")]
    )  # fmt: skip
    return asyncio.run(runner.build_runner(args).run())


@pytest.mark.django_db(transaction=True)
def test_mon1_runner_quarantines_an_implausible_time_and_goes_on(world: World, tmp_path: Path):
    code = world.mine_a.code
    folder = tmp_path / "in"
    folder.mkdir()
    later = files.START + dt.timedelta(minutes=2)
    for name, data in [
        files.cddy(code, points=GOOD),
        cdss_with(code, files.START, IMPLAUSIBLE),
        files.cdss(code, later, dict.fromkeys(range(1, GOOD + 1), 0.2)),
    ]:
        (folder / name).write_bytes(data)
    first = run_dir(folder, tmp_path)
    assert first.files == 3 and first.readings == 2 * GOOD
    rows = QuarantineFile(tmp_path / "q.jsonl").read()
    assert [r["record"] for r in rows] == [GOOD + 1, GOOD + 2, GOOD + 3]
    # A restart over the same directory neither crashes nor stores anything twice.
    again = run_dir(folder, tmp_path)
    assert again.files == 0
    minutes = ReadingStat.objects.filter(mine=world.mine_a, period=60)
    assert sum(minutes.values_list("count", flat=True)) == 2 * GOOD


@pytest.mark.django_db(transaction=True)
def test_mon1_nats_and_mqtt_quarantine_an_implausible_time_and_go_on(
    world: World, nats_stream, mqtt_broker, tmp_path: Path, unique: str
):
    """The brokers take the same path: the bad record refused, the good ones stored."""
    from minesafe.monitoring.tests import brokerutil
    from minesafe.monitoring.tests.test_brokers import mqtt_message, nats_args, run

    code = world.mine_a.code
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / files.cddy(code, points=GOOD)[0]).write_bytes(files.cddy(code, points=GOOD)[1])
    published = [cdss_with(code, files.START, IMPLAUSIBLE[:1])]
    brokerutil.run(
        brokerutil.publish_files(nats_stream["url"], nats_stream["stream"], nats_stream["prefix"],
                                 published)
    )  # fmt: skip
    nats = run([*nats_args(nats_stream, tmp_path), "--dir", str(defs)])
    assert nats.readings == GOOD and nats.quarantined == 1
    root = mqtt_broker["root"]
    later = files.START + dt.timedelta(minutes=5)
    message = mqtt_message(code, later, 0.25)
    message["records"].append({**message["records"][0], "time": "0001-01-01 00:00:00"})
    argv = ["--mqtt", f"{mqtt_broker['host']}:{mqtt_broker['port']}", "--once",
            "--mqtt-topic", f"{root}/+/readings", "--worker", nats_stream["durable"],
            "--quarantine", str(tmp_path / "q.jsonl")]  # fmt: skip
    run(argv)  # creates the persistent session
    brokerutil.mqtt_publish(mqtt_broker["host"], mqtt_broker["port"],
                            [(f"{root}/{code}/readings", message)])  # fmt: skip
    mqtt = run(argv)
    assert mqtt.readings == 1 and mqtt.quarantined == 1
    rows = QuarantineFile(tmp_path / "q.jsonl").read()
    assert all("earliest plausible" in r["reason"] for r in rows) and len(rows) == 2
