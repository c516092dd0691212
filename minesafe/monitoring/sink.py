"""The database side of the engine: alarms, statistics, archive and checkpoints (issue 3 §4).

The pure engine emits :class:`~minesafe.engine.events.AlarmEvent`s; this sink stores them.

- Alarms are upserted on ``AlarmEvent.key`` in one transaction per batch: an ``open`` seen twice
  is one row, a ``close`` of an episode never seen creates it closed, and nothing reopens a
  closed episode, so replaying a stretch of input after a restart changes nothing.
- Readings are aggregated in NumPy into 1-minute and 5-minute partials held in memory and written
  with the checkpoint, in the checkpoint's transaction: statistics then count every reading
  exactly once, because a restart resumes from that checkpoint's offsets.
- Raw readings go to Parquet (:mod:`minesafe.monitoring.archive`), one part per mine, day and
  checkpoint, named by the checkpoint's number so a part lost to a crash is rewritten, not doubled.
- Late readings (at or before their point's watermark, see ``docs/monitoring.md``) never touch
  the statistics or the archive: they are kept as :class:`LateReading` rows, written with the
  checkpoint like the statistics, and the alarms they would have raised are stored flagged
  ``late`` with their arrival time, under a key of their own (AQ 6201 4.6.6: stored data is
  not changed afterwards).
- A partitioned runner's sink carries the partition's owner ``epoch`` (issue 6 §7): its
  checkpoint row is updated only ``WHERE epoch = <mine>``, and alarm batches first lock the row
  on the same condition, so a worker that lost the partition (a paused "zombie") can write
  nothing after the new owner took it: :class:`Fenced` is raised and the transaction rolls back.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, transaction

from minesafe.engine.events import Action, AlarmEvent
from minesafe.monitoring import archive, evidence
from minesafe.monitoring.models import Alarm, EngineCheckpoint, LateReading, ReadingStat
from minesafe.monitoring.stats import ReadingColumns, StatTable, aggregate, merge
from minesafe.registry.models import Mine

UTC = dt.UTC
ALARM_UPDATE_FIELDS = ["level", "closed_at", "peak", "last_value", "details", "updated_at"]
LATE_KEY = "late|"


def to_datetime(posix: float | None) -> dt.datetime | None:
    """Engine time (POSIX seconds) as an aware UTC datetime; None when absent, not finite or
    outside the calendar (the parsers quarantine such times; this keeps the sink from ever
    failing on one)."""
    if posix is None or not math.isfinite(posix):
        return None
    try:
        return dt.datetime.fromtimestamp(posix, UTC)
    except (ValueError, OverflowError, OSError):
        return None


class MineIndex:
    """Mine code → mine id, loaded once and refreshed on a miss (a mine registered later)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._missed: set[str] = set()

    def refresh(self) -> None:
        self._ids = dict(Mine.objects.values_list("code", "pk"))
        self._missed.clear()

    def get(self, code: str) -> int | None:
        if code not in self._ids and code not in self._missed:
            found = Mine.objects.filter(code=code).values_list("pk", flat=True).first()
            if found is None:
                self._missed.add(code)
            else:
                self._ids[code] = found
        return self._ids.get(code)

    def facts(self) -> dict[str, dict[str, Any]]:
        """Mine facts the engine judges with, per mine code: the gas grade (issue 3 §2) and the
        approved underground headcount for mine-level over-staffing (PER-7; absent when the
        register has none, which the engine reads as "no limit declared")."""
        rows = Mine.objects.values_list("code", "gas_grade", "approved_underground_headcount")
        return {
            code: {"gas_grade": grade} | ({"approved_underground": n} if n else {})
            for code, grade, n in rows
        }


@dataclass
class AlarmResult:
    """What one batch of events did: rows created, rows changed, events of unknown mines."""

    created: int = 0
    changed: int = 0
    unknown_mines: Counter[str] = field(default_factory=Counter)
    invalid: int = 0


@dataclass(frozen=True)
class LateArrival:
    """Late readings' alarms: when the readings arrived, and the newest of them (an episode
    they leave open is shown closed there: what followed is already in the stored history)."""

    arrived: dt.datetime
    until: float


