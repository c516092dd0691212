"""The simulator against the real brokers on loopback: NATS JetStream and MQTT (issue 3 §3).

Skipped with the reason when a broker is down; failing instead when
``MINESAFE_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from typing import Any

import pytest

from minesafe.engine import brokers
from minesafe.simulator.sim import SimConfig, Simulation
from minesafe.simulator.sinks import NATS_STREAM, MqttSink, NatsSink, cdss_json


def require(port: int, name: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError as exc:
        if os.environ.get("MINESAFE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{name} on 127.0.0.1:{port} is required but down: {exc}")
        pytest.skip(f"{name} on 127.0.0.1:{port} is down: {exc}")


def region() -> str:
    """A mine-code prefix of this test run, so runs sharing a broker never see each other."""
    return f"98{os.getpid() % 10000:04d}"


def small_sim() -> Simulation:
    cfg = SimConfig(mines=2, points_per_mine=12, duration_s=60, region=region())
    return Simulation(cfg)


async def _read_stream(subject: str, expected: int) -> list[Any]:
    import nats

    nc = await nats.connect("nats://127.0.0.1:4222")
    js = nc.jetstream()
    sub = await js.subscribe(subject, ordered_consumer=True)
    msgs: list[Any] = []
    try:
        while len(msgs) < expected + 1:
            msgs.append(await sub.next_msg(timeout=2))
    except TimeoutError:
        pass
    finally:
        await nc.close()
    return msgs


def test_mon1_nats_jetstream_gets_each_file_once_with_its_name_as_id() -> None:
    require(4222, "NATS")
    sim = small_sim()
    files = list(sim.files())
    sink = NatsSink("nats://127.0.0.1:4222")
    try:
        for f in files:
            sink.write(f)
        sink.write(files[-1])  # a resend: JetStream drops it by Nats-Msg-Id
    finally:
        sink.close()
    mine = sim.mines[0].code
    mine_files = [f for f in files if f.mine_code == mine]
    msgs = asyncio.run(_read_stream(brokers.subject(mine, sink.partitions), len(mine_files)))
    assert len(msgs) == len(mine_files)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [f.name for f in mine_files]
    assert [m.data for m in msgs] == [f.data for f in mine_files]
    assert msgs[0].metadata.stream == NATS_STREAM


def test_mon1_mqtt_gets_each_realtime_file_as_json() -> None:
    require(1883, "MQTT")
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    sim = small_sim()
    mine = sim.mines[1].code
    received: list[dict[str, Any]] = []
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sim-test-{os.getpid()}")
    client.on_message = lambda c, u, msg: received.append(json.loads(msg.payload))
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        client.subscribe(f"minesafe/{mine}/readings", qos=1)
        assert subscribed.wait(5)
        files = list(sim.files())
        sink = MqttSink("127.0.0.1", 1883)
        try:
            for f in files:
                sink.write(f)
        finally:
            sink.close()
        expected = [cdss_json(f) for f in files if f.mine_code == mine and f.file_type == "CDSS"]
        for _ in range(50):
            if len(received) >= len(expected):
                break
            threading.Event().wait(0.1)
    finally:
        client.loop_stop()
        client.disconnect()
    assert received == expected
    first = received[0]
    assert first["type"] == "CDSS" and first["mine_code"] == mine
    assert first["time"] == "2026-03-02 00:00:00"
    assert len(first["records"]) == 12
    assert set(first["records"][0]) == {"point", "value", "status", "time"}
