"""Parse → engine: the one path every source and the upload take (issue 3 §3).

Wraps the pure engine (:mod:`minesafe.engine`) for the database side: files in, alarm events,
readings as columns (for statistics and the archive) and quarantined records out. Point
definitions found in CDDY / AQMC files are also stored as :class:`SensorPoint` rows, and the
points and mine facts already in the database are loaded into a fresh engine.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Max

from minesafe.core.context import audit_reason, current_reason
from minesafe.core.signals import BulkChange, log_bulk
from minesafe.engine import familya, familyb
from minesafe.engine.engine import Engine
from minesafe.engine.events import AlarmEvent
from minesafe.engine.model import (
    KeyedReadings,
    ParsedFile,
    PointDef,
    Quarantine,
    ReadingBatch,
    point_key,
)
from minesafe.engine.plausibility import Bounds, bounds_at
from minesafe.monitoring.models import EngineCheckpoint, ReadingStat, SensorPoint
from minesafe.monitoring.sink import MineIndex, to_datetime, upsert
from minesafe.monitoring.stats import ReadingColumns
from minesafe.positioning.store import store_parsed as store_positioning

NAN = float("nan")
#: Checkpoint worker name prefix of a mine's HTTP uploads (``upload:<mine_code>``).
UPLOAD_WORKER = "upload:"


@dataclass
class FeedResult:
    events: list[AlarmEvent] = field(default_factory=list)
    readings: ReadingColumns = field(default_factory=ReadingColumns.empty)
    quarantine: list[Any] = field(default_factory=list)
    mine_codes: set[str] = field(default_factory=set)
    points: int = 0
    records: int = 0  # good records of every kind (readings, points, areas, persons, cards)
    late: ReadingColumns = field(default_factory=ReadingColumns.empty)
    late_events: list[AlarmEvent] = field(default_factory=list)

    @property
    def late_until(self) -> float:
        """The newest late reading's time (-inf when none)."""
        return float(self.late.time.max()) if len(self.late) else -math.inf


