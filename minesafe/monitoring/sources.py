"""Where the runner's input comes from: a directory, NATS JetStream, MQTT (issue 3 §3).

Every source turns its input into :class:`Item`s (a file name and the bytes of one networking
file) on one asyncio queue, and hands the runner an ``ack`` to call once the checkpoint covering
the item has committed: a JetStream message is acked, an MQTT QoS 1 message gets its PUBACK, a
file joins the checkpoint's processed list. Nothing is acknowledged before it is stored, so a
crash loses nothing; the sink's idempotent keys make the redelivered part harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minesafe.engine import brokers

Ack = Callable[[], Awaitable[None] | None]

#: File types that define what later data refers to: taken first among files of the same time.
DEFINITION_TYPES = ("CDDY", "FZDY", "RYQY", "RYJZ", "RYXX", "AQCS", "AQFZ", "AQKJ", "AQMC", "AQKC")
_STAMP = re.compile(r"(\d{14})")
_TYPE = re.compile(r"_([A-Z]{4,5})_", re.I)


@dataclass
class Item:
    """One networking file to process, from one source."""

    source: str
    name: str
    data: bytes
    ack: Ack | None = None
    seq: int = 0  # JetStream stream sequence (0 for other sources)
    published: float = 0.0  # publish time (POSIX) when the source knows it
    error: str = ""  # the source could not even turn the input into a file


def order_key(name: str) -> tuple[str, int, str]:
    """File-name time order; definitions before data of the same second (issue 3 §3)."""
    stamp = _STAMP.search(name)
    kind = _TYPE.search(name)
    rank = 0 if kind and kind.group(1).upper() in DEFINITION_TYPES else 1
    return (stamp.group(1) if stamp else "99999999999999", rank, name)


@dataclass
class Source:
    """Base: ``drained`` turns true once the source has nothing more for ``--once``."""

    name: str = "source"
    drained: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, queue: asyncio.Queue[Item]) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def close(self) -> None:
        return None


@dataclass
class DirectorySource(Source):
    """A directory of family-A/B files, listed again every ``poll`` seconds for new names.

    Listing a directory is how new input is discovered (no inotify dependency); the engine's
    timers never depend on it. Names of files no longer in the directory are forgotten at each
    listing (``listed`` tells the runner which names to keep in the checkpoint), so the
    processed list follows the directory instead of growing forever; ``delete_processed``
    removes each file once the checkpoint covering it has committed (a spool).
    """

    path: Path = Path(".")
    processed: set[str] = field(default_factory=set)
    poll: float = 1.0
    name: str = "dir"
    delete_processed: bool = False
    #: names of the input files at the last listing (None before the first one)
    listed: set[str] | None = None
    _seen: set[str] = field(default_factory=set)

    def pending(self) -> list[Path]:
        files = [
            p for p in self.path.iterdir() if p.is_file() and p.suffix.lower() in (".txt", ".xml")
        ]
        names = {p.name for p in files}
        self.processed &= names
        self._seen &= names
        self.listed = names
        fresh = [p for p in files if p.name not in self.processed and p.name not in self._seen]
        return sorted(fresh, key=lambda p: order_key(p.name))

    async def run(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            for path in self.pending():
                self._seen.add(path.name)
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    await queue.put(Item(self.name, path.name, b"", error=f"unreadable: {exc}"))
                    continue
                await queue.put(Item(self.name, path.name, data, ack=self._acker(path.name)))
            self.drained.set()
            await asyncio.sleep(self.poll)

    def _acker(self, name: str) -> Ack:
        def ack() -> None:
            self.processed.add(name)
            if self.delete_processed:
                (self.path / name).unlink(missing_ok=True)

        return ack


@dataclass
class NatsSource(Source):
    """A durable JetStream pull consumer on ``minesafe.readings.>``.

    Messages at or below ``committed`` (the checkpoint's sequence) were stored before a crash
    that came before their ack: they are acked and skipped.

    A runner's source (``from_checkpoint``: every runner, partitioned or not) does not trust the
    consumer's own position: it deletes its consumer and creates it again starting right after
    the checkpoint's sequence. Messages delivered before a restart and never acknowledged then
    come again in order, not after their ack wait behind newer ones. The checkpoint is the only
    record of progress (no waiting for a dead owner's unacked messages to time out), and the
    old owner's pulls fail at once — a second fence besides the database epoch. Acks still
    bound the messages in flight.
    """

    url: str = "nats://127.0.0.1:4222"
    stream: str = brokers.STREAM
    durable: str = brokers.DEFAULT_DURABLE
    subjects: str = brokers.SUBJECTS
    stream_subjects: str = ""  # the stream's subjects if it must be created (default: subjects)
    committed: int = 0
    from_checkpoint: bool = False
    batch: int = 512
    ack_wait: float = 60.0
    name: str = "nats"
    _nc: Any = None
    _lost: Any = None
    skipped: int = 0

    async def connect(self) -> Any:
        import nats
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        lost = asyncio.Event()

        async def disconnected() -> None:
            lost.set()

        self._lost = lost
        self._nc = await nats.connect(
            brokers.servers(self.url),
            connect_timeout=3,
            max_reconnect_attempts=-1,
            disconnected_cb=disconnected,
        )
        js = self._nc.jetstream()
        await brokers.ensure_stream(js, self.stream, [self.stream_subjects or self.subjects])
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_ack_pending=200_000,
            filter_subject=self.subjects,
        )
        if self.from_checkpoint:
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(self.stream, self.durable)
            if self.committed:
                config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
                config.opt_start_seq = self.committed + 1
            await js.add_consumer(self.stream, config)
            return await js.pull_subscribe_bind(self.durable, self.stream)
        return await js.pull_subscribe(
            self.subjects, durable=self.durable, stream=self.stream, config=config
        )

    async def run(self, queue: asyncio.Queue[Item]) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        sub = await self.connect()
        while True:
            if self._lost.is_set():
                # A pull subscription does not resume reliably across a server restart: the
                # worker starts again from its checkpoint with a fresh one (runner.TRANSIENT).
                raise ConnectionError("NATS connection lost")
            try:
                messages = await sub.fetch(self.batch, timeout=1.0)
            except (TimeoutError, NatsTimeout):
                self.drained.set()
                continue
            self.drained.clear()  # more came: --once waits for the next empty fetch
            for msg in messages:
                await self._deliver(msg, queue)

    async def _deliver(self, msg: Any, queue: asyncio.Queue[Item]) -> None:
        meta = msg.metadata
        seq = int(meta.sequence.stream)
        if seq <= self.committed:
            self.skipped += 1
            await msg.ack()
            return
        name = (msg.headers or {}).get("Nats-Msg-Id") or f"{msg.subject}-{seq}"
        published = meta.timestamp.timestamp() if meta.timestamp else time.time()
        await queue.put(Item(self.name, name, msg.data, ack=msg.ack, seq=seq, published=published))

    async def close(self) -> None:
        if self._nc is not None:  # acks were sent at the last checkpoint: nothing to drain
            with contextlib.suppress(Exception):
                await self._nc.close()


@dataclass
class MqttSource(Source):
    """``minesafe/+/readings`` at QoS 1 with a persistent session named after the worker.

    PUBACKs are sent by hand after the checkpoint commits (paho ``manual_ack``), so the broker
    redelivers what a crashed runner had not stored.
    """

    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "minesafe-engine"
    topic: str = brokers.MQTT_TOPIC_FILTER
    idle: float = 1.0
    name: str = "mqtt"
    _client: Any = None
    _last: float = field(default_factory=time.monotonic)

    async def run(self, queue: asyncio.Queue[Item]) -> None:
        import paho.mqtt.client as mqtt

        loop = asyncio.get_running_loop()
        subscribed = asyncio.Event()
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            manual_ack=True,
        )

        def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
            c.subscribe(self.topic, qos=1)

        def on_subscribe(*args: Any) -> None:
            loop.call_soon_threadsafe(subscribed.set)

        def on_message(c: Any, userdata: Any, msg: Any) -> None:
            item = self._item(msg, c)
            loop.call_soon_threadsafe(self._arrived, queue, item)

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        self._client = client
        client.connect(self.host, self.port, keepalive=30)
        client.loop_start()
        await subscribed.wait()
        self._last = time.monotonic()
        while True:
            await asyncio.sleep(self.idle / 4)
            if time.monotonic() - self._last >= self.idle:
                self.drained.set()

    def _arrived(self, queue: asyncio.Queue[Item], item: Item) -> None:
        self._last = time.monotonic()
        queue.put_nowait(item)

    def _item(self, msg: Any, client: Any) -> Item:
        def ack() -> None:
            client.ack(msg.mid, msg.qos)

        try:
            name, data = brokers.mqtt_to_family_a(msg.payload)
        except brokers.PayloadError as exc:
            return Item(self.name, msg.topic, b"", ack=ack, error=str(exc))
        return Item(self.name, name, data, ack=ack, published=time.time())

    async def close(self) -> None:
        if self._client is not None:
            self._client.loop_stop()
            self._client.disconnect()
