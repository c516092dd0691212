"""Broker fixtures: real NATS JetStream and MQTT on loopback (issue 3 §6).

A test that needs a broker skips with the reason when it is down, and fails instead when
``MINESAFE_REQUIRE_SERVICES=1`` (CI). Names are unique per test and removed afterwards: the CI
broker is shared with later runs.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

NATS_URL = os.environ.get("MINESAFE_NATS_URL", "nats://127.0.0.1:4222")
MQTT_HOST, MQTT_PORT = "127.0.0.1", int(os.environ.get("MINESAFE_MQTT_PORT", "1883"))


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    reason = f"{name} is not running on {host}:{port}"
    if os.environ.get("MINESAFE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and MINESAFE_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def nats_stream(unique: str) -> Iterator[dict[str, str]]:
    """A stream and subjects of this test only, deleted afterwards."""
    require_service("NATS", "127.0.0.1", int(NATS_URL.rsplit(":", 1)[1]))
    names = {
        "url": NATS_URL,
        "stream": f"MS_TEST_{unique.upper()}",
        "prefix": f"mstest{unique}.readings",
        "subjects": f"mstest{unique}.readings.>",
        "durable": f"w{unique}",
    }
    yield names
    from minesafe.monitoring.tests.brokerutil import delete_stream, run

    run(delete_stream(NATS_URL, names["stream"]))


@pytest.fixture
def mqtt_broker(unique: str) -> dict[str, object]:
    require_service("MQTT", MQTT_HOST, MQTT_PORT)
    return {"host": MQTT_HOST, "port": MQTT_PORT, "root": f"mstest{unique}"}
