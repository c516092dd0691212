"""Broker names and payloads shared by the runner, the simulator and the benchmark (issue 3 §3).

- NATS JetStream: stream :data:`STREAM` on subjects ``minesafe.readings.<mine_code>``; the
  payload is the bytes of one family-A file; header ``Nats-Msg-Id`` is the file name (JetStream
  drops a duplicate publish within its window).
- MQTT: topic ``minesafe/<mine_code>/readings``, QoS 1, JSON
  ``{"mine_code", "type": "CDSS", "time", "records": [{"point", "value", "status", "time"}]}``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

STREAM = "MINESAFE_READINGS"
SUBJECT_PREFIX = "minesafe.readings"
SUBJECTS = f"{SUBJECT_PREFIX}.>"
MQTT_TOPIC_FILTER = "minesafe/+/readings"
DEFAULT_DURABLE = "minesafe-engine"


def subject(mine_code: str) -> str:
    return f"{SUBJECT_PREFIX}.{mine_code}"


def mqtt_topic(mine_code: str) -> str:
    return f"minesafe/{mine_code}/readings"


async def ensure_stream(js: Any, name: str = STREAM, subjects: list[str] | None = None) -> None:
    """Create the readings stream if it is missing (the runner and publishers both call it)."""
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(name=name, subjects=subjects or [SUBJECTS])


class PayloadError(ValueError):
    """An MQTT message that is not the JSON the contract describes."""


def _clean(text: Any, what: str) -> str:
    value = str(text).strip()
    if any(c in value for c in ";~|"):
        raise PayloadError(f"{what} {value!r} contains a separator")
    return value


def mqtt_to_family_a(payload: bytes) -> tuple[str, bytes]:
    """An MQTT JSON message rewritten as the family-A file it stands for: (file name, bytes).

    Going through the file format means one parser, one quarantine, one path for every source.
    A record with a bad field is still written, so the parser quarantines it with its number.
    """
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise PayloadError("expected an object with a records list")
    mine = _clean(data.get("mine_code", ""), "mine_code")
    kind = _clean(data.get("type", "CDSS"), "type").upper()
    when = _clean(data.get("time", ""), "time")
    try:
        stamp = dt.datetime.strptime(when, "%Y-%m-%d %H:%M:%S").strftime("%Y%m%d%H%M%S")
    except ValueError as exc:
        raise PayloadError(f"time {when!r} is not yyyy-MM-dd HH:mm:ss") from exc
    if not mine or not mine.isalnum():
        raise PayloadError(f"mine_code {mine!r} is not a mine code")
    records = []
    for rec in data["records"]:
        rec = rec if isinstance(rec, dict) else {}
        fields = [rec.get("point", ""), "", "", rec.get("value", ""), "", rec.get("status", 0)]
        fields.append(rec.get("time", when))
        records.append(";".join(str(f).replace(";", ",").replace("~", "-") for f in fields))
    body = f"{mine};;{when}~" + "".join(f"{r}~" for r in records) + "||"
    return f"{mine}_{kind}_{stamp}.txt", body.encode("utf-8")
