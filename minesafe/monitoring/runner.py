"""``minesafe engine run``: the long-running engine with its sources and the database sink.

One asyncio loop owns the sources (directory, JetStream, MQTT) and the timers; all engine and
database work runs on one worker thread, in order (Django's ORM is synchronous). The loop sleeps
until the earliest of: new input, the engine's ``next_deadline()`` (a timer, never a poll), the
next checkpoint. A checkpoint writes statistics, the engine snapshot and the source offsets in
one transaction and only then acknowledges the input it covers (issue 3 §3–§5).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import inspect
import logging
import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)

from minesafe.engine import brokers
from minesafe.monitoring import partitions
from minesafe.monitoring.pipeline import Pipeline
from minesafe.monitoring.quarantine import QuarantineFile
from minesafe.monitoring.sink import (
    CheckpointState,
    LateArrival,
    Offsets,
    Pending,
    Sink,
    load_checkpoint,
)
from minesafe.monitoring.sources import (
    DirectorySource,
    Item,
    MqttSource,
    NatsSource,
    Source,
    order_key,
)

log = logging.getLogger("minesafe.monitoring.runner")


class SourceFailed(RuntimeError):
    """A source stopped (its broker went away, a read failed): the worker starts again."""


#: What a worker outlives: the database or a broker going away. It starts again from its last
#: committed checkpoint, where nothing past it was acknowledged, so nothing is lost or doubled.
TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, SourceFailed)
RESTART_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
#: How often the loop looks whether a checkpoint being written has finished.
WRITE_POLL_S = 0.1
Clock = Callable[[], float]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="minesafe engine run", description="监测引擎：目录与消息队列")
    p.add_argument("--dir", type=Path, help="watch a directory of family-A/B files")
    p.add_argument("--nats", metavar="URL", help="consume JetStream, e.g. nats://127.0.0.1:4222")
    p.add_argument("--mqtt", metavar="HOST:PORT", help="subscribe minesafe/+/readings at QoS 1")
    p.add_argument("--once", action="store_true", help="process what is there, then exit")
    p.add_argument(
        "--worker",
        help="checkpoint and consumer name (default engine); with --partitions the worker's "
        "lease name (default host-pid)",
    )
    p.add_argument(
        "--partitions",
        metavar="auto|all|0,3,5",
        help="partitioned JetStream run: auto = as many partitions as the leases give this "
        "worker (its fair share), all / a list = those, without leases",
    )
    p.add_argument("--group", default="engine", help="partition checkpoints and consumers prefix")
    p.add_argument("--partition-count", type=int, help="P (default: from the stream)")
    p.add_argument("--lease-bucket", default=partitions.LEASE_BUCKET, help="JetStream KV bucket")
    p.add_argument("--lease-ttl", type=float, default=partitions.DEFAULT_TTL_S, metavar="SECONDS")
    p.add_argument("--lease-log", type=Path, help="append partition starts/stops (JSON lines)")
    p.add_argument("--stats-out", type=Path, help="write the run's figures as JSON at exit")
    p.add_argument("--stream", default=brokers.STREAM, help="JetStream stream name")
    p.add_argument("--subjects", default=brokers.SUBJECTS, help="JetStream subject filter")
    p.add_argument("--durable", help="JetStream durable consumer (default: the worker name)")
    p.add_argument("--ack-wait", type=float, default=60.0, help="JetStream redelivery, seconds")
    p.add_argument("--mqtt-topic", default=brokers.MQTT_TOPIC_FILTER)
    p.add_argument("--checkpoint-every", type=float, default=2.0, metavar="SECONDS")
    p.add_argument("--batch", type=int, default=2000, help="most files per engine batch")
    p.add_argument("--poll", type=float, default=1.0, help="directory listing interval")
    p.add_argument(
        "--delete-processed",
        action="store_true",
        help="--dir is a spool: delete each file once a checkpoint has stored it",
    )
    p.add_argument(
        "--clock",
        choices=["wall", "data"],
        help="timers on the wall clock (default) or on the newest data time (default with --once)",
    )
    p.add_argument("--archive", type=Path, help="Parquet archive root (default var/archive)")
    p.add_argument("--no-archive", action="store_true", help="do not archive raw readings")
    p.add_argument("--quarantine", type=Path, help="quarantine file (default var/quarantine/…)")
    p.add_argument("--max-seconds", type=float, help="stop after this long (tests, benchmarks)")
    return p


@dataclass
class Options:
    worker: str
    once: bool = False
    checkpoint_every: float = 2.0
    batch: int = 2000
    data_clock: bool = False
    max_seconds: float | None = None
    separate_writer: bool | None = None  # checkpoint thread of its own (None: unless SQLite)


@dataclass
class Stats:
    """What a run did, for the exit line and the benchmark."""

    files: int = 0
    readings: int = 0
    events: int = 0
    quarantined: int = 0
    checkpoints: int = 0
    latencies: list[float] = field(default_factory=list)
    published: list[float] = field(default_factory=list)  # publish time of each latency's message
    alarm_latencies: list[float] = field(default_factory=list)
    busy_s: float = 0.0  # time spent parsing, judging and storing (the worker thread)
    snapshot_s: float = 0.0  # engine snapshots taken on the worker thread for checkpoints
    checkpoint_s: float = 0.0  # time spent writing checkpoints (statistics, archive, snapshot)
    first_at: float = 0.0  # wall time the first batch with messages was done (throughput)
    last_at: float = 0.0  # … and the last one


class Runner:
    """Sources in, engine in the middle, sink out; see the module docstring."""

    def __init__(
        self,
        pipeline: Pipeline,
        sink: Sink,
        sources: list[Source],
        options: Options,
        quarantine: QuarantineFile,
        clock: Clock = time.time,
        state: CheckpointState | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.sink = sink
        self.sources = sources
        self.options = options
        self.quarantine = quarantine
        self.clock = clock
        self.state = state or CheckpointState(b"", Offsets(), sink.counters.copy(), 0)
        self.stats = Stats()
        self.stop = asyncio.Event()
        self._acks: list[Any] = []
        self._seq = self.state.offsets.nats_sequence
        self._seqs_in_flight: set[int] = set()
        self._files = set(self.state.offsets.processed_files)
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="engine-db")
        # Checkpoints are written on a thread (and database connection) of their own, so the
        # engine keeps consuming while statistics, archive and snapshot are stored. SQLite has
        # one writer at a time (and its shared-cache test database reports a busy table instead
        # of waiting): there the write queues on the engine thread, still after the snapshot.
        separate = options.separate_writer
        if separate is None:
            separate = connection.vendor != "sqlite"
        self._writer = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="engine-ckpt")
            if separate
            else self._pool
        )
        self._writing: asyncio.Future[None] | None = None
        self.aborted = False  # lost the partition: stop without a final checkpoint
        self._last_checkpoint = time.monotonic()
        self._uploads_seen: dt.datetime | None = None  # uploads' stored history looked at
        self._uploads_looked = -math.inf

    # -- the loop ------------------------------------------------------------------------------

    async def run(self) -> Stats:
        # Bounded: a source fetches only what the engine can take, so a lagging runner does not
        # hold thousands of delivered messages past their ack wait.
        queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=4 * self.options.batch)
        tasks = [asyncio.create_task(s.run(queue), name=s.name) for s in self.sources]
        started = time.monotonic()
        try:
            while not self.stop.is_set():
                self._raise_failed(tasks)
                items = await self._next_items(queue)
                if items:
                    await self._work(self._process, items)
                await self._work(self._fire_timers)
                self._raise_failed_write()
                if self._checkpoint_due():
                    await self._checkpoint()
                if self.options.once and self._all_drained() and queue.empty() and not items:
                    break
                limit = self.options.max_seconds
                if limit is not None and time.monotonic() - started >= limit:
                    break
            if not self.aborted:
                await self._checkpoint(final=True)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._writing is not None and not self._writing.done():
                with contextlib.suppress(Exception):
                    await self._writing
            for source in self.sources:
                await source.close()
            loop = asyncio.get_running_loop()
            for pool in {self._pool, self._writer}:  # never block the loop: leases renew on it
                with contextlib.suppress(Exception):
                    await loop.run_in_executor(pool, close_db)
                pool.shutdown(wait=False)
        return self.stats

    def abort(self) -> None:
        """Stop now, write nothing more (the partition was lost: the next owner resumes from
        the last committed checkpoint)."""
        self.aborted = True
        self.stop.set()

    def _raise_failed_write(self) -> None:
        if self._writing is not None and self._writing.done():
            writing, self._writing = self._writing, None
            writing.result()  # a failed checkpoint stops the runner, nothing acked

    def _raise_failed(self, tasks: list[asyncio.Task[Any]]) -> None:
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise SourceFailed(f"source {task.get_name()} failed") from task.exception()

    def _all_drained(self) -> bool:
        return all(s.drained.is_set() for s in self.sources)

    async def _next_items(self, queue: asyncio.Queue[Item]) -> list[Item]:
        """Wait for input, but never past the next timer deadline or checkpoint."""
        timeout = self._sleep_budget()
        first: Item | None = None
        if queue.empty():
            getter = asyncio.ensure_future(queue.get())
            stopper = asyncio.ensure_future(self.stop.wait())
            done, _ = await asyncio.wait(
                {getter, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            stopper.cancel()
            if getter in done:
                first = getter.result()
            else:
                getter.cancel()
                return []
        items = [first] if first is not None else []
        while not queue.empty() and len(items) < self.options.batch:
            items.append(queue.get_nowait())
        return items

    def _sleep_budget(self) -> float:
        """Seconds until the engine's next deadline or the next checkpoint, whichever is first.

        Only acknowledgements waiting for a checkpoint make one due: an idle runner (nothing
        read since the last one) sleeps until input or a timer, and while a checkpoint is being
        written it looks again every ``WRITE_POLL_S``; it never spins.
        """
        budget = self.options.checkpoint_every
        if self._writing is not None:
            budget = min(budget, WRITE_POLL_S)
        elif self._acks:
            budget = max(0.0, budget - self._since_checkpoint())
        if self.options.once:
            budget = min(budget, 0.2)
        deadline = None if self.options.data_clock else self.pipeline.next_deadline()
        if deadline is not None:
            budget = min(budget, max(0.0, deadline - self.clock()))
        return budget

    def _since_checkpoint(self) -> float:
        return time.monotonic() - self._last_checkpoint

    def _checkpoint_due(self) -> bool:
        if self._writing is not None:
            return False  # one checkpoint at a time; the next one covers what came meanwhile
        return bool(self._acks) and self._since_checkpoint() >= self.options.checkpoint_every

    async def _work(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, _checked(fn), *args)

    # -- on the worker thread ------------------------------------------------------------------

    def _now(self) -> float:
        return self.pipeline.data_time if self.options.data_clock else self.clock()

    def _process(self, items: list[Item]) -> None:
        """Parse, evaluate and store one batch; alarms commit now, the rest at the checkpoint."""
        started = time.perf_counter()
        try:
            self._process_batch(items)
        finally:
            self.stats.busy_s += time.perf_counter() - started

    def _process_batch(self, items: list[Item]) -> None:
        fresh = [i for i in items if not self._already_done(i)]
        broken = [i for i in fresh if i.error]
        files = sorted((i for i in fresh if not i.error), key=lambda i: order_key(i.name))
        self._look_at_uploads()
        arrived = time.time()
        with transaction.atomic():  # points and alarms of the batch: one commit
            result = self.pipeline.feed([(i.name, i.data) for i in files], arrived)
            events = result.events
            self.sink.store_alarms(events)
            if len(result.late):
                late = LateArrival(dt.datetime.fromtimestamp(arrived, dt.UTC), result.late_until)
                self.sink.store_alarms(result.late_events, late)
        self.sink.add_readings(result.readings)
        self.sink.add_late(result.late, arrived)
        self._measure(files, events)
        wall = dt.datetime.now(dt.UTC)
        bad = [{"file": i.name, "record": 0, "reason": i.error, "raw": ""} for i in broken]
        written = self.quarantine.write("runner", [*result.quarantine, *bad], wall)
        self.sink.counters["quarantined"] += written
        self.sink.counters["files"] += len(files)
        if files:
            self.stats.last_at = time.time()
            self.stats.first_at = self.stats.first_at or self.stats.last_at
        self.stats.files += len(files)
        self.stats.readings += len(result.readings)
        self.stats.events += len(events)
        self.stats.quarantined += written
        for item in items:
            self._acks.append(item.ack)
            if item.source == "dir":
                self._files.add(item.name)
            self._seq = max(self._seq, item.seq)

    def _look_at_uploads(self) -> None:
        """At most once a checkpoint interval: learn what uploads stored meanwhile, so the
        readings this runner receives later for that time are late, not merged into it."""
        if time.monotonic() - self._uploads_looked < self.options.checkpoint_every:
            return
        self._uploads_looked = time.monotonic()
        self._uploads_seen = self.pipeline.load_uploaded(self._uploads_seen)

    def _measure(self, files: list[Item], events: list[Any]) -> None:
        """Publish → committed latency of every message, and of those that raised alarms."""
        committed = self.clock()
        alarmed = {e.mine_code for e in events}
        for item in files:
            if item.published:
                self.stats.latencies.append(committed - item.published)
                self.stats.published.append(item.published)
                if item.name.split("_", 1)[0] in alarmed:
                    self.stats.alarm_latencies.append(committed - item.published)

    def _already_done(self, item: Item) -> bool:
        """Seen since the last checkpoint (a JetStream redelivery while the runner lagged more
        than the ack wait) or a file already processed: judged once, acknowledged anyway."""
        if item.source == "dir":
            return item.name in self._files
        if item.seq:
            if item.seq <= self.state.offsets.nats_sequence or item.seq in self._seqs_in_flight:
                return True
            self._seqs_in_flight.add(item.seq)
        return False

    def _fire_timers(self) -> None:
        deadline = self.pipeline.next_deadline()
        now = self._now()
        if deadline is None or deadline > now:
            return
        events = self.pipeline.on_timer(now)
        if events:
            self.sink.store_alarms(events)
            self.stats.events += len(events)

    def _prepare(self) -> tuple[CheckpointState, Pending]:
        """On the engine thread, between batches: the snapshot and what the sink holds (cheap
        next to writing them); the engine then goes on while the writer thread stores it."""
        started = time.perf_counter()
        # Redeliveries at or below the committed sequence are caught by it: forget those.
        committed = self.state.offsets.nats_sequence
        self._seqs_in_flight = {s for s in self._seqs_in_flight if s > committed}
        # Files gone from their directory cannot come back as new input: forget their names,
        # so the checkpoint's processed list stays the size of the directory.
        listings = [s.listed for s in self.sources if isinstance(s, DirectorySource)]
        if listings and all(names is not None for names in listings):
            self._files &= set().union(*(n for n in listings if n is not None))
        offsets = Offsets(set(self._files), self._seq)
        state = CheckpointState(
            self.pipeline.snapshot(), offsets, self.state.counters, self.state.number
        )
        pending = self.sink.detach()
        self.stats.snapshot_s += time.perf_counter() - started
        return state, pending

    def _write(self, state: CheckpointState, pending: Pending, final: bool) -> CheckpointState:
        """On the writer thread: statistics, archive and checkpoint row in one transaction."""
        started = time.perf_counter()
        try:
            return self.sink.checkpoint(state, dt.datetime.now(dt.UTC), final, pending)
        finally:
            self.stats.checkpoint_s += time.perf_counter() - started

    async def _checkpoint(self, final: bool = False) -> None:
        if self._writing is not None:  # the one in flight first: checkpoints stay in order
            writing, self._writing = self._writing, None
            await writing
        state, pending = await self._work(self._prepare)
        self._last_checkpoint = time.monotonic()
        acks, self._acks = self._acks, []
        loop = asyncio.get_running_loop()
        written = loop.run_in_executor(self._writer, _checked(self._write), state, pending, final)

        async def commit_then_ack() -> None:
            self.state = await written
            self.stats.checkpoints += 1
            try:
                for ack in acks:
                    if ack is None:
                        continue
                    done = ack()
                    if inspect.isawaitable(done):
                        await done
            except Exception as exc:  # the broker went away: redelivered, then skipped
                raise SourceFailed("acknowledgement failed") from exc

        if final:
            await commit_then_ack()
        else:
            self._writing = asyncio.ensure_future(commit_then_ack())


def _checked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` on a database thread whose connection is health-checked first: a connection the
    server dropped while the runner idled (a PostgreSQL restart) is replaced before the next
    query instead of failing it or leaving the loop waiting (``CONN_HEALTH_CHECKS``: one ping
    per unit of work)."""

    def run(*args: Any) -> Any:
        close_old_connections()
        return fn(*args)

    return run


