"""Where the monitoring pipeline hands personnel-positioning files to this area (issue 6 §5).

Called inside the runner's batch transaction for every parsed RYQY / RYXX / RYJZ / RYSS file.
Definitions (areas, card holders, stations) are upserted, and a new or changed one leaves an
audit entry (an unchanged file re-sent writes none; snapshots are not audited). A snapshot adds one
:class:`~.models.Snapshot` row, changes only the :class:`~.models.Presence` rows whose state
changed, and appends :class:`~.models.TrackPoint` rows for entries, exits and moves: a quiet
snapshot of 300 cards costs one insert and one read (measured in docs/positioning.md), plus
two small reads for the three-correspondence alarm (MON-5) when no register line is open.

Idempotent: a snapshot already stored (same mine, same time) is skipped. A snapshot older than
the mine's newest one (a late file) adds its counts only: the current state and the trajectory
follow the newest picture.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from minesafe.core.context import audit_reason, current_reason
from minesafe.core.signals import BulkChange, log_bulk
from minesafe.engine.model import Area, ParsedFile, Person
from minesafe.engine.model import Presence as SnapPresence
from minesafe.positioning.choices import TrackKind
from minesafe.positioning.models import (
    BaseStation,
    CardHolder,
    PositioningArea,
    Presence,
    Snapshot,
    TrackPoint,
)
from minesafe.positioning.signals import snapshot_stored
from minesafe.registry.models import WorkingFace

UTC = dt.UTC
BATCH = 500


def store_parsed(parsed: ParsedFile, mines: Any) -> None:
    """Keep what one parsed positioning file says about its mine (unknown mines are skipped:
    the pipeline counts them)."""
    mine_id = mines.get(parsed.mine_code) if parsed.mine_code else None
    if mine_id is None:
        return
    if parsed.areas:
        store_areas(mine_id, parsed.areas)
    if parsed.persons:
        store_persons(mine_id, parsed.persons)
    if parsed.stations:
        store_stations(mine_id, parsed.stations)
    if parsed.snapshot is not None:
        store_snapshot(mine_id, parsed.snapshot.at, parsed.snapshot.presences)


def _when(t: float) -> dt.datetime | None:
    return None if t is None or math.isnan(t) else dt.datetime.fromtimestamp(t, UTC)


def face_for(area_name: str, faces: Sequence[tuple[int, str]]) -> int | None:
    """The registry working face an area stands for: the face whose name (e.g. ``8101``) the
    area name contains, the longest such name winning (``8101`` inside ``8101综采工作面``)."""
    best: tuple[int, int] | None = None
    for pk, name in faces:
        if name and name in area_name and (best is None or len(name) > best[1]):
            best = (pk, len(name))
    return None if best is None else best[0]


AREA_FIELDS = ("area_type", "name", "approved_headcount", "working_face_id")
PERSON_FIELDS = ("name", "job", "is_leader", "is_special")  # not the identity number
STATION_FIELDS = ("x", "y")


def _stored(model: Any, mine_id: int, key: str, fields: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The audited values of the mine's stored definitions, by code."""
    rows = model.objects.filter(mine_id=mine_id).values_list(key, *fields)
    return {code: dict(zip(fields, values, strict=True)) for code, *values in rows}


def _audit(
    mine_id: int, rows: Iterable[Any], key: str, fields: Sequence[str], before: dict[str, Any]
) -> None:
    """Entries for the definitions a file added or changed (``rows`` saved, with their pks)."""
    with audit_reason(current_reason.get() or "人员定位系统数据"):
        log_bulk(
            BulkChange(
                type(row),
                row.pk,
                str(row),
                mine_id,
                before.get(getattr(row, key)),
                {f: getattr(row, f) for f in fields},
            )
            for row in rows
        )


def store_areas(mine_id: int, areas: Iterable[Area]) -> None:
    """RYQY: upsert the mine's areas; a new area is mapped to a working face by name."""
    faces = list(WorkingFace.objects.filter(mine_id=mine_id).values_list("pk", "name"))
    before = _stored(PositioningArea, mine_id, "code", AREA_FIELDS)
    known = {code: values["working_face_id"] for code, values in before.items()}
    rows = {
        a.area_code: PositioningArea(
            mine_id=mine_id,
            code=a.area_code,
            area_type=a.area_type[:20],
            name=a.name[:100],
            approved_headcount=max(0, a.approved),
            working_face_id=known.get(a.area_code) or face_for(a.name, faces),
        )
        for a in areas
        if a.area_code
    }
    PositioningArea.objects.bulk_create(
        list(rows.values()),
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["mine", "code"],
        update_fields=["area_type", "name", "approved_headcount", "working_face", "updated_at"],
    )
    _audit(mine_id, rows.values(), "code", AREA_FIELDS, before)


