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
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from minesafe.engine.events import Action, AlarmEvent
from minesafe.monitoring import archive
from minesafe.monitoring.models import Alarm, EngineCheckpoint, ReadingStat
from minesafe.monitoring.stats import Partial, ReadingColumns, StatKey, aggregate_all, merge_into
from minesafe.registry.models import Mine

UTC = dt.UTC
ALARM_UPDATE_FIELDS = ["level", "closed_at", "peak", "last_value", "details", "updated_at"]
STAT_UPDATE_FIELDS = ["max", "min", "avg", "count", "updated_at"]


def to_datetime(posix: float | None) -> dt.datetime | None:
    """Engine time (POSIX seconds) as an aware UTC datetime (None when absent or not finite)."""
    if posix is None or not math.isfinite(posix):
        return None
    return dt.datetime.fromtimestamp(posix, UTC)


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

    def gas_grades(self) -> dict[str, str]:
        """Mine facts the engine grades with (issue 3 §2): gas grade per mine code."""
        return dict(Mine.objects.values_list("code", "gas_grade"))


@dataclass
class AlarmResult:
    """What one batch of events did: rows created, rows changed, events of unknown mines."""

    created: int = 0
    changed: int = 0
    unknown_mines: Counter[str] = field(default_factory=Counter)
    invalid: int = 0


def _new_alarm(event: AlarmEvent, mine_id: int) -> Alarm:
    return Alarm(
        mine_id=mine_id,
        point_code=event.subject,
        kind=event.kind.value,
        level=int(event.level),
        opened_at=to_datetime(event.opened_at),
        closed_at=None,
        peak=event.peak,
        last_value=event.value,
        details=dict(event.details),
        key=event.key,
    )


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
        alarm.details = {**alarm.details, **event.details}
    if event.action is Action.CLOSE:
        alarm.closed_at = to_datetime(event.closed_at if event.closed_at is not None else event.at)
        return True
    return before != (alarm.level, alarm.peak, alarm.last_value, alarm.details)


def store_events(events: Sequence[AlarmEvent], mines: MineIndex) -> AlarmResult:
    """Upsert a batch of events on their keys (call inside a transaction)."""
    result = AlarmResult()
    if not events:
        return result
    keys = {e.key for e in events}
    existing = {a.key: a for a in Alarm.objects.filter(key__in=keys)}
    touched: dict[str, Alarm] = {}
    for event in events:
        if not math.isfinite(event.opened_at):
            result.invalid += 1  # an engine defect: counted, never a crash of the sink
            continue
        mine_id = mines.get(event.mine_code)
        if mine_id is None:
            result.unknown_mines[event.mine_code] += 1
            continue
        alarm = existing.get(event.key)
        if alarm is None:
            alarm = existing[event.key] = _new_alarm(event, mine_id)
            apply_event(alarm, event)
            touched[event.key] = alarm
            result.created += 1
        elif apply_event(alarm, event):
            touched[event.key] = alarm
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


def store_stats(partials: dict[StatKey, Partial], mines: MineIndex) -> Counter[str]:
    """Merge partials with the stored buckets and upsert them; returns unknown mine codes."""
    unknown: Counter[str] = Counter()
    by_mine: dict[int, dict[StatKey, Partial]] = {}
    for key, part in partials.items():
        mine_id = mines.get(key[0])
        if mine_id is None:
            unknown[key[0]] += part.count
        else:
            by_mine.setdefault(mine_id, {})[key] = part
    rows: list[ReadingStat] = []
    for mine_id, parts in by_mine.items():
        stored = _stored_stats(mine_id, parts)
        for key, part in parts.items():
            old = stored.get(key)
            merged = part if old is None else old.merge(part)
            rows.append(
                ReadingStat(
                    mine_id=mine_id,
                    point_code=key[1],
                    period=key[2],
                    bucket=to_datetime(key[3]),
                    max=merged.max,
                    min=merged.min,
                    avg=merged.avg,
                    count=merged.count,
                )
            )
    _bulk_upsert(ReadingStat, rows, ["mine", "point_code", "period", "bucket"], STAT_UPDATE_FIELDS)
    return unknown


