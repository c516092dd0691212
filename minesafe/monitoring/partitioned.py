"""Partitioned JetStream runs (``minesafe engine run --nats … --partitions …``): one
:class:`~minesafe.monitoring.runner.Runner` per partition this worker owns, on one asyncio loop,
with leases, epochs and a watchdog (issue 6 §7; the timing argument in ``docs/deploy.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from minesafe.engine import brokers
from minesafe.monitoring import partitions
from minesafe.monitoring.pipeline import Pipeline
from minesafe.monitoring.quarantine import QuarantineFile
from minesafe.monitoring.runner import (
    Clock,
    Options,
    Runner,
    Stats,
    close_db,
    failure_of,
)
from minesafe.monitoring.sink import (
    Offsets,
    Sink,
    claim_checkpoint,
)
from minesafe.monitoring.sources import (
    NatsSource,
)

log = logging.getLogger("minesafe.monitoring.partitioned")


def _prefix(subjects: str) -> str:
    """``minesafe.readings.>`` → ``minesafe.readings`` (a partition filters ``<prefix>.<p>.>``)."""
    if not subjects.endswith(".>"):
        raise ValueError(f"--subjects {subjects!r}: a partitioned run needs '<prefix>.>'")
    return subjects[:-2]


def partition_name(group: str, partition: int) -> str:
    return f"{group}-p{partition:02d}"


def build_partition_runner(
    args: argparse.Namespace, partition: int, count: int, clock: Clock = time.time
) -> tuple[Runner, int]:
    """Take one partition for ``args.worker``: bump its epoch, restore its checkpoint and engine
    (definitions of its mines only), and a consumer starting right after that checkpoint.
    Returns the runner and the epoch it writes under. Runs on a helper thread."""
    from minesafe.registry.models import Mine

    name = partition_name(args.group, partition)
    try:
        claim = claim_checkpoint(name, args.worker)
        state = claim.state
        pipeline = Pipeline.restore(state.snapshot if state else None)
        var = Path(settings.VAR_DIR)
        archive = None if args.no_archive else (args.archive or var / "archive")
        sink = Sink(name, archive_dir=archive, names=pipeline.point_name, epoch=claim.epoch)
        if state is not None:
            sink.restore_open(state.open_stats)
        pipeline.mines = sink.mines
        if state is None or not state.snapshot:
            codes = [
                code
                for code in Mine.objects.values_list("code", flat=True)
                if brokers.partition_of(code, count) == partition
            ]
            sink.store_alarms(pipeline.load_definitions(sink.mines, only=codes))
    finally:
        close_db()
    offsets = state.offsets if state else Offsets()
    source = NatsSource(
        url=args.nats,
        stream=args.stream,
        subjects=brokers.partition_subjects(partition, _prefix(args.subjects)),
        stream_subjects=args.subjects,
        durable=name,
        committed=offsets.nats_sequence,
        from_checkpoint=True,
        ack_wait=max(args.ack_wait, 3 * args.checkpoint_every),
    )
    quarantine = args.quarantine or var / "quarantine" / f"{args.group}.jsonl"
    options = Options(
        worker=name,
        once=args.once,
        checkpoint_every=args.checkpoint_every,
        batch=args.batch,
        data_clock=args.clock == "data" or (args.clock is None and args.once),
        max_seconds=args.max_seconds,
    )
    part = QuarantineFile(quarantine.with_name(f"{quarantine.stem}-p{partition:02d}.jsonl"))
    return Runner(pipeline, sink, [source], options, part, clock, state), claim.epoch


@dataclass
class Owned:
    """A partition this worker runs: its lease (None without leases), epoch and engine."""

    partition: int
    lease: partitions.Lease | None
    task: asyncio.Task[Stats] | None = None
    runner: Runner | None = None
    epoch: int = 0
    release: bool = False  # give the lease back once stopped (a rebalance or a shutdown)
    lost: bool = False


class PartitionWorker:
    """One ``minesafe engine run --nats … --partitions …`` process: one Runner per partition
    it owns, on one asyncio loop (issue 6 §7).

    With ``auto``, every ``ttl/5`` seconds it heartbeats, renews its leases (compare-and-set),
    surveys the bucket and follows :func:`partitions.plan`. A watchdog aborts a partition whose
    lease it could not renew within ``ttl - ttl/3`` of the last renewal it sent: the engine
    stops before the lease can expire on the server and be taken (the timing argument in
    ``docs/deploy.md``); the database epoch and the recreated consumer fence a worker that
    could not even do that (paused, swapped out).
    """

    def __init__(self, args: argparse.Namespace, clock: Clock = time.time) -> None:
        self.args = args
        self.name = partitions.key_name(args.worker)
        args.worker = self.name
        self.clock = clock
        self.stop = asyncio.Event()
        self.owned: dict[int, Owned] = {}
        self.stopping: dict[int, Owned] = {}
        self.cooldown: dict[int, float] = {}
        self.stats = Stats()
        self.count = 0

    def log(self, event: str, owned: Owned, **extra: Any) -> None:
        record = {
            "t": time.time(),
            "worker": self.name,
            "event": event,
            "partition": owned.partition,
            "epoch": owned.epoch,
            **extra,
        }
        log.info("partition %s", record)
        if self.args.lease_log is not None:
            with self.args.lease_log.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")

    async def run(self) -> Stats:
        import nats

        nc = await nats.connect(
            brokers.servers(self.args.nats), connect_timeout=3, max_reconnect_attempts=-1
        )
        try:
            js = nc.jetstream()
            found = await brokers.ensure_stream(js, self.args.stream, [self.args.subjects])
            self.count = self.args.partition_count or found
            chosen = partitions.parse_partitions(self.args.partitions, self.count)
            if chosen is None:
                leases = await partitions.Leases.open(
                    js, self.name, self.args.lease_bucket, self.args.lease_ttl
                )
                await self._leased(leases)
            else:
                await self._static(chosen)
        finally:
            await nc.close()
        return self.stats

    # -- without leases --------------------------------------------------------------------------

    async def _static(self, chosen: list[int]) -> None:
        for p in chosen:
            self._start(Owned(p, None))
        waiter = asyncio.ensure_future(self.stop.wait())
        tasks = [o.task for o in self.owned.values() if o.task is not None]
        # --once: until every partition has drained; else until a stop or a partition fails.
        while not waiter.done():
            running = [t for t in tasks if not t.done()]
            if not running:
                break
            done, _ = await asyncio.wait([waiter, *running], return_when=asyncio.FIRST_COMPLETED)
            if not self.args.once or any(failure_of(t) for t in done if t is not waiter):
                break
        for owned in self.owned.values():
            if owned.runner is not None:
                owned.runner.stop.set()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        waiter.cancel()
        failed = [d for d in done if isinstance(d, BaseException)]
        if failed:
            raise RuntimeError(f"{len(failed)} partition(s) failed") from failed[0]

    # -- with leases -----------------------------------------------------------------------------

    async def _leased(self, leases: partitions.Leases) -> None:
        tick = leases.ttl / 5
        # Renewals run on their own task, every tick: a slow survey or claim never delays them.
        guards = [
            asyncio.create_task(self._watchdog(leases)),
            asyncio.create_task(self._renewer(leases, tick)),
        ]
        try:
            await leases.heartbeat()
            await self._sleep(tick)  # let the other workers' heartbeats be seen first
            while not self.stop.is_set():
                await self._round(leases)
                await self._sleep(tick)
            for p in list(self.owned):
                self._give_back(p)
            while self.stopping:
                await self._round(leases, claim=False)
                await asyncio.sleep(min(tick, 0.2))
        finally:
            for guard in guards:
                guard.cancel()
            for owned in [*self.owned.values(), *self.stopping.values()]:
                if owned.runner is not None:
                    owned.runner.abort()
            pending = [o.task for o in [*self.owned.values(), *self.stopping.values()] if o.task]
            await asyncio.gather(*pending, return_exceptions=True)
            with contextlib.suppress(Exception):
                await leases.kv.delete(f"worker.{self.name}")

    async def _renewer(self, leases: partitions.Leases, tick: float) -> None:
        while True:
            try:
                await asyncio.wait_for(leases.heartbeat(), tick)
            except Exception as exc:
                log.warning("heartbeat failed: %s", exc)
            renewing = [*self.owned.values(), *(o for o in self.stopping.values() if o.release)]
            await asyncio.gather(*(self._renew(leases, o) for o in renewing))
            await asyncio.sleep(tick)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def _watchdog(self, leases: partitions.Leases) -> None:
        last = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last > 1.0:  # the loop could not run: leases may lapse (CPU starved)
                log.warning("event loop stalled %.1f s", now - last)
            last = now
            for owned in [*self.owned.values(), *self.stopping.values()]:
                lease = owned.lease
                if lease is not None and not owned.lost and now > leases.valid_until(lease):
                    self._lose(owned, "lease not renewed in time")
            await asyncio.sleep(0.1)

    def _lose(self, owned: Owned, why: str) -> None:
        log.warning("partition %s lost: %s", owned.partition, why)
        owned.lost = True
        owned.release = False
        if owned.runner is not None:
            owned.runner.abort()
        self.owned.pop(owned.partition, None)
        self.stopping[owned.partition] = owned

    def _give_back(self, partition: int) -> None:
        owned = self.owned.pop(partition)
        owned.release = True
        if owned.runner is not None:
            owned.runner.stop.set()
        self.stopping[partition] = owned

    async def _renew(self, leases: partitions.Leases, owned: Owned) -> None:
        if owned.lease is None or owned.lost:
            return
        budget = max(0.1, leases.valid_until(owned.lease) - time.monotonic())
        try:
            ok = await asyncio.wait_for(leases.renew(owned.lease, owned.epoch), budget)
        except Exception as exc:  # NATS unreachable: the watchdog decides when it is too late
            log.warning("partition %s: renewal failed: %s", owned.partition, exc)
            return
        if not ok:
            self._lose(owned, "the lease has another owner")

    async def _round(self, leases: partitions.Leases, claim: bool = True) -> None:
        for owned in list(self.owned.values()):
            if owned.task is not None and owned.task.done():  # ended by itself: an error
                self._give_back(owned.partition)
                self.cooldown[owned.partition] = time.monotonic() + leases.ttl
        for owned in list(self.stopping.values()):
            if owned.task is None or owned.task.done():
                failure = failure_of(owned.task)
                if failure is not None:
                    log.error("partition %s failed", owned.partition, exc_info=failure)
                if owned.release and owned.lease is not None and not owned.lost:
                    await leases.release(owned.lease)
                del self.stopping[owned.partition]
        if not claim:
            return
        try:
            live, owners = await asyncio.wait_for(leases.survey(), leases.ttl / 3)
        except Exception as exc:
            log.warning("lease survey failed: %s", exc)
            return
        decision = partitions.plan(self.name, self.count, live, owners, set(self.stopping))
        for p in decision.release:
            if p in self.owned:
                self._give_back(p)
        now = time.monotonic()
        for p in decision.claim:
            if self.cooldown.get(p, 0) > now or p in self.owned or p in self.stopping:
                continue
            try:
                lease = await leases.claim(p)
            except Exception as exc:
                log.warning("claim of partition %s failed: %s", p, exc)
                continue
            if lease is not None:
                self._start(Owned(p, lease))

    # -- one partition ---------------------------------------------------------------------------

    def _start(self, owned: Owned) -> None:
        self.owned[owned.partition] = owned
        owned.task = asyncio.create_task(self._run_partition(owned))

    async def _run_partition(self, owned: Owned) -> Stats:
        runner, owned.epoch = await asyncio.to_thread(
            build_partition_runner, self.args, owned.partition, self.count, self.clock
        )
        owned.runner = runner
        if owned.lost or owned.release:
            runner.abort()
        self.log("start", owned)
        reason = "stopped"
        try:
            stats = await runner.run()
        except BaseException as exc:
            reason = f"failed: {exc!r}"
            raise
        finally:
            if runner.aborted:
                reason = "aborted"
            self.log("stop", owned, reason=reason)
        self._add(stats)
        return stats

    def _add(self, stats: Stats) -> None:
        for name in ("files", "readings", "events", "quarantined", "checkpoints"):
            setattr(self.stats, name, getattr(self.stats, name) + getattr(stats, name))
        for name in ("busy_s", "snapshot_s", "checkpoint_s"):
            setattr(self.stats, name, getattr(self.stats, name) + getattr(stats, name))
        self.stats.latencies += stats.latencies
        self.stats.published += stats.published
        if stats.first_at:
            self.stats.first_at = min(self.stats.first_at or stats.first_at, stats.first_at)
            self.stats.last_at = max(self.stats.last_at, stats.last_at)
        self.stats.alarm_latencies += stats.alarm_latencies