def _num(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def point_fields(p: Any) -> dict[str, Any]:
    """A :class:`~minesafe.engine.model.PointDef` as :class:`SensorPoint` field values."""
    return {
        "sensor_type": p.sensor_type[:20],
        "value_type": p.value_type if p.value_type in ("MN", "KG") else "",
        "unit": p.unit[:20],
        "location": p.location[:200],
        "range_low": _num(p.range_lo),
        "range_high": _num(p.range_hi),
        "alarm_high": _num(p.alarm_hi),
        "restore_high": _num(p.restore_hi),
        "alarm_low": _num(p.alarm_lo),
        "restore_low": _num(p.restore_lo),
        "power_off_high": _num(p.poweroff_hi),
        "power_on_high": _num(p.poweron_hi),
        "defined_at": to_datetime(_num(p.defined_at)),
    }


#: The fields of a point definition whose changes are audited: the mine's thresholds (MON-1).
THRESHOLDS = (
    "range_low",
    "range_high",
    "alarm_high",
    "restore_high",
    "alarm_low",
    "restore_low",
    "power_off_high",
    "power_on_high",
)

Key = tuple[int, str]  # (mine id, point code)


def store_points(points: Sequence[Any], mines: MineIndex) -> int:
    """Upsert point definitions as :class:`SensorPoint` rows (points of unknown mines skipped);
    a new point or a changed threshold leaves an audit entry."""
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(dt.datetime.now(dt.UTC))
    rows: dict[Key, tuple[Any, ...]] = {}
    defined: dict[Key, dict[str, Any]] = {}
    names: list[str] = []
    for p in points:
        mine_id = mines.get(p.mine_code)
        if mine_id is None:
            continue
        values = point_fields(p)
        defined[(mine_id, p.point_code[:40])] = values
        values["defined_at"] = adapt(values["defined_at"]) if values["defined_at"] else None
        names = list(values)
        rows[(mine_id, p.point_code[:40])] = (
            now,
            now,
            mine_id,
            p.point_code[:40],
            *values.values(),
        )
    if rows:
        before = _stored_thresholds(defined)
        updates = {name: f"excluded.{connection.ops.quote_name(name)}" for name in names}
        updates["updated_at"] = "excluded.updated_at"
        columns = ["created_at", "updated_at", "mine_id", "code", *names]
        upsert(SensorPoint, columns, list(rows.values()), ["mine_id", "code"], updates)
        _audit_thresholds(defined, before)
    return len(rows)


def _points_of(keys: Iterable[Key]) -> Any:
    """The stored points among ``keys`` (a superset query, narrowed by the caller)."""
    keys = list(keys)
    mine_ids, codes = {m for m, _ in keys}, {c for _, c in keys}
    return SensorPoint.objects.filter(mine_id__in=mine_ids, code__in=codes)


def _stored_thresholds(defined: dict[Key, dict[str, Any]]) -> dict[Key, tuple[int, dict[str, Any]]]:
    """(pk, thresholds) of the points of ``defined`` already stored."""
    rows = _points_of(defined).values_list("pk", "mine_id", "code", *THRESHOLDS)
    return {
        (mine_id, code): (pk, dict(zip(THRESHOLDS, values, strict=True)))
        for pk, mine_id, code, *values in rows
        if (mine_id, code) in defined
    }


def _audit_thresholds(
    defined: dict[Key, dict[str, Any]], before: dict[Key, tuple[int, dict[str, Any]]]
) -> None:
    """An entry per new point and per point whose thresholds changed, by the uploader or the
    system (a definition file re-sent unchanged writes nothing)."""
    new = {key: values for key, values in defined.items() if key not in before}
    created = _stored_thresholds(new) if new else {}
    changes = []
    for key, values in defined.items():
        if key in before:
            pk, old = before[key]
        elif key in created:
            pk, old = created[key][0], None
        else:
            continue
        label = f"{key[1]} {values['location']}".strip()
        thresholds = {name: values[name] for name in THRESHOLDS}
        changes.append(BulkChange(SensorPoint, pk, label, key[0], old, thresholds))
    with audit_reason(current_reason.get() or "测点定义"):
        log_bulk(changes)


def _select(batch: ReadingBatch, mask: npt.NDArray[np.bool_]) -> ReadingBatch:
    return ReadingBatch(batch.point[mask], batch.t[mask], batch.value[mask], batch.status[mask])


def _columns(batch: ReadingBatch) -> ReadingColumns:
    return ReadingColumns(
        np.asarray(batch.point, np.int64),
        np.asarray(batch.t, np.float64),
        np.asarray(batch.value, np.float64),
        np.asarray(batch.status, np.int64),
    )


def _f(value: float | None) -> float:
    return NAN if value is None else float(value)


def point_def(row: SensorPoint, mine_code: str) -> PointDef:
    """A stored :class:`SensorPoint` back as the engine's definition."""
    return PointDef(
        mine_code=mine_code,
        point_code=row.code,
        sensor_type=row.sensor_type,
        value_type=row.value_type or "MN",
        unit=row.unit,
        location=row.location,
        range_lo=_f(row.range_low),
        range_hi=_f(row.range_high),
        alarm_hi=_f(row.alarm_high),
        restore_hi=_f(row.restore_high),
        alarm_lo=_f(row.alarm_low),
        restore_lo=_f(row.restore_low),
        poweroff_hi=_f(row.power_off_high),
        poweron_hi=_f(row.power_on_high),
        defined_at=(row.defined_at or row.created_at).timestamp(),
    )


def _meta(name: str) -> tuple[str, str, float] | None:
    return familya.parse_name(name) or familyb.parse_name(name)


def _groups(files: Sequence[tuple[str, bytes]]) -> Iterable[list[tuple[str, bytes]]]:
    """Consecutive CDSS files of one time together (the columnar parser's unit, as in replay);
    every other file alone."""
    group: list[tuple[str, bytes]] = []
    group_at = None
    for item in files:
        meta = _meta(item[0])
        if meta is not None and meta[1] == "CDSS":
            if group and meta[2] != group_at:
                yield group
                group = []
            group.append(item)
            group_at = meta[2]
            continue
        if group:
            yield group
            group = []
        yield [item]
    if group:
        yield group


class Pipeline:
    """The engine plus what the database side needs around it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.mines = MineIndex()
        # Newest stored reading time per point ref (another writer's stored history; -inf
        # when none is known): with the engine's own watermark it decides what is late.
        self._stored = np.full(0, -np.inf)

    @classmethod
    def restore(cls, snapshot: bytes | None) -> Pipeline:
        """Resume from a checkpoint's snapshot, or start a fresh engine."""
        return cls(Engine.restore(snapshot) if snapshot else Engine())

    @property
    def data_time(self) -> float:
        """The newest data time the engine has seen (its clock for ``--clock data``)."""
        return float(self.engine.clock)

    def load_definitions(
        self, mines: MineIndex, only: Iterable[str] | None = None
    ) -> list[AlarmEvent]:
        """Mine facts (gas grade, approved headcount) and stored points into a fresh engine;
        returns its findings."""
        self.mines = mines
        facts = mines.facts()
        if only is not None:
            wanted = set(only)
            facts = {code: f for code, f in facts.items() if code in wanted}
        events = self.engine.set_mine_facts(facts)
        rows = SensorPoint.objects.filter(mine__code__in=list(facts)).select_related("mine")
        points = [point_def(row, row.mine.code) for row in rows]
        if points:
            events += self.engine.define(points)
        return events

    def feed(self, files: Sequence[tuple[str, bytes]], now: float | None = None) -> FeedResult:
        """Parse and judge files in the order given (the caller sorts them).

        ``now`` is their arrival (POSIX seconds, default the wall clock): records implausible
        for it (:mod:`minesafe.engine.plausibility`) are quarantined, the rest go on."""
        out = FeedResult()
        readings: list[ReadingColumns] = []
        late: list[ReadingColumns] = []
        bounds = bounds_at(time.time() if now is None else now)
        for group in _groups(files):
            meta = _meta(group[0][0])
            if meta is not None and meta[1] == "CDSS":
                group = self._text_only(group, out)
                keyed, bad = familya.parse_cdss_many(group, bounds)
                out.quarantine.extend(bad)
                self._judge(keyed, out, readings, late)
                out.mine_codes.update(name.split("_", 1)[0] for name, _ in group)
                continue
            self._feed_one(*group[0], out, (readings, late), bounds)
        out.readings = ReadingColumns.concat(readings)
        out.late = ReadingColumns.concat(late)
        return out

    @staticmethod
    def _text_only(group: list[tuple[str, bytes]], out: FeedResult) -> list[tuple[str, bytes]]:
        """Drop (and quarantine) files of a CDSS group that are not UTF-8 text at all."""
        kept = []
        for name, data in group:
            if familya.split_file(data) is None:
                out.quarantine.append(Quarantine(name, 0, "not UTF-8 text", data[:200].hex()))
            else:
                kept.append((name, data))
        return kept

    def _feed_one(
        self,
        name: str,
        data: bytes,
        out: FeedResult,
        sinks: tuple[list[ReadingColumns], list[ReadingColumns]],
        bounds: Bounds,
    ) -> None:
        parsed: ParsedFile
        if familya.parse_name(name) is not None or not name.lower().endswith(".xml"):
            parsed = familya.parse_family_a(name, data, bounds)
        else:
            parsed = familyb.parse_family_b(name, data, bounds)
        out.quarantine.extend(parsed.quarantine)
        out.records += len(parsed.points) + len(parsed.areas) + len(parsed.persons)
        out.records += len(parsed.stations)
        if parsed.snapshot is not None:
            out.records += len(parsed.snapshot.presences)
        if parsed.mine_code:
            out.mine_codes.add(parsed.mine_code)
        if parsed.points:
            out.points += store_points(parsed.points, self.mines)
        if parsed.areas or parsed.persons or parsed.stations or parsed.snapshot is not None:
            store_positioning(parsed, self.mines)
        out.events.extend(self.engine.load_definitions(parsed))
        if parsed.readings is not None:
            self._judge(parsed.readings, out, *sinks)
        if parsed.snapshot is not None:
            out.events.extend(self.engine.on_personnel(parsed.snapshot))

    def _judge(
        self,
        keyed: KeyedReadings,
        out: FeedResult,
        readings: list[ReadingColumns],
        late: list[ReadingColumns],
    ) -> None:
        """Judge the new readings; the late ones go to their own store and are judged apart
        (:meth:`Engine.judge_late`), never into the statistics or the archive."""
        if not len(keyed):
            return
        out.records += len(keyed)
        batch = self.engine.readings(keyed)
        is_late = self.late_mask(batch)
        if is_late.any():
            old = _select(batch, is_late)
            out.late_events.extend(self.engine.judge_late(old))
            late.append(_columns(old))
            batch = _select(batch, ~is_late)
        out.events.extend(self.engine.on_readings(batch))
        readings.append(_columns(batch))

    def late_mask(self, batch: ReadingBatch) -> npt.NDArray[np.bool_]:
        """Readings of known points at or before their point's watermark: the newest reading
        time the engine has judged or the stored history holds (:meth:`load_stored`)."""
        known = batch.point >= 0
        mark = self.engine.watermarks(batch.point)
        if self._stored.shape[0]:
            refs = batch.point[known]
            inside = refs < self._stored.shape[0]
            stored = np.full(refs.shape[0], -np.inf)
            stored[inside] = self._stored[refs[inside]]
            mark[known] = np.maximum(mark[known], stored)
        return np.asarray(known & (batch.t <= mark))

    def load_uploaded(self, since: dt.datetime | None) -> dt.datetime | None:
        """:meth:`load_stored` for the mines uploads stored data of after ``since`` (None:
        ever); returns the newest such time, the next call's ``since``. An upload judges with
        its own engine, so this is how a runner learns that history it has not seen is
        stored, and treats readings it then receives for that time as late."""
        rows = EngineCheckpoint.objects.filter(worker__startswith=UPLOAD_WORKER)
        if since is not None:
            rows = rows.filter(saved_at__gt=since)
        found = list(rows.values_list("worker", "saved_at"))
        if found:
            self.load_stored(worker.removeprefix(UPLOAD_WORKER) for worker, _ in found)
        return max((saved for _, saved in found), default=since)

    def load_stored(self, mine_codes: Iterable[str]) -> None:
        """Read the stored history's watermark of these mines' points: the newest reading
        time of each point's stored 1-minute statistics (a bucket stored before readings
        carried it counts to its end)."""
        rows = (
            ReadingStat.objects.filter(mine__code__in=list(mine_codes), period=60)
            .values_list("mine__code", "point_code")
            .annotate(last=Max("last_at"), bucket=Max("bucket"))
        )
        index = self.engine.registry.index
        size = len(self.engine.registry)
        if self._stored.shape[0] < size:
            grown = np.full(size, -np.inf)
            grown[: self._stored.shape[0]] = self._stored
            self._stored = grown
        for mine, point, last, bucket in rows:
            ref = index.get(point_key(mine, point))
            if ref is None:
                continue
            mark = last.timestamp() if last is not None else bucket.timestamp() + 60
            self._stored[ref] = max(self._stored[ref], mark)

    def point_name(self, ref: int) -> tuple[str, str]:
        """(mine code, point code) of a point ref (its registry index in the engine)."""
        point = self.engine.registry.defs[ref]
        return point.mine_code, point.point_code

    def on_timer(self, now: float) -> list[AlarmEvent]:
        return self.engine.on_timer(now)

    def next_deadline(self) -> float | None:
        return self.engine.next_deadline()

    def snapshot(self) -> bytes:
        return self.engine.snapshot()