def finite(details: Any) -> Any:
    """Alarm details as JSON the database accepts: a threshold or value that is not a finite
    number (a hostile definition's NaN or infinity) is stored as null."""
    if isinstance(details, dict):
        return {str(k): finite(v) for k, v in details.items()}
    if isinstance(details, list | tuple):
        return [finite(v) for v in details]
    if isinstance(details, float) and not math.isfinite(details):
        return None
    return details


def _new_alarm(event: AlarmEvent, mine_id: int, late: LateArrival | None = None) -> Alarm:
    return Alarm(
        mine_id=mine_id,
        late=late is not None,
        arrived_at=late.arrived if late else None,
        point_code=event.subject,
        kind=event.kind.value,
        level=int(event.level),
        opened_at=to_datetime(event.opened_at),
        closed_at=None,
        peak=event.peak,
        last_value=event.value,
        details=finite(event.details),
        key=_key(event, late),
    )


def _key(event: AlarmEvent, late: LateArrival | None) -> str:
    return event.key if late is None else LATE_KEY + event.key


def apply_event(alarm: Alarm, event: AlarmEvent) -> bool:
    """Fold one event into a stored episode; True if it changed. Closed episodes stay closed."""
    if alarm.closed_at is not None:
        return False
    before = (alarm.level, alarm.peak, alarm.last_value, alarm.details)
    alarm.level = int(event.level)
    if event.peak is not None:
        alarm.peak = event.peak
    if event.value is not None:
        alarm.last_value = event.value
    if event.details:
        alarm.details = {**alarm.details, **finite(event.details)}
    if event.action is Action.CLOSE:
        alarm.closed_at = to_datetime(event.closed_at if event.closed_at is not None else event.at)
        return True
    return before != (alarm.level, alarm.peak, alarm.last_value, alarm.details)


def store_events(
    events: Sequence[AlarmEvent], mines: MineIndex, late: LateArrival | None = None
) -> AlarmResult:
    """Upsert a batch of events on their keys (call inside a transaction).

    With ``late``, they are late readings' alarms: stored flagged late under their own keys,
    left closed, and skipped where the live engine already raised the same episode."""
    result = AlarmResult()
    if not events:
        return result
    keys = {_key(e, late) for e in events}
    existing = {a.key: a for a in Alarm.objects.filter(key__in=keys)}
    raised = set()
    if late is not None:
        live = Alarm.objects.filter(key__in={e.key for e in events})
        raised = set(live.values_list("key", flat=True))
    touched: dict[str, Alarm] = {}
    for event in events:
        if event.key in raised:
            continue
        if to_datetime(event.opened_at) is None:
            result.invalid += 1  # an engine defect: counted, never a crash of the sink
            continue
        mine_id = mines.get(event.mine_code)
        if mine_id is None:
            result.unknown_mines[event.mine_code] += 1
            continue
        key = _key(event, late)
        alarm = existing.get(key)
        if alarm is None:
            alarm = existing[key] = _new_alarm(event, mine_id, late)
            apply_event(alarm, event)
            touched[key] = alarm
            result.created += 1
        elif apply_event(alarm, event):
            touched[key] = alarm
    if late is not None:
        until = to_datetime(late.until)
        for alarm in touched.values():
            if alarm.closed_at is None:
                alarm.closed_at = max(alarm.opened_at, until) if until else alarm.opened_at
    result.changed = len(touched) - result.created
    _bulk_upsert(Alarm, list(touched.values()), ["key"], ALARM_UPDATE_FIELDS)
    return result


def _bulk_upsert(model: Any, rows: list[Any], unique: list[str], update: list[str]) -> None:
    if not rows:
        return
    now = dt.datetime.now(UTC)
    for row in rows:
        row.created_at = row.created_at or now
        row.updated_at = now
    model.objects.bulk_create(
        rows, batch_size=500, update_conflicts=True, unique_fields=unique, update_fields=update
    )


def upsert(
    model: Any,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    conflict: list[str],
    updates: dict[str, str],
) -> None:
    """``INSERT … ON CONFLICT … DO UPDATE`` of many rows (SQLite ≥ 3.24, PostgreSQL).

    The ORM's ``bulk_create`` costs ~30 µs a field in Python, too slow for statistics of
    thousands of points a second. SQLite takes ``executemany``; PostgreSQL takes the rows by
    ``COPY`` into a temporary table and merges them with one statement (psycopg's
    ``executemany`` costs ~300 µs a row). In ``updates``, ``{t}`` is the stored row,
    ``excluded`` the new one.
    """
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    sets = ", ".join(f"{qn(c)} = {expr.format(t=table)}" for c, expr in updates.items())
    tail = f"ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO UPDATE SET {sets}"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            values = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({values}) {tail}", rows)
            return
        staging = qn(f"_upsert_{model._meta.db_table}")
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {staging} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # WHERE true: PostgreSQL's grammar needs it before ON CONFLICT after a SELECT.
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} WHERE true {tail}"
        )
        cursor.execute(f"DROP TABLE {staging}")


