"""Factories of the positioning area for the shared test world (STYLE 14).

:func:`make_snapshot` stores a snapshot exactly the way :func:`~.store.store_parsed` does (same
functions, from engine records), so other areas' tests (evacuation orders) can put people
underground without building RYSS files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from minesafe.engine.model import Area, Person
from minesafe.engine.model import Presence as SnapPresence
from minesafe.positioning.choices import DescentSource
from minesafe.positioning.models import DescentRecord, Presence, Snapshot, WellheadDisplay
from minesafe.positioning.store import store_areas, store_persons, store_snapshot


def _field(person: Any, name: str, default: Any) -> Any:
    if isinstance(person, Mapping):
        return person.get(name, default)
    return getattr(person, name, default)


def make_snapshot(
    mine: Any, at: dt.datetime, people: Iterable[Any] = (), *, shift_mode: str = "三八制"
) -> Snapshot:
    """Store one full snapshot of ``mine`` at ``at`` with ``people`` (mappings or objects with
    card, name, area_code, area_name, entered_at, is_leader, job, station_code, identity,
    underground — all optional; ``entered_at`` defaults to the card's current descent when it is
    already underground, else to an hour before ``at``).

    Card holders and areas named in ``people`` are upserted as RYXX / RYQY would."""
    presences: list[SnapPresence] = []
    persons: list[Person] = []
    areas: dict[str, Area] = {}
    down = dict(
        Presence.objects.filter(mine_id=mine.pk, underground=True).values_list("card", "entered_at")
    )
    for n, person in enumerate(people, 1):
        card = str(_field(person, "card", "") or f"{mine.code}{n:05d}")
        name = str(_field(person, "name", "") or f"人员{n}")
        entered = _field(person, "entered_at", None) or down.get(card) or at - dt.timedelta(hours=1)
        area_code = str(_field(person, "area_code", "") or "")
        leader = bool(_field(person, "is_leader", False))
        presences.append(
            SnapPresence(
                card=card,
                name=name,
                underground=bool(_field(person, "underground", True)),
                entered_at=entered.timestamp(),
                area_code=area_code,
                station_code=str(_field(person, "station_code", "") or ""),
                station_at=entered.timestamp(),
                is_leader=leader,
                shift_mode=shift_mode,
            )
        )
        identity = str(_field(person, "identity", "") or "")
        job = str(_field(person, "job", "") or "")
        persons.append(Person(mine.code, card, name, identity, job, leader))
        area_name = str(_field(person, "area_name", "") or "")
        if area_code and area_name:
            approved = int(_field(person, "area_approved", 0) or 0)
            areas[area_code] = Area(mine.code, area_code, "1", approved, area_name)
    if areas:
        store_areas(mine.pk, areas.values())
    if persons:
        store_persons(mine.pk, persons)
    store_snapshot(mine.pk, at.timestamp(), presences)
    snapshot: Snapshot = Snapshot.objects.get(mine_id=mine.pk, at=at)
    return snapshot


def make_descent(mine: Any, name: str, went_down_at: dt.datetime, **extra: Any) -> DescentRecord:
    fields: dict[str, Any] = {"source": DescentSource.MANUAL, "entered_by": "灯房", **extra}
    record: DescentRecord = DescentRecord.objects.create(
        mine=mine, name=name, went_down_at=went_down_at, **fields
    )
    return record


def make_display(mine: Any, at: dt.datetime, count: int, names: list[str] | None = None) -> Any:
    return WellheadDisplay.objects.create(
        mine=mine, at=at, count=count, names=names or [], posted_by="井口公示"
    )


def furnish(mine: Any, today: dt.date) -> None:
    """Give a mine one object of each model a positioning route opens by pk: a snapshot with two
    people (their :class:`Presence` rows open the card page), a descent record and a display."""
    morning = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    people = [
        {"card": f"{mine.code}00001", "name": f"{mine.code}带班矿长", "is_leader": True,
         "area_code": f"{mine.code}0001", "area_name": "井底车场", "job": "矿长"},
        {"card": f"{mine.code}00002", "name": f"{mine.code}采煤工", "job": "采煤工",
         "area_code": f"{mine.code}0002", "area_name": "1201综采工作面", "area_approved": 30},
    ]  # fmt: skip
    make_snapshot(mine, morning, people)
    make_descent(mine, f"{mine.code}带班矿长", morning - dt.timedelta(hours=1))
    make_display(mine, morning, 2, [f"{mine.code}带班矿长", f"{mine.code}采煤工"])
