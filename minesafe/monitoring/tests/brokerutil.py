"""Small helpers the broker tests use to publish and to clean up."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Coroutine
from typing import Any

from minesafe.engine import brokers


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


async def publish_files(url: str, stream: str, prefix: str, files: list[tuple[str, bytes]]) -> None:
    """Publish family-A files as the simulator does: one file a message, Nats-Msg-Id = name."""
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await brokers.ensure_stream(js, stream, [f"{prefix}.>"])
        for name, data in files:
            mine = name.split("_", 1)[0]
            await js.publish(f"{prefix}.{mine}", data, headers={"Nats-Msg-Id": name})
    finally:
        await nc.close()


async def delete_stream(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


async def consumer_info(url: str, stream: str, durable: str) -> Any:
    import nats

    nc = await nats.connect(url)
    try:
        return await nc.jetstream().consumer_info(stream, durable)
    finally:
        await nc.close()


def mqtt_publish(host: str, port: int, messages: list[tuple[str, dict[str, Any] | bytes]]) -> None:
    """Publish at QoS 1 and wait until the broker has acknowledged every message."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect(host, port)
    client.loop_start()
    try:
        infos = []
        for topic, payload in messages:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            infos.append(client.publish(topic, body, qos=1))
        for info in infos:
            info.wait_for_publish(timeout=5)
    finally:
        client.loop_stop()
        client.disconnect()
