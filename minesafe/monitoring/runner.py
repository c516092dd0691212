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
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from minesafe.monitoring import brokers
from minesafe.monitoring.pipeline import Pipeline
from minesafe.monitoring.quarantine import QuarantineFile
from minesafe.monitoring.sink import CheckpointState, Offsets, Sink, load_checkpoint
from minesafe.monitoring.sources import (
    DirectorySource,
    Item,
    MqttSource,
    NatsSource,
    Source,
    order_key,
)

log = logging.getLogger("minesafe.monitoring.runner")
Clock = Callable[[], float]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="minesafe engine run", description="监测引擎：目录与消息队列")
    p.add_argument("--dir", type=Path, help="watch a directory of family-A/B files")
    p.add_argument("--nats", metavar="URL", help="consume JetStream, e.g. nats://127.0.0.1:4222")
    p.add_argument("--mqtt", metavar="HOST:PORT", help="subscribe minesafe/+/readings at QoS 1")
    p.add_argument("--once", action="store_true", help="process what is there, then exit")
    p.add_argument("--worker", default="engine", help="checkpoint and consumer name")
    p.add_argument("--stream", default=brokers.STREAM, help="JetStream stream name")
    p.add_argument("--subjects", default=brokers.SUBJECTS, help="JetStream subject filter")
    p.add_argument("--durable", help="JetStream durable consumer (default: the worker name)")
    p.add_argument("--ack-wait", type=float, default=60.0, help="JetStream redelivery, seconds")
    p.add_argument("--mqtt-topic", default=brokers.MQTT_TOPIC_FILTER)
    p.add_argument("--checkpoint-every", type=float, default=2.0, metavar="SECONDS")
    p.add_argument("--batch", type=int, default=2000, help="most files per engine batch")
    p.add_argument("--poll", type=float, default=1.0, help="directory listing interval")
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


@dataclass
class Stats:
    """What a run did, for the exit line and the benchmark."""

    files: int = 0
    readings: int = 0
    events: int = 0
    quarantined: int = 0
    checkpoints: int = 0
    latencies: list[float] = field(default_factory=list)
    alarm_latencies: list[float] = field(default_factory=list)
    busy_s: float = 0.0  # time spent parsing, judging and storing (the worker thread)
    checkpoint_s: float = 0.0  # time spent writing checkpoints (statistics, archive, snapshot)


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
        self._last_checkpoint = time.monotonic()

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
                if self._checkpoint_due():
                    await self._checkpoint()
                if self.options.once and self._all_drained() and queue.empty() and not items:
                    break
                limit = self.options.max_seconds
                if limit is not None and time.monotonic() - started >= limit:
                    break
            await self._checkpoint(final=True)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for source in self.sources:
                await source.close()
            self._pool.shutdown(wait=True)
        return self.stats

    def _raise_failed(self, tasks: list[asyncio.Task[Any]]) -> None:
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError(f"source {task.get_name()} failed") from task.exception()

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
        """Seconds until the engine's next deadline or the next checkpoint, whichever is first."""
        budget = max(0.0, self.options.checkpoint_every - self._since_checkpoint())
        if self.options.once:
            budget = min(budget, 0.2)
        deadline = None if self.options.data_clock else self.pipeline.next_deadline()
        if deadline is not None:
            budget = min(budget, max(0.0, deadline - self.clock()))
        return budget

    def _since_checkpoint(self) -> float:
        return time.monotonic() - self._last_checkpoint

    def _checkpoint_due(self) -> bool:
        return bool(self._acks) and self._since_checkpoint() >= self.options.checkpoint_every

    async def _work(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

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
        with transaction.atomic():  # points and alarms of the batch: one commit
            result = self.pipeline.feed([(i.name, i.data) for i in files])
            events = result.events
            self.sink.store_alarms(events)
        self.sink.add_readings(result.readings)
        self._measure(files, events)
        wall = dt.datetime.now(dt.UTC)
        bad = [{"file": i.name, "record": 0, "reason": i.error, "raw": ""} for i in broken]
        written = self.quarantine.write("runner", [*result.quarantine, *bad], wall)
        self.sink.counters["quarantined"] += written
        self.sink.counters["files"] += len(files)
        self.stats.files += len(files)
        self.stats.readings += len(result.readings)
        self.stats.events += len(events)
        self.stats.quarantined += written
        for item in items:
            self._acks.append(item.ack)
            if item.source == "dir":
                self._files.add(item.name)
            self._seq = max(self._seq, item.seq)

    def _measure(self, files: list[Item], events: list[Any]) -> None:
        """Publish → committed latency of every message, and of those that raised alarms."""
        committed = self.clock()
        alarmed = {e.mine_code for e in events}
        for item in files:
            if item.published:
                self.stats.latencies.append(committed - item.published)
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

    def _save(self, final: bool = False) -> None:
        started = time.perf_counter()
        try:
            self._save_checkpoint(final)
        finally:
            self.stats.checkpoint_s += time.perf_counter() - started

    def _save_checkpoint(self, final: bool) -> None:
        offsets = Offsets(set(self._files), self._seq)
        state = CheckpointState(
            self.pipeline.snapshot(), offsets, self.state.counters, self.state.number
        )
        self.state = self.sink.checkpoint(state, dt.datetime.now(dt.UTC), final)

    async def _checkpoint(self, final: bool = False) -> None:
        await self._work(self._save, final)
        self._last_checkpoint = time.monotonic()
        self.stats.checkpoints += 1
        acks, self._acks = self._acks, []
        self._seqs_in_flight.clear()
        for ack in acks:
            if ack is None:
                continue
            done = ack()
            if inspect.isawaitable(done):
                await done


def build_runner(args: argparse.Namespace, clock: Clock = time.time) -> Runner:
    """Restore the worker's checkpoint, the engine, and the sources it names."""
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
            DirectorySource(path=args.dir, processed=set(offsets.processed_files), poll=args.poll)
        )
    if args.nats:
        sources.append(
            NatsSource(
                url=args.nats,
                stream=args.stream,
                subjects=args.subjects,
                durable=args.durable or args.worker,
                committed=offsets.nats_sequence,
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


async def _serve(runner: Runner) -> Stats:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, runner.stop.set)
    return await runner.run()


def main(argv: list[str]) -> int:
    """Entry point of ``minesafe engine run`` (called after Django is set up)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.dir is None and not args.nats and not args.mqtt:
        parser.error("give at least one source: --dir, --nats or --mqtt")
    if args.dir is not None and not args.dir.is_dir():
        parser.error(f"--dir {args.dir}: not a directory")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runner = build_runner(args)
    stats = asyncio.run(_serve(runner))
    print(
        f"engine {args.worker}: {stats.files} files, {stats.readings} readings, "
        f"{stats.events} alarm events, {stats.quarantined} quarantined, "
        f"{stats.checkpoints} checkpoints"
    )
    return 0