def store_persons(mine_id: int, persons: Iterable[Person]) -> None:
    """RYXX: upsert the mine's card holders."""
    before = _stored(CardHolder, mine_id, "card", PERSON_FIELDS)
    rows = {
        p.card: CardHolder(
            mine_id=mine_id,
            card=p.card[:32],
            name=p.name[:50],
            identity=p.identity[:64],
            job=p.job[:50],
            is_leader=p.is_leader,
            is_special=p.is_special,
        )
        for p in persons
    }
    CardHolder.objects.bulk_create(
        list(rows.values()),
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["mine", "card"],
        update_fields=["name", "identity", "job", "is_leader", "is_special", "updated_at"],
    )
    _audit(mine_id, rows.values(), "card", PERSON_FIELDS, before)


def store_stations(mine_id: int, stations: dict[str, tuple[float, float]]) -> None:
    """RYJZ: upsert the mine's readers with their coordinates."""
    before = _stored(BaseStation, mine_id, "code", STATION_FIELDS)
    rows = [
        BaseStation(mine_id=mine_id, code=code[:32], x=x, y=y) for code, (x, y) in stations.items()
    ]
    BaseStation.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["mine", "code"],
        update_fields=["x", "y", "updated_at"],
    )
    _audit(mine_id, rows, "code", STATION_FIELDS, before)


_STATE = ("name", "underground", "entered_at", "exited_at", "area_code", "area_at",
          "station_code", "station_at", "shift_mode", "is_leader", "seen_at")  # fmt: skip


def store_snapshot(mine_id: int, t: float, presences: Sequence[SnapPresence]) -> bool:
    """RYSS: one full snapshot of a mine at POSIX time ``t``. Returns False when it was already
    stored (idempotent re-delivery)."""
    at = dt.datetime.fromtimestamp(t, UTC)
    if Snapshot.objects.filter(mine_id=mine_id, at=at).exists():
        return False
    cards: dict[str, SnapPresence] = {p.card[:32]: p for p in presences if p.card}
    down = [p for p in cards.values() if p.underground]
    newest = (
        Snapshot.objects.filter(mine_id=mine_id)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    row = Snapshot(
        mine_id=mine_id,
        at=at,
        underground=len(down),
        leaders=sum(1 for p in down if p.is_leader),
        per_area=dict(Counter(p.area_code for p in down)),
        cards=len(cards),
    )
    try:  # a concurrent delivery of the same file loses here, before touching any state
        with transaction.atomic():
            Snapshot.objects.bulk_create([row])
    except IntegrityError:
        return False
    if newest is not None and at < newest:
        return True
    _apply(mine_id, at, cards)
    # MON-5: the three correspondences are judged on every newest snapshot (monitoring listens),
    # so a person who went down without a card is alarmed as it happens.
    snapshot_stored.send(sender=Snapshot, mine_id=mine_id, at=at)
    return True


def _apply(mine_id: int, at: dt.datetime, cards: dict[str, SnapPresence]) -> None:
    """Bring the current state of every card to this snapshot and append the trajectory."""
    current = {p.card: p for p in Presence.objects.filter(mine_id=mine_id)}
    create: list[Presence] = []
    update: list[Presence] = []
    track: list[TrackPoint] = []

    def point(card: str, kind: Any, when: dt.datetime | None, state: Presence) -> None:
        track.append(
            TrackPoint(
                mine_id=mine_id,
                card=card,
                kind=kind,
                at=when or at,
                seen_at=at,
                area_code=state.area_code,
                station_code=state.station_code,
                entered_at=state.entered_at,
            )
        )

    for card, p in cards.items():
        entered = _when(p.entered_at) if p.underground else None
        station_at = _when(p.station_at) or at
        old = current.get(card)
        row = old or Presence(mine_id=mine_id, card=card, seen_at=at)
        before = tuple(getattr(row, f) for f in _STATE) if old else None
        was_down = bool(old and old.underground)
        row.name, row.shift_mode, row.is_leader = p.name[:50], p.shift_mode[:20], p.is_leader
        if p.underground:
            new_stay = not was_down or (entered is not None and entered != row.entered_at)
            moved = row.area_code != p.area_code or row.station_code != p.station_code
            if was_down and new_stay:  # came up and went down again between two snapshots
                point(card, TrackKind.EXIT, at, row)
            if new_stay or moved:
                if new_stay or row.area_code != p.area_code:
                    row.area_at = station_at
                row.area_code, row.station_code = p.area_code[:32], p.station_code[:32]
                row.station_at = station_at
            row.underground, row.entered_at, row.exited_at = True, entered, None
            if new_stay:
                point(card, TrackKind.ENTER, entered, row)
            elif moved:
                point(card, TrackKind.MOVE, station_at, row)
        elif was_down:
            row.underground, row.exited_at = False, at
            point(card, TrackKind.EXIT, at, row)
        if old is None:
            create.append(row)
        elif tuple(getattr(row, f) for f in _STATE) != before:
            row.seen_at = at
            update.append(row)
    for card, old in current.items():
        if old.underground and card not in cards:  # a full snapshot: absent means not down
            old.underground, old.exited_at, old.seen_at = False, at, at
            update.append(old)
            point(card, TrackKind.EXIT, at, old)
    if create:
        Presence.objects.bulk_create(create, batch_size=BATCH)
    if update:
        Presence.objects.bulk_update(update, list(_STATE), batch_size=BATCH)
    if track:
        TrackPoint.objects.bulk_create(track, batch_size=BATCH)
