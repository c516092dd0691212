"""Which engine worker owns which partition of the readings stream (issue 6 §7).

The readings stream is cut into P partitions by mine (:func:`brokers.partition_of`); each
partition is judged by exactly one worker at a time and moves when that worker dies. Ownership
is a lease in a JetStream key-value bucket (``MINESAFE_ENGINE_LEASES``, the bucket's max age is
the lease TTL): key ``worker.<name>`` is a worker's heartbeat, key ``partition.<NN>`` holds the
owner's name. Leases are taken with ``create`` (only if absent) and renewed with
``update(last=revision)`` (compare-and-set), so two workers can never both hold one; a dead
worker stops renewing and its keys expire. The broker is NATS itself: no home-made one.

The choice of what to claim or give back is the pure :func:`plan`: each worker aims at its fair
share ceil(P / live workers), takes free partitions up to it and releases what it holds above
it, so the partitions spread evenly after a worker joins and are all taken after one leaves.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

LEASE_BUCKET = "MINESAFE_ENGINE_LEASES"
DEFAULT_TTL_S = 10.0
_SAFE = re.compile(r"[^A-Za-z0-9_=-]")


def fair_share(partitions: int, workers: int) -> int:
    """The most partitions one worker should hold: ceil(P / live workers)."""
    return math.ceil(partitions / max(1, workers))


@dataclass(frozen=True)
class Plan:
    """What one worker does this round: partitions to try to claim, partitions to give back."""

    claim: tuple[int, ...] = ()
    release: tuple[int, ...] = ()


def _preference(worker: str, partition: int) -> int:
    """A worker-specific order of the free partitions, so workers claiming at the same moment
    mostly try different keys (fewer lost compare-and-sets)."""
    return zlib.crc32(f"{worker}/{partition}".encode())


def plan(
    me: str,
    partitions: int,
    live: Collection[str],
    owners: Mapping[int, str],
    stopping: Collection[int] = (),
) -> Plan:
    """Claim free partitions up to the fair share, release those above it.

    ``live`` are the workers with a heartbeat (``me`` counts even before its first one shows),
    ``owners`` the current partition leases, ``stopping`` my partitions whose engine is still
    stopping (given back or lost): they are neither released again nor claimed, and they count
    against my share until they have stopped.
    """
    share = fair_share(partitions, len(set(live) | {me}))
    active = sorted(p for p, w in owners.items() if w == me and p not in stopping)
    if len(active) > share:
        return Plan(release=tuple(active[share:]))
    held = len(active) + len(set(stopping))
    free = sorted(
        (p for p in range(partitions) if p not in owners and p not in stopping),
        key=lambda p: _preference(me, p),
    )
    return Plan(claim=tuple(free[: max(0, share - held)]))


def parse_partitions(text: str, partitions: int) -> list[int] | None:
    """``auto`` → None (lease based); ``all`` → every partition; ``0,3,5`` → those."""
    if text == "auto":
        return None
    if text == "all":
        return list(range(partitions))
    chosen = sorted({int(x) for x in text.split(",") if x.strip()})
    bad = [p for p in chosen if not 0 <= p < partitions]
    if bad or not chosen:
        raise ValueError(f"partitions {text!r}: give auto, all or numbers in 0..{partitions - 1}")
    return chosen


def key_name(text: str) -> str:
    """A worker name as a KV key token (letters, digits, ``_=-``)."""
    return _SAFE.sub("_", text) or "_"


def partition_key(partition: int) -> str:
    return f"partition.{partition:03d}"


@dataclass
class Lease:
    partition: int
    revision: int
    sent: float  # monotonic time the last successful claim/renewal was sent


class Leases:
    """The lease bucket as one worker sees it (async; JetStream KV compare-and-set).

    A lease stays valid on the server until TTL after the server stored its last renewal, which
    is after the worker *sent* it; the worker treats it as valid only until ``sent + ttl -
    margin`` (:meth:`valid_until`), so it stops a partition before anyone else can take it.
    """

    def __init__(self, js: Any, kv: Any, bucket: str, worker: str, ttl: float) -> None:
        self.js = js
        self.kv = kv
        self.bucket = bucket
        self.worker = worker
        self.ttl = ttl
        self.margin = ttl / 3

    @classmethod
    async def open(cls, js: Any, worker: str, bucket: str = LEASE_BUCKET, ttl: float = 0) -> Leases:
        """Bind the bucket, creating it with ``ttl`` if missing; the bucket's TTL wins."""
        from nats.js.errors import BucketNotFoundError, NotFoundError

        try:
            kv = await js.key_value(bucket)
        except (BucketNotFoundError, NotFoundError):
            kv = await js.create_key_value(bucket=bucket, ttl=ttl or DEFAULT_TTL_S, history=1)
        info = await js.stream_info(f"KV_{bucket}")
        return cls(js, kv, bucket, worker, float(info.config.max_age or ttl or DEFAULT_TTL_S))

    def valid_until(self, lease: Lease) -> float:
        return lease.sent + self.ttl - self.margin

    def _value(self, epoch: int = 0) -> bytes:
        return json.dumps({"worker": self.worker, "at": time.time(), "epoch": epoch}).encode()

    async def heartbeat(self) -> None:
        await self.kv.put(f"worker.{key_name(self.worker)}", self._value())

    async def survey(self) -> tuple[set[str], dict[int, str]]:
        """Live workers (by heartbeat key) and the owner of every leased partition.

        The keys come from the bucket stream's per-subject counts and each value from a direct
        get: no watcher (an ordered consumer per survey, which stalled the worker's connection
        while other workers kept writing to the bucket)."""
        from nats.js.errors import KeyNotFoundError

        info = await self.js.stream_info(f"KV_{self.bucket}", subjects_filter=">")
        prefix = f"$KV.{self.bucket}."
        live: set[str] = set()
        owners: dict[int, str] = {}
        for subject in info.state.subjects or {}:
            key = subject.removeprefix(prefix)
            try:
                entry = await self.kv.get(key)
            except KeyNotFoundError:
                continue  # released, expired, or a delete marker
            if not entry.value:
                continue
            if key.startswith("worker."):
                live.add(key.removeprefix("worker."))
            elif key.startswith("partition."):
                owners[int(key.removeprefix("partition."))] = key_name(
                    json.loads(entry.value)["worker"]
                )
        return live, owners

    async def claim(self, partition: int) -> Lease | None:
        from nats.js.errors import KeyWrongLastSequenceError

        sent = time.monotonic()
        try:
            revision = await self.kv.create(partition_key(partition), self._value())
        except KeyWrongLastSequenceError:
            return None  # someone else was first
        return Lease(partition, revision, sent)

    async def renew(self, lease: Lease, epoch: int = 0) -> bool:
        """Compare-and-set on the revision we hold; False if the lease is no longer ours."""
        from nats.js.errors import KeyWrongLastSequenceError

        sent = time.monotonic()
        key = partition_key(lease.partition)
        try:
            lease.revision = await self.kv.update(key, self._value(epoch), last=lease.revision)
        except KeyWrongLastSequenceError:
            # An earlier renewal may have been stored after we stopped waiting for its answer:
            # the key is still ours if it names us; renew on the revision it has.
            if not await self._still_mine(lease):
                return False
            try:
                lease.revision = await self.kv.update(key, self._value(epoch), last=lease.revision)
            except KeyWrongLastSequenceError:
                return False
        lease.sent = sent
        return True

    async def _still_mine(self, lease: Lease) -> bool:
        from nats.js.errors import KeyNotFoundError

        try:
            entry = await self.kv.get(partition_key(lease.partition))
        except KeyNotFoundError:
            return False
        if not entry.value or json.loads(entry.value)["worker"] != self.worker:
            return False
        lease.revision = entry.revision
        return True

    async def release(self, lease: Lease) -> None:
        """Give a partition back (only if we still hold that revision)."""
        from nats.js.errors import APIError

        with contextlib.suppress(APIError):  # no longer ours: nothing to give back
            await self.kv.delete(partition_key(lease.partition), last=lease.revision)