def _greater(column: str, op: str) -> str:
    q = connection.ops.quote_name(column)
    return f"CASE WHEN excluded.{q} {op} {{t}}.{q} THEN excluded.{q} ELSE {{t}}.{q} END"


def _stat_updates() -> dict[str, str]:
    """Merge a new partial into a stored bucket, exactly (the average weighted by counts)."""
    qn = connection.ops.quote_name
    avg, count, last = qn("avg"), qn("count"), qn("last_at")
    return {
        # a row stored before last_at existed has none: the new partial's is then the newest
        "last_at": f"CASE WHEN {{t}}.{last} IS NULL OR excluded.{last} > {{t}}.{last} "
        f"THEN excluded.{last} ELSE {{t}}.{last} END",
        "max": _greater("max", ">"),
        "min": _greater("min", "<"),
        "avg": f"({{t}}.{avg} * {{t}}.{count} + excluded.{avg} * excluded.{count}) "
        f"/ ({{t}}.{count} + excluded.{count})",
        "count": f"{{t}}.{count} + excluded.{count}",
        "updated_at": "excluded.updated_at",
    }


STAT_COLUMNS = [
    "created_at", "updated_at", "mine_id", "point_code", "period", "bucket",
    "max", "min", "avg", "count", "last_at",
]  # fmt: skip


Names = Callable[[int], tuple[str, str]]


def store_stats(table: StatTable, names: Names, mines: MineIndex) -> Counter[str]:
    """Upsert partial statistics, merged in the database with the stored buckets; returns the
    readings of unknown mine codes. ``names`` gives a point ref's (mine code, point code)."""
    unknown: Counter[str] = Counter()
    if not len(table):
        return unknown
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(dt.datetime.now(UTC))
    points = {ref: names(ref) for ref in set(table.ref.tolist())}
    ids = {code: mines.get(code) for code, _ in points.values()}
    stamps = {b: adapt(to_datetime(b)) for b in set(table.bucket.tolist())}
    rows = []
    for (ref, period, bucket, mx, mn, avg, n), last in zip(
        table.rows(), table.last.tolist(), strict=True
    ):
        mine, point = points[ref]
        mine_id = ids[mine]
        if mine_id is None:
            unknown[mine] += n
            continue
        last_at = adapt(to_datetime(last))
        rows.append((now, now, mine_id, point, period, stamps[bucket], mx, mn, avg, n, last_at))
    upsert(ReadingStat, STAT_COLUMNS, rows, ["mine_id", "point_code", "period", "bucket"],
           _stat_updates())  # fmt: skip
    return unknown


class Fenced(RuntimeError):
    """The partition has a newer owner (its epoch moved on): this worker must stop it."""


@dataclass
class Claim:
    """A partition's checkpoint as its new owner takes it: the epoch to write under."""

    epoch: int
    state: CheckpointState | None


def store_late_readings(
    parts: Sequence[tuple[ReadingColumns, float]], names: Names, mines: MineIndex, worker: str
) -> int:
    """Keep late readings as they came, each with its arrival time; returns how many."""
    rows = []
    for cols, arrived in parts:
        arrived_at = to_datetime(arrived)
        columns = (cols.ref.tolist(), cols.time.tolist(), cols.value.tolist(), cols.status.tolist())
        for ref, t, value, status in zip(*columns, strict=True):
            mine, point = names(ref)
            mine_id = mines.get(mine)
            if mine_id is None:
                continue
            rows.append(
                LateReading(
                    mine_id=mine_id,
                    point_code=point,
                    read_at=to_datetime(t),
                    value=value,
                    status=status,
                    arrived_at=arrived_at,
                    worker=worker,
                )
            )
    LateReading.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@dataclass
