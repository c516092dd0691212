"""Personnel positioning read from the database (MON-5, PER-7, issue 6 §5): who is underground
at a time, and the per-mine pictures the pages and the API show. Other areas (evacuation orders)
call :func:`underground_at` and :func:`underground_count`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from minesafe.positioning import rules
from minesafe.positioning.models import (
    CardHolder,
    PositioningArea,
    Presence,
    Snapshot,
    TrackKind,
    TrackPoint,
)


@dataclass(frozen=True)
class UndergroundPerson:
    """One person underground per a snapshot: card, name, where, since when, leader or not."""

    card: str
    name: str
    area_code: str
    area_name: str
    entered_at: dt.datetime | None
    is_leader: bool
    job: str
    station_code: str = ""
    identity: str = ""


def _mine_id(mine: Any) -> int:
    return int(getattr(mine, "pk", mine))


def snapshot_at(mine: Any, at: dt.datetime) -> Snapshot | None:
    """The newest snapshot of ``mine`` at or before ``at`` and not older than the staleness
    window (``stale_after_s``): older data says nothing about ``at``."""
    stale = dt.timedelta(seconds=int(rules.policy()["stale_after_s"]))
    return (
        Snapshot.objects.filter(mine_id=_mine_id(mine), at__lte=at, at__gt=at - stale)
        .order_by("-at")
        .first()
    )


def underground_count(mine: Any, at: dt.datetime) -> int | None:
    """How many people were underground at ``at`` (井下人数口径: the newest RYSS's flag-1 cards);
    None when the mine sent no snapshot within the staleness window: no data is not zero."""
    snap = snapshot_at(mine, at)
    return None if snap is None else snap.underground


def underground_at(mine: Any, at: dt.datetime) -> list[UndergroundPerson]:
    """The people underground at ``at`` per the newest snapshot at or before it (empty when
    there is none within the staleness window; :func:`underground_count` tells the two apart).

    At the newest snapshot the current state (:class:`Presence`) answers; at an older one the
    trajectory is read back: each card's last point seen by that snapshot, not an exit."""
    snap = snapshot_at(mine, at)
    if snap is None:
        return []
    mine_id = _mine_id(mine)
    newer = Snapshot.objects.filter(mine_id=mine_id, at__gt=snap.at).exists()
    if not newer:
        rows = [
            (p.card, p.name, p.area_code, p.station_code, p.entered_at, p.is_leader)
            for p in Presence.objects.filter(mine_id=mine_id, underground=True)
        ]
    else:
        rows = _replay(mine_id, snap.at)
    return _people(mine_id, rows)


def _replay(mine_id: int, at: dt.datetime) -> list[tuple[Any, ...]]:
    """(card, name, area, station, entered, leader) of cards underground at snapshot ``at``."""
    back = at - dt.timedelta(seconds=int(rules.policy()["lookback_s"]))
    points = TrackPoint.objects.filter(mine_id=mine_id, seen_at__lte=at, seen_at__gt=back)
    last = points.values("card").annotate(last=Max("seen_at"))
    wanted = {(r["card"], r["last"]) for r in last}
    latest: dict[str, TrackPoint] = {}
    for tp in points.filter(card__in=[c for c, _ in wanted]).order_by("seen_at", "pk"):
        if (tp.card, tp.seen_at) in wanted:
            latest[tp.card] = tp
    names = dict(Presence.objects.filter(mine_id=mine_id).values_list("card", "name"))
    leaders = set(
        Presence.objects.filter(mine_id=mine_id, is_leader=True).values_list("card", flat=True)
    )
    return [
        (c, names.get(c, ""), tp.area_code, tp.station_code, tp.entered_at, c in leaders)
        for c, tp in sorted(latest.items())
        if tp.kind != TrackKind.EXIT
    ]


def _people(mine_id: int, rows: list[tuple[Any, ...]]) -> list[UndergroundPerson]:
    areas = dict(PositioningArea.objects.filter(mine_id=mine_id).values_list("code", "name"))
    holders = {
        h.card: h for h in CardHolder.objects.filter(mine_id=mine_id, card__in=[r[0] for r in rows])
    }
    out = []
    for card, name, area, station, entered, leader in rows:
        holder = holders.get(card)
        out.append(
            UndergroundPerson(
                card=card,
                name=name or (holder.name if holder else ""),
                area_code=area,
                area_name=areas.get(area, ""),
                entered_at=entered,
                is_leader=bool(leader or (holder and holder.is_leader)),
                job=holder.job if holder else "",
                station_code=station,
                identity=holder.identity if holder else "",
            )
        )
    out.sort(key=lambda p: (p.area_code, p.name, p.card))
    return out
