"""HTTP batch upload: one networking file through parse → engine → sink, synchronously.

Each mine's uploads share one engine state, kept as the checkpoint of worker
``upload:<mine_code>`` and locked for the length of the request, so episodes spanning several
uploaded files open and close as they would in the runner (issue 3 §3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from minesafe.engine.familya import parse_name, split_file
from minesafe.monitoring.models import EngineCheckpoint
from minesafe.monitoring.pipeline import UPLOAD_WORKER, Pipeline
from minesafe.monitoring.sink import (
    CheckpointState,
    LateArrival,
    Offsets,
    Sink,
    load_checkpoint,
)

MAX_BYTES = 20 * 1024 * 1024


class UploadRefused(ValueError):
    """The file as a whole cannot be used; ``field`` names what is wrong."""

    def __init__(
        self, field_name: str, message: str, quarantined: list[dict[str, Any]] | None = None
    ):
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.quarantined = quarantined or []


@dataclass
class UploadResult:
    file: str
    mine_code: str
    readings: int = 0
    points: int = 0
    alarm_events: int = 0
    alarms_created: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    duplicate: bool = False
    late_readings: int = 0
    late_alarms_created: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "mine_code": self.mine_code,
            "readings": self.readings,
            "points": self.points,
            "alarm_events": self.alarm_events,
            "alarms_created": self.alarms_created,
            "quarantined_count": len(self.quarantined),
            "quarantined": self.quarantined,
            "duplicate": self.duplicate,
            "late_readings": self.late_readings,
            "late_alarms_created": self.late_alarms_created,
        }


def file_mine_code(name: str, data: bytes) -> str:
    """The mine code a file speaks for: its name's, which its header must repeat."""
    meta = parse_name(name)
    if meta is None and not name.lower().endswith(".xml"):
        raise UploadRefused("name", f"文件名 {name!r} 不符合 煤矿编码_类型_yyyyMMddHHmmss.txt")
    if meta is None:
        return _xml_mine_code(data)
    head = data.removeprefix(b"\xef\xbb\xbf").split(b";", 1)[0].strip()
    if head and head.decode("utf-8", "replace") != meta[0]:
        raise UploadRefused("file", "文件头中的煤矿编码与文件名不一致")
    return meta[0]


def header_only(name: str, data: bytes) -> bool:
    """A file with its header and no record at all (a file of a type the platform does not
    use, with records, is not: it answers 200 with nothing stored, as before)."""
    if parse_name(name) is not None or not name.lower().endswith(".xml"):
        parts = split_file(data)
        return parts is not None and not parts[1]
    return b"<data" not in data


def _xml_mine_code(data: bytes) -> str:
    import re

    m = re.search(rb'cs_mine_code="([0-9A-Za-z]+)"', data[:4096])
    if m is None:
        raise UploadRefused("file", "XML 文件缺少 head/@cs_mine_code")
    return m.group(1).decode()


def process_upload(name: str, data: bytes, mine_code: str, now: dt.datetime) -> UploadResult:
    """Feed one file for one mine; all of it commits or none of it does.

    Readings at or before what is already stored for their point (by this mine's uploads or
    by a runner) are late: kept apart, never merged into the stored history."""
    worker = f"{UPLOAD_WORKER}{mine_code}"
    with transaction.atomic():
        EngineCheckpoint.objects.get_or_create(worker=worker, defaults={"saved_at": now})
        EngineCheckpoint.objects.select_for_update().filter(worker=worker).first()
        state = load_checkpoint(worker)
        if state is not None and name in state.offsets.processed_files:
            return UploadResult(file=name, mine_code=mine_code, duplicate=True)
        pipeline = Pipeline.restore(state.snapshot if state and state.snapshot else None)
        sink = Sink(worker, names=pipeline.point_name)
        pipeline.mines = sink.mines
        found = []
        if state is None or not state.snapshot:
            found = pipeline.load_definitions(sink.mines, only=[mine_code])
        pipeline.load_stored([mine_code])
        fed = pipeline.feed([(name, data)], now.timestamp())
        fed.events[:0] = found
        quarantined = [q.as_dict() for q in fed.quarantine]
        if not fed.records and (quarantined or header_only(name, data)):
            raise UploadRefused("file", "文件中没有可用的记录", quarantined)
        result = sink.store_alarms(fed.events)
        late = LateArrival(now, fed.late_until) if len(fed.late) else None
        late_result = sink.store_alarms(fed.late_events, late) if late else None
        sink.add_readings(fed.readings)
        sink.add_late(fed.late, now.timestamp())
        sink.counters["quarantined"] += len(quarantined)
        base = state or CheckpointState(b"", Offsets(), sink.counters.copy(), 0)
        offsets = Offsets(base.offsets.processed_files | {name}, 0)
        snapshot = CheckpointState(pipeline.snapshot(), offsets, base.counters, base.number)
        sink.checkpoint(snapshot, now, final=True)  # every bucket written: nothing left open
    return UploadResult(
        file=name,
        mine_code=mine_code,
        readings=len(fed.readings),
        points=fed.points,
        alarm_events=len(fed.events),
        alarms_created=result.created,
        quarantined=quarantined,
        late_readings=len(fed.late),
        late_alarms_created=late_result.created if late_result else 0,
    )