def failure_of(task: asyncio.Task[Any] | None) -> BaseException | None:
    if task is None or not task.done() or task.cancelled():
        return None
    return task.exception()


def close_db() -> None:
    """Close this thread's database connection (the runner's threads end with the run)."""
    from django.db import connection

    connection.close()


def build_runner(args: argparse.Namespace, clock: Clock = time.time) -> Runner:
    """Restore the worker's checkpoint, the engine, and the sources it names."""
    args.worker = args.worker or "engine"
    state = load_checkpoint(args.worker)
    pipeline = Pipeline.restore(state.snapshot if state else None)
    var = Path(settings.VAR_DIR)
    archive = None if args.no_archive else (args.archive or var / "archive")
    sink = Sink(args.worker, archive_dir=archive, names=pipeline.point_name)
    if state is not None:
        sink.restore_open(state.open_stats)
    pipeline.mines = sink.mines
    if state is None or not state.snapshot:
        sink.store_alarms(pipeline.load_definitions(sink.mines))
    offsets = state.offsets if state else Offsets()
    sources: list[Source] = []
    if args.dir is not None:
        sources.append(
            DirectorySource(
                path=args.dir,
                processed=set(offsets.processed_files),
                poll=args.poll,
                delete_processed=args.delete_processed,
            )
        )
    if args.nats:
        sources.append(
            NatsSource(
                url=args.nats,
                stream=args.stream,
                subjects=args.subjects,
                durable=args.durable or args.worker,
                committed=offsets.nats_sequence,
                # The checkpoint, not the consumer, says where to resume: after a restart the
                # messages delivered but never acknowledged come again first, in order, instead
                # of after their ack wait behind newer ones the next checkpoint would pass.
                from_checkpoint=True,
                # never redeliver what the next checkpoint is about to acknowledge
                ack_wait=args.ack_wait
                if args.once
                else max(args.ack_wait, 3 * args.checkpoint_every),
            )
        )
    if args.mqtt:
        host, _, port = args.mqtt.rpartition(":")
        sources.append(
            MqttSource(
                host=host or "127.0.0.1",
                port=int(port),
                client_id=args.worker,
                topic=args.mqtt_topic,
            )
        )
    data_clock = args.clock == "data" or (args.clock is None and args.once)
    options = Options(
        worker=args.worker,
        once=args.once,
        checkpoint_every=0.0 if args.once else args.checkpoint_every,
        batch=args.batch,
        data_clock=data_clock,
        max_seconds=args.max_seconds,
    )
    quarantine = QuarantineFile(args.quarantine or var / "quarantine" / f"{args.worker}.jsonl")
    return Runner(pipeline, sink, sources, options, quarantine, clock, state)


