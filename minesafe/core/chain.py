"""Append-only hash chains over evidence: the arithmetic, without the database.

Each sealed version of an evidence record (an audit entry, an alarm, a case step, an
enforcement document, an archive file's digest, …) becomes one link of its mine's chain of the
day: ``hash = SHA-256(prev ‖ stream ‖ seq ‖ source ‖ object id ‖ digest)``, where ``digest`` is
the SHA-256 of the record's canonical JSON. Changing a sealed record changes its digest; changing
or removing a link breaks every hash after it; rewriting a whole chain changes its head, which
was printed on enforcement documents and exported (AQ 6201 4.6.6: stored monitoring data must not
be changed). Pure: no Django import.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _plain(value: Any) -> Any:
    """One JSON form per value, whichever database returned it."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID | bytes | memoryview):
        return value.hex() if isinstance(value, bytes | memoryview) else str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 3.0 and 3 are one number to every database
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical(record: Mapping[str, Any]) -> bytes:
    """The record as canonical JSON: sorted keys, no spaces, UTC times, UTF-8."""
    plain = {str(k): _plain(v) for k, v in record.items()}
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def digest(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical form (hex)."""
    return hashlib.sha256(canonical(record)).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (archive parts, backup parts)."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def genesis(stream: str) -> str:
    """The ``prev`` of a stream's first link: bound to the stream's name."""
    return hashlib.sha256(f"minesafe-chain:{stream}".encode()).hexdigest()


def link_hash(prev: str, stream: str, seq: int, source: str, object_id: str, dig: str) -> str:
    """The hash of one link, covering its place in the chain and what it seals."""
    text = "\n".join([prev, stream, str(seq), source, object_id, dig])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def root(heads: Iterable[tuple[str, int, str]]) -> str:
    """One value for many chains (a day's, a month's): SHA-256 over their sorted heads."""
    lines = sorted(f"{stream}:{seq}:{head}" for stream, seq, head in heads)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One stored link, as read back for checking."""

    stream: str
    seq: int
    source: str
    object_id: str
    digest: str
    prev: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first place a check failed: which chain, which link, which record, and why."""

    stream: str
    seq: int
    source: str
    object_id: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "seq": self.seq,
            "source": self.source,
            "object_id": self.object_id,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        return f"{self.stream} 第{self.seq}环 {self.source}#{self.object_id}：{self.reason}"


def check_stream(stream: str, links: Iterable[Link]) -> Break | None:
    """Walk one chain in order of ``seq``; the first link out of place, or None when intact."""
    prev = genesis(stream)
    expected = 1
    for link in links:
        if link.seq != expected:
            return Break(stream, expected, link.source, link.object_id, "缺少链环（链环被删除）")
        if link.prev != prev:
            return Break(stream, link.seq, link.source, link.object_id, "与前一链环不衔接")
        again = link_hash(prev, stream, link.seq, link.source, link.object_id, link.digest)
        if again != link.hash:
            return Break(stream, link.seq, link.source, link.object_id, "链环哈希不符（链环被改）")
        prev, expected = link.hash, expected + 1
    return None
