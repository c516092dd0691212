"""Where the simulated files go: a directory, NATS JetStream or MQTT (issue 3 §3, §5).

The names are the contract with the engine's adapters, defined once in
:mod:`minesafe.engine.brokers` (plain constants, no Django):

- NATS JetStream: subject ``minesafe.readings.<partition>.<mine_code>`` (the partition count
  is read from the stream, see :func:`minesafe.engine.brokers.subject`), payload = the
  bytes of one family-A file, header ``Nats-Msg-Id`` = the file name (JetStream drops
  duplicates), stream ``MINESAFE_READINGS`` on ``minesafe.readings.>`` (created when missing).
- MQTT: topic ``minesafe/<mine_code>/readings``, QoS 1, a JSON object
  ``{"mine_code", "type": "CDSS", "time", "records": [{"point", "value", "status", "time"}]}``
  per real-time file (times ``yyyy-MM-dd HH:mm:ss`` in China time, as in the files); definition
  and personnel files have no MQTT form and are not sent.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any, Protocol

from minesafe.engine import brokers
from minesafe.simulator.sim import SimFile

NATS_STREAM = brokers.STREAM


class Sink(Protocol):
    def write(self, f: SimFile) -> None: ...

    def close(self) -> None: ...


class DirectorySink:
    """Files in a directory, each written under a temporary name then renamed, so a watcher
    never reads half a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def write(self, f: SimFile) -> None:
        target = self.path / f.name
        tmp = self.path / (f.name + ".part")
        tmp.write_bytes(f.data)
        os.replace(tmp, target)

    def close(self) -> None:
        return None


class NatsSink:
    """Publishes each file to JetStream and waits for the stream's acknowledgement."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        import nats

        self.loop = asyncio.new_event_loop()
        self.nc = self.loop.run_until_complete(
            nats.connect(url, connect_timeout=timeout, max_reconnect_attempts=0)
        )
        self.js = self.nc.jetstream(timeout=timeout)
        self.partitions = self.loop.run_until_complete(brokers.ensure_stream(self.js))

    def write(self, f: SimFile) -> None:
        subject = brokers.subject(f.mine_code, self.partitions)
        self.loop.run_until_complete(
            self.js.publish(subject, f.data, headers={"Nats-Msg-Id": f.name})
        )

    def close(self) -> None:
        self.loop.run_until_complete(self.nc.drain())
        self.loop.close()


def cdss_json(f: SimFile) -> dict[str, Any]:
    """The MQTT form of one CDSS file."""
    text = f.data.decode("utf-8").removesuffix("||")
    header, *records = (r for r in text.split("~") if r)
    upload = header.split(";")[2]
    rows = []
    for rec in records:
        fields = rec.split(";")
        rows.append(
            {
                "point": fields[0],
                "value": float(fields[3]),
                "status": int(fields[5]),
                "time": fields[6],
            }
        )
    return {"mine_code": f.mine_code, "type": "CDSS", "time": upload, "records": rows}


class MqttSink:
    """Publishes each real-time file as one JSON message (QoS 1, waits for the broker)."""

    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.timeout = timeout
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="minesafe-sim")
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()

    def write(self, f: SimFile) -> None:
        if f.file_type != "CDSS":
            return
        payload = json.dumps(cdss_json(f), ensure_ascii=False).encode("utf-8")
        info = self.client.publish(brokers.mqtt_topic(f.mine_code), payload, qos=1)
        info.wait_for_publish(self.timeout)
        if not info.is_published():
            raise ConnectionError(f"MQTT broker did not acknowledge {f.name}")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