def _stored_stats(mine_id: int, parts: dict[StatKey, Partial]) -> dict[StatKey, Partial]:
    """The rows already stored for the buckets of ``parts`` (one query per mine)."""
    first = min(k[3] for k in parts)
    last = max(k[3] for k in parts)
    points = {k[1] for k in parts}
    rows = ReadingStat.objects.filter(
        mine_id=mine_id,
        point_code__in=points,
        bucket__gte=to_datetime(first),
        bucket__lte=to_datetime(last),
    ).values_list("mine__code", "point_code", "period", "bucket", "max", "min", "avg", "count")
    return {
        (code, point, period, int(bucket.timestamp())): Partial.from_row(mx, mn, avg, n)
        for code, point, period, bucket, mx, mn, avg, n in rows
    }


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


def load_checkpoint(worker: str) -> CheckpointState | None:
    row = EngineCheckpoint.objects.filter(worker=worker).first()
    if row is None:
        return None
    counters: Counter[str] = Counter(row.counters)
    return CheckpointState(
        snapshot=bytes(row.snapshot),
        offsets=Offsets(set(row.processed_files), row.nats_sequence),
        counters=counters,
        number=int(counters.get("checkpoints", 0)),
    )


def _save_checkpoint(worker: str, state: CheckpointState, now: dt.datetime) -> None:
    """Insert or update the worker's row without the per-object audit (machine state)."""
    values = {
        "snapshot": state.snapshot,
        "processed_files": sorted(state.offsets.processed_files),
        "nats_sequence": state.offsets.nats_sequence,
        "counters": dict(state.counters),
        "saved_at": now,
        "updated_at": now,
    }
    if not EngineCheckpoint.objects.filter(worker=worker).update(**values):
        EngineCheckpoint.objects.bulk_create(
            [EngineCheckpoint(worker=worker, created_at=now, **values)]
        )


class Sink:
    """Stores one runner's output: alarms per batch, statistics and archive per checkpoint."""

    def __init__(self, worker: str, archive_dir: Any = None) -> None:
        self.worker = worker
        self.mines = MineIndex()
        self.archive_dir = archive_dir
        self.counters: Counter[str] = Counter()
        self._partials: dict[StatKey, Partial] = {}
        self._readings: list[ReadingColumns] = []

    def store_alarms(self, events: Sequence[AlarmEvent]) -> AlarmResult:
        """One transaction: the batch's alarms become visible at once."""
        with transaction.atomic():
            result = store_events(events, self.mines)
        self.counters["alarm_events"] += len(events)
        self.counters["alarms_created"] += result.created
        self.counters["invalid_events"] += result.invalid
        self._count_unknown(result.unknown_mines)
        return result

    def add_readings(self, batch: ReadingColumns) -> None:
        """Aggregate a batch now (NumPy); store it with the next checkpoint."""
        if not len(batch):
            return
        merge_into(self._partials, aggregate_all(batch))
        if self.archive_dir is not None:
            self._readings.append(batch)
        self.counters["readings"] += len(batch)

    def checkpoint(self, state: CheckpointState, now: dt.datetime) -> CheckpointState:
        """Write statistics, archive part and checkpoint together; returns the saved state.

        ``state`` carries the new snapshot and offsets with the counters of the last checkpoint;
        the counts since then are added to them.
        """
        number = state.number + 1
        if self.archive_dir is not None and self._readings:
            batch = ReadingColumns.concat(self._readings)
            archive.write_parts(self.archive_dir, batch, f"{self.worker}-{number:08d}")
        with transaction.atomic():
            self._count_unknown(store_stats(self._partials, self.mines), "unknown_mine_readings")
            counters = Counter(state.counters)
            counters.update(self.counters)
            counters["checkpoints"] = number
            saved = CheckpointState(state.snapshot, state.offsets, counters, number)
            _save_checkpoint(self.worker, saved, now)
        self._partials = {}
        self._readings = []
        self.counters = Counter()
        return saved

    def _count_unknown(self, unknown: Counter[str], name: str = "unknown_mine_events") -> None:
        for code, n in unknown.items():
            self.counters[name] += n
            self.counters[f"unknown:{code}"] += n