class Pending:
    """What a checkpoint writes, detached from the sink on the engine thread so the engine can
    go on consuming while a second thread writes it."""

    tables: list[StatTable]
    readings: list[ReadingColumns]
    counters: Counter[str]
    watermark: float
    late: list[tuple[ReadingColumns, float]] = field(default_factory=list)


@dataclass
class Offsets:
    """How far each source got: file names done, the last JetStream sequence committed."""

    processed_files: set[str] = field(default_factory=set)
    nats_sequence: int = 0


@dataclass
class CheckpointState:
    """What a runner restores from: the engine snapshot, offsets and counters."""

    snapshot: bytes
    offsets: Offsets
    counters: Counter[str]
    number: int
    open_stats: bytes = b""  # statistics of buckets not yet closed (StatTable.to_bytes)


def load_checkpoint(worker: str) -> CheckpointState | None:
    return _state(EngineCheckpoint.objects.filter(worker=worker).first())


def _state(row: EngineCheckpoint | None) -> CheckpointState | None:
    if row is None or not row.saved_at:
        return None
    counters: Counter[str] = Counter(row.counters)
    return CheckpointState(
        snapshot=bytes(row.snapshot),
        offsets=Offsets(set(row.processed_files), row.nats_sequence),
        counters=counters,
        number=int(counters.get("checkpoints", 0)),
        open_stats=bytes(row.open_stats),
    )


def claim_checkpoint(worker: str, owner: str) -> Claim:
    """Take a partition's checkpoint row for ``owner``: epoch + 1, then read the state under
    that lock, so whatever the previous owner committed before is what we resume from and
    whatever it tries after is refused (:class:`Fenced`)."""
    now = dt.datetime.now(UTC)
    with transaction.atomic():
        rows = EngineCheckpoint.objects.select_for_update().filter(worker=worker)
        row = rows.first()
        if row is None:  # a partition never run: its row, epoch 0, no state
            EngineCheckpoint.objects.bulk_create(
                [EngineCheckpoint(worker=worker, saved_at=now, created_at=now, updated_at=now)],
                ignore_conflicts=True,
            )
            row = rows.get()
        epoch = row.epoch + 1
        EngineCheckpoint.objects.filter(pk=row.pk).update(epoch=epoch, owner=owner, updated_at=now)
        state = _state(row) if row.snapshot or row.nats_sequence or row.open_stats else None
        return Claim(epoch, state)


def hold_epoch(worker: str, epoch: int) -> None:
    """Lock the partition's row if we still own it (call inside a transaction), else Fenced."""
    if not EngineCheckpoint.objects.filter(worker=worker, epoch=epoch).update(epoch=epoch):
        raise Fenced(f"{worker}: epoch {epoch} is no longer the owner's")


def _save_checkpoint(
    worker: str, state: CheckpointState, now: dt.datetime, epoch: int | None = None
) -> None:
    """Insert or update the worker's row without the per-object audit (machine state); with an
    ``epoch``, only if that is still the partition's epoch."""
    values = {
        "snapshot": state.snapshot,
        "processed_files": sorted(state.offsets.processed_files),
        "nats_sequence": state.offsets.nats_sequence,
        "open_stats": state.open_stats,
        "counters": dict(state.counters),
        "saved_at": now,
        "updated_at": now,
    }
    if epoch is not None:
        if not EngineCheckpoint.objects.filter(worker=worker, epoch=epoch).update(**values):
            raise Fenced(f"{worker}: epoch {epoch} is no longer the owner's")
        return
    if not EngineCheckpoint.objects.filter(worker=worker).update(**values):
        EngineCheckpoint.objects.bulk_create(
            [EngineCheckpoint(worker=worker, created_at=now, **values)]
        )


def _no_names(ref: int) -> tuple[str, str]:
    raise LookupError(f"point ref {ref}: the sink was given no names (Pipeline.point_name)")


