"""The runner on the real brokers: NATS JetStream and MQTT on loopback (issue 3 §3, §6).

Each test uses a stream, subjects, durable consumer, topic root and MQTT client id of its own,
removed afterwards where the broker keeps them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from minesafe.engine import brokers
from minesafe.monitoring import runner
from minesafe.monitoring.models import Alarm, ReadingStat
from minesafe.monitoring.sink import Sink
from minesafe.monitoring.tests import brokerutil, files
from minesafe.testing import World

pytestmark = pytest.mark.django_db(transaction=True)


def over_limit(mine: Any) -> list[tuple]:
    return list(
        Alarm.objects.filter(
            mine=mine, kind="over_limit", opened_at__lt=files.START + dt.timedelta(hours=1)
        ).values_list("opened_at", "closed_at", "peak")
    )


def minute_count(mine: Any) -> int:
    return sum(ReadingStat.objects.filter(mine=mine, period=60).values_list("count", flat=True))


def run(argv: list[str]) -> runner.Stats:
    args = runner.build_parser().parse_args([*argv, "--no-archive"])
    return asyncio.run(runner.build_runner(args).run())


def nats_args(names: dict[str, str], tmp: Path, *extra: str) -> list[str]:
    return [
        "--nats", names["url"], "--stream", names["stream"], "--subjects", names["subjects"],
        "--durable", names["durable"], "--worker", names["durable"], "--once",
        "--quarantine", str(tmp / "q.jsonl"), *extra,
    ]  # fmt: skip


def test_mon1_nats_runner_stores_alarms_and_acks_after_commit(world: World, nats_stream, tmp_path):
    episode = files.episode(world.mine_a.code, cycles=20)
    brokerutil.run(
        brokerutil.publish_files(nats_stream["url"], nats_stream["stream"], nats_stream["prefix"],
                                 episode)
    )  # fmt: skip
    stats = run(nats_args(nats_stream, tmp_path))
    assert stats.files == 21
    (alarm,) = over_limit(world.mine_a)
    assert alarm[0] == files.START + dt.timedelta(seconds=40) and alarm[1] is not None
    assert minute_count(world.mine_a) == 20
    info = brokerutil.run(
        brokerutil.consumer_info(nats_stream["url"], nats_stream["stream"], nats_stream["durable"])
    )
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert stats.latencies and max(stats.latencies) < 60


def test_mon1_nats_redelivery_after_a_crash_before_ack_does_not_duplicate(
    world: World, nats_stream, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    """Alarms commit per batch; the crash comes before the checkpoint, so nothing is acked."""
    episode = files.episode(world.mine_a.code, cycles=20)
    url, stream, prefix = nats_stream["url"], nats_stream["stream"], nats_stream["prefix"]
    brokerutil.run(brokerutil.publish_files(url, stream, prefix, episode))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut before the checkpoint")

    monkeypatch.setattr(Sink, "checkpoint", crash)
    with pytest.raises(RuntimeError):
        run(nats_args(nats_stream, tmp_path, "--ack-wait", "1"))
    assert len(over_limit(world.mine_a)) == 1  # alarms were committed before the crash
    info = brokerutil.run(brokerutil.consumer_info(url, stream, nats_stream["durable"]))
    assert info.num_ack_pending == 21  # … but nothing was acknowledged
    monkeypatch.undo()
    time.sleep(1.2)  # let the ack wait run out: JetStream redelivers
    stats = run(nats_args(nats_stream, tmp_path, "--ack-wait", "1"))
    assert stats.files == 21
    assert len(over_limit(world.mine_a)) == 1
    assert minute_count(world.mine_a) == 20  # statistics counted once
    info = brokerutil.run(brokerutil.consumer_info(url, stream, nats_stream["durable"]))
    assert info.num_ack_pending == 0


def test_mon1_nats_messages_already_committed_are_acked_and_skipped(world, nats_stream, tmp_path):
    """A message redelivered after its checkpoint committed (ack lost) is not processed again."""
    url, stream, prefix = nats_stream["url"], nats_stream["stream"], nats_stream["prefix"]
    brokerutil.run(brokerutil.publish_files(url, stream, prefix, files.episode(world.mine_a.code)))
    run(nats_args(nats_stream, tmp_path))
    args = runner.build_parser().parse_args([*nats_args(nats_stream, tmp_path), "--no-archive"])
    again = runner.build_runner(args)
    (source,) = again.sources
    assert source.committed == 13


def mqtt_message(mine: str, at: dt.datetime, value: float) -> dict[str, Any]:
    when = files.text_time(at)
    return {
        "mine_code": mine,
        "type": "CDSS",
        "time": when,
        "records": [{"point": files.point(mine), "value": value, "status": 0, "time": when}],
    }


def test_mon1_mqtt_runner_with_a_persistent_session(world: World, mqtt_broker, tmp_path, unique):
    code = world.mine_a.code
    root = mqtt_broker["root"]
    argv = ["--mqtt", f"{mqtt_broker['host']}:{mqtt_broker['port']}", "--once",
            "--mqtt-topic", f"{root}/+/readings", "--worker", f"w{unique}",
            "--quarantine", str(tmp_path / "q.jsonl")]  # fmt: skip
    # The definitions come by directory; the readings by MQTT.
    folder = tmp_path / "defs"
    folder.mkdir()
    name, data = files.cddy(code)
    (folder / name).write_bytes(data)
    run([*argv, "--dir", str(folder)])  # creates the persistent session
    messages = []
    for i in range(20):
        at = files.START + dt.timedelta(seconds=10 * (i + 1))
        value = 1.3 + i / 100 if 3 <= i < 7 else 0.4
        messages.append((f"{root}/{code}/readings", mqtt_message(code, at, value)))
    messages.append((f"{root}/{code}/readings", b"{not json"))
    brokerutil.mqtt_publish(mqtt_broker["host"], mqtt_broker["port"], messages)
    stats = run(argv)
    assert stats.files == 20 and stats.quarantined == 1
    (alarm,) = over_limit(world.mine_a)
    assert alarm[0] == files.START + dt.timedelta(seconds=40) and alarm[1] is not None
    assert minute_count(world.mine_a) == 20
    rows = [json.loads(x) for x in (tmp_path / "q.jsonl").read_text().splitlines()]
    assert rows[0]["record"] == 0 and "JSON" in rows[0]["reason"]
    # Everything was acknowledged: a third run receives nothing.
    assert run(argv).files == 0


def test_mon1_mqtt_payload_becomes_a_family_a_file() -> None:
    message = mqtt_message("610000000001", files.START, 0.42)
    name, data = brokers.mqtt_to_family_a(json.dumps(message).encode())
    assert name == "610000000001_CDSS_20261122080000.txt"
    assert data.endswith(b"~||") and b";0.42;" in data
    for bad in (b"[]", b"{", json.dumps({**message, "time": "noon"}).encode(),
                json.dumps({**message, "mine_code": "a;b"}).encode()):  # fmt: skip
        with pytest.raises(brokers.PayloadError):
            brokers.mqtt_to_family_a(bad)