class Serving(Protocol):
    """What :func:`serve` runs: a single runner or a partitioned worker."""

    stop: asyncio.Event

    async def run(self) -> Stats: ...


async def serve(runner: Serving) -> Stats:
    """Run until done or until SIGTERM / SIGINT sets the runner's stop event."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, runner.stop.set)
    return await runner.run()


def run_restarting(args: argparse.Namespace, sleep: Callable[[float], None] = time.sleep) -> Stats:
    """Run the worker; when the database or a broker goes away, start it again from its last
    checkpoint after a growing pause (1 s … 30 s), until it ends normally or is stopped."""
    attempt = 0
    while True:
        started = time.monotonic()
        try:
            return asyncio.run(serve(build_runner(args)))
        except TRANSIENT as exc:
            if time.monotonic() - started > 60:  # it had been running: a fresh failure
                attempt = 0
            delay = RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)]
            log.warning(
                "engine %s: %r; restarting from the last checkpoint in %.0f s",
                args.worker,
                exc,
                delay,
            )
            with contextlib.suppress(Exception):
                connection.close()
            sleep(delay)
            attempt += 1


def stats_json(stats: Stats) -> dict[str, Any]:
    return {
        "files": stats.files,
        "readings": stats.readings,
        "events": stats.events,
        "quarantined": stats.quarantined,
        "checkpoints": stats.checkpoints,
        "busy_s": stats.busy_s,
        "snapshot_s": stats.snapshot_s,
        "checkpoint_s": stats.checkpoint_s,
        "first_at": stats.first_at,
        "last_at": stats.last_at,
        "latencies": [round(x, 4) for x in stats.latencies],
        "published": [round(x, 3) for x in stats.published],
        "alarm_latencies": [round(x, 4) for x in stats.alarm_latencies],
    }