class Sink:
    """Stores one runner's output: alarms per batch, statistics and archive per checkpoint."""

    def __init__(
        self,
        worker: str,
        archive_dir: Any = None,
        names: Names | None = None,
        epoch: int | None = None,
    ) -> None:
        self.worker = worker
        self.epoch = epoch  # a partition's fencing token (None: a single unpartitioned runner)
        self.names: Names = names or _no_names
        self.mines = MineIndex()
        self.archive_dir = archive_dir
        self.counters: Counter[str] = Counter()
        self._tables: list[StatTable] = []
        self._open = StatTable.empty()  # partials of buckets still open at the last checkpoint
        self._watermark = -math.inf  # the newest reading time seen
        self._readings: list[ReadingColumns] = []
        self._late: list[tuple[ReadingColumns, float]] = []

    def store_alarms(
        self, events: Sequence[AlarmEvent], late: LateArrival | None = None
    ) -> AlarmResult:
        """One transaction: the batch's alarms become visible at once."""
        with transaction.atomic():
            if events and self.epoch is not None:
                hold_epoch(self.worker, self.epoch)
            result = store_events(events, self.mines, late)
        prefix = "late_" if late is not None else ""
        self.counters[f"{prefix}alarm_events"] += len(events)
        self.counters[f"{prefix}alarms_created"] += result.created
        self.counters["invalid_events"] += result.invalid
        self._count_unknown(result.unknown_mines)
        return result

    def add_readings(self, batch: ReadingColumns) -> None:
        """Aggregate a batch now (NumPy); store it with the next checkpoint."""
        if not len(batch):
            return
        self._tables.append(aggregate(batch))
        finite = batch.time[np.isfinite(batch.time)]
        if finite.shape[0]:
            self._watermark = max(self._watermark, float(finite.max()))
        if len(self._tables) >= 64:  # keep memory bounded between checkpoints
            self._tables = [merge(self._tables)]
        if self.archive_dir is not None:
            self._readings.append(batch)
        self.counters["readings"] += len(batch)

    def add_late(self, batch: ReadingColumns, arrived: float) -> None:
        """Keep late readings (arrived at POSIX ``arrived``) for the next checkpoint."""
        if len(batch):
            self._late.append((batch, arrived))
            self.counters["late_readings"] += len(batch)

    def restore_open(self, data: bytes) -> None:
        """Take back the open buckets' partials of a checkpoint (a restart)."""
        self._open = StatTable.from_bytes(data)

    def detach(self) -> Pending:
        """Hand over what the next checkpoint writes and start afresh (the engine thread)."""
        pending = Pending(self._tables, self._readings, self.counters, self._watermark, self._late)
        self._tables, self._readings, self.counters, self._late = [], [], Counter(), []
        return pending

    def checkpoint(
        self,
        state: CheckpointState,
        now: dt.datetime,
        final: bool = False,
        pending: Pending | None = None,
    ) -> CheckpointState:
        """Write closed statistics, archive part and checkpoint together; returns the saved state.

        ``state`` carries the new snapshot and offsets with the counters of the last checkpoint;
        the counts since then are added to them. Only buckets that have ended (by the newest
        reading time) are written; open ones travel in the checkpoint, so each bucket row is
        written about once instead of at every checkpoint. ``final`` writes them all (a stop;
        a later partial of the same bucket merges into the row). ``pending`` is what
        :meth:`detach` took on the engine thread (default: detach now); this may then run on
        another thread, one checkpoint at a time.
        """
        if pending is None:
            pending = self.detach()
        number = state.number + 1
        parts: list[Path] = []
        if self.archive_dir is not None and pending.readings:
            batch = ReadingColumns.concat(pending.readings)
            part = f"{self.worker}-{number:08d}"
            parts = archive.write_parts(self.archive_dir, batch, part, self.names)
        merged = merge([self._open, *pending.tables])
        done = np.ones(len(merged), bool) if final else merged.closed(pending.watermark)
        still_open = merged.select(~done)
        counters = Counter(state.counters)
        counters.update(pending.counters)
        with transaction.atomic():
            if parts:
                evidence.record_parts(Path(self.archive_dir), parts, self.mines.get, now)
            unknown = store_stats(merged.select(done), self.names, self.mines)
            store_late_readings(pending.late, self.names, self.mines, self.worker)
            for code, n in unknown.items():
                counters["unknown_mine_readings"] += n
                counters[f"unknown:{code}"] += n
            counters["checkpoints"] = number
            saved = CheckpointState(
                state.snapshot, state.offsets, counters, number, still_open.to_bytes()
            )
            # Last statement: the row lock (the fence) is held only until the commit.
            _save_checkpoint(self.worker, saved, now, self.epoch)
        self._open = still_open
        return saved

    def _count_unknown(self, unknown: Counter[str], name: str = "unknown_mine_events") -> None:
        for code, n in unknown.items():
            self.counters[name] += n
            self.counters[f"unknown:{code}"] += n
