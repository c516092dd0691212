"""Broker names and payloads shared by the runner, the simulator and the benchmark (issue 3 §3).

- NATS JetStream: stream :data:`STREAM` on ``minesafe.readings.>``; a mine's files go to
  ``minesafe.readings.<partition>.<mine_code>`` where ``partition`` = CRC-32 of the mine code
  mod P (:func:`partition_of`) and P is written in the stream's description
  (``partitions=16``) when the stream is created, so every publisher and engine worker agrees
  on it (issue 6 §7). The payload is the bytes of one family-A file; header ``Nats-Msg-Id`` is
  the file name (JetStream drops a duplicate publish within its window).
- MQTT: topic ``minesafe/<mine_code>/readings``, QoS 1, JSON
  ``{"mine_code", "type": "CDSS", "time", "records": [{"point", "value", "status", "time"}]}``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from typing import Any

STREAM = "MINESAFE_READINGS"
SUBJECT_PREFIX = "minesafe.readings"
SUBJECTS = f"{SUBJECT_PREFIX}.>"
MQTT_TOPIC_FILTER = "minesafe/+/readings"
DEFAULT_DURABLE = "minesafe-engine"
#: Partitions of a new readings stream: more than the workers a deployment will ever run
#: (a partition is the unit that moves between workers), few enough to keep a consumer each.
DEFAULT_PARTITIONS = 16
_PARTITIONS = re.compile(r"\bpartitions=(\d+)\b")


def partition_of(mine_code: str, partitions: int) -> int:
    """The partition of a mine: CRC-32 of its code mod P (stable across processes and
    versions, unlike Python's salted ``hash``)."""
    return zlib.crc32(mine_code.encode("utf-8")) % max(1, partitions)


def subject(
    mine_code: str, partitions: int = DEFAULT_PARTITIONS, prefix: str = SUBJECT_PREFIX
) -> str:
    """``<prefix>.<partition>.<mine_code>``; the owner of partition p filters ``<prefix>.p.>``."""
    return f"{prefix}.{partition_of(mine_code, partitions)}.{mine_code}"


def servers(url: str) -> list[str]:
    """``--nats nats://n1:4222,nats://n2:4222`` → the cluster's URLs (nats-py wants a list)."""
    return [u.strip() for u in url.split(",") if u.strip()]


def partition_subjects(partition: int, prefix: str = SUBJECT_PREFIX) -> str:
    return f"{prefix}.{partition}.>"


def describe(partitions: int) -> str:
    return f"minesafe readings, partitions={partitions}"


def partitions_of(description: str | None) -> int:
    """P from a stream description; a stream made before partitions has the default."""
    found = _PARTITIONS.search(description or "")
    return int(found.group(1)) if found else DEFAULT_PARTITIONS


def mqtt_topic(mine_code: str) -> str:
    return f"minesafe/{mine_code}/readings"


async def ensure_stream(
    js: Any,
    name: str = STREAM,
    subjects: list[str] | None = None,
    partitions: int = DEFAULT_PARTITIONS,
) -> int:
    """Create the readings stream if it is missing (the runner and publishers both call it);
    returns its partition count P (the one in its description wins over ``partitions``)."""
    from nats.js.errors import NotFoundError

    try:
        info = await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(
            name=name, subjects=subjects or [SUBJECTS], description=describe(partitions)
        )
        return partitions
    return partitions_of(info.config.description)


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
