"""Personnel positioning read from the database (MON-5, PER-7, issue 6 §5): who is underground
at a time, and the per-mine pictures the pages and the API show. Other areas (evacuation orders)
call :func:`underground_at` and :func:`underground_count`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from minesafe.localtime import local_date
from minesafe.positioning import rules
from minesafe.positioning.choices import TrackKind
from minesafe.positioning.models import (
    CardHolder,
    DescentRecord,
    PositioningArea,
    Presence,
    Snapshot,
    TrackPoint,
    WellheadDisplay,
)
from minesafe.registry.models import WorkingFace


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
    found: Snapshot | None = (
        Snapshot.objects.filter(mine_id=_mine_id(mine), at__lte=at, at__gt=at - stale)
        .order_by("-at")
        .first()
    )
    return found


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


# --- pictures for the pages and the API -------------------------------------------------------


@dataclass(frozen=True)
class AreaStatus:
    """One area now: people in it against its approved headcount (PER-7)."""

    code: str
    name: str
    area_type: str
    count: int
    approved: int
    face: str

    @property
    def over(self) -> bool:
        return rules.is_over_limit(self.count, self.approved)


@dataclass(frozen=True)
class FaceStatus:
    """A registry working face: people in the areas mapped to it against its approved
    headcount (``WorkingFace.approved_headcount``)."""

    pk: int
    name: str
    count: int
    approved: int | None
    areas: tuple[str, ...]

    @property
    def over(self) -> bool:
        return rules.is_over_limit(self.count, self.approved)


@dataclass
class MineStatus:
    """Everything the positioning pages say about one mine at ``now``."""

    mine: Any
    now: dt.datetime
    as_of: dt.datetime
    last_at: dt.datetime | None
    count: int | None
    approved: int | None
    people: list[UndergroundPerson]
    areas: list[AreaStatus]
    faces: list[FaceStatus]
    overtime: list[UndergroundPerson]
    several: dict[str, list[UndergroundPerson]]
    shifts: list[rules.ShiftLeaders]
    mode: str

    @property
    def stale(self) -> bool:
        return self.count is None

    @property
    def over(self) -> bool:
        return rules.is_over_limit(self.count, self.approved)

    @property
    def leaders(self) -> list[UndergroundPerson]:
        return [p for p in self.people if p.is_leader]

    @property
    def shifts_without_leader(self) -> list[rules.ShiftLeaders]:
        return [s for s in self.shifts if s.missing]

    @property
    def areas_over(self) -> list[AreaStatus]:
        return [a for a in self.areas if a.over]

    @property
    def faces_over(self) -> list[FaceStatus]:
        return [f for f in self.faces if f.over]


def identity_of(person: UndergroundPerson) -> str:
    """Who a card stands for: the ID number when the system sends one, else name + job (the
    name alone would merge namesakes)."""
    return person.identity or f"{person.name}/{person.job}"


def shift_mode(people: list[UndergroundPerson], modes: dict[str, str], default: str) -> str:
    """The mine's labour-organisation mode: the most common one among its cards."""
    seen = Counter(modes.get(p.card, "") for p in people)
    seen.pop("", None)
    return seen.most_common(1)[0][0] if seen else default


def descents_since(mine: Any, since: dt.datetime, until: dt.datetime) -> list[tuple[Any, ...]]:
    """(entered, is leader, name, card) of every descent the trajectory shows in the window."""
    mine_id = _mine_id(mine)
    points = TrackPoint.objects.filter(
        mine_id=mine_id, kind=TrackKind.ENTER, seen_at__gt=since, seen_at__lte=until
    ).values_list("card", "entered_at", "at")
    holders = {
        c: (n, lead)
        for c, n, lead in Presence.objects.filter(mine_id=mine_id).values_list(
            "card", "name", "is_leader"
        )
    }
    leaders = set(
        CardHolder.objects.filter(mine_id=mine_id, is_leader=True).values_list("card", flat=True)
    )
    out = []
    for card, entered, at in points:
        name, lead = holders.get(card, ("", False))
        out.append((entered or at, lead or card in leaders, name, card))
    return out


def mine_status(mine: Any, now: dt.datetime) -> MineStatus:
    """MON-5 / PER-7 for one mine at ``now``: count vs approved, areas, faces, overtime,
    several cards, leaders per shift over the last day, and data staleness."""
    policy = rules.policy(local_date(now))
    mine_id = _mine_id(mine)
    last_at = (
        Snapshot.objects.filter(mine_id=mine_id, at__lte=now)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    count = underground_count(mine, now)
    # Stale data: the count stays unknown, but the last picture is still worth showing (who
    # was down when the data stopped), judged at its own time.
    as_of = now if count is not None or last_at is None else last_at
    people = underground_at(mine, as_of)
    counts: dict[str, int] = {}
    for p in people:
        counts[p.area_code] = counts.get(p.area_code, 0) + 1
    area_rows = list(PositioningArea.objects.filter(mine_id=mine_id).select_related("working_face"))
    known = {a.code for a in area_rows}
    areas = [
        AreaStatus(a.code, a.name, a.area_type, counts.get(a.code, 0), a.approved_headcount,
                   a.working_face.name if a.working_face else "")
        for a in area_rows
    ]  # fmt: skip
    areas += [
        AreaStatus(c, "（未定义区域）", "", n, 0, "") for c, n in counts.items() if c not in known
    ]
    faces = _faces(mine_id, area_rows, counts)
    limit = int(policy["overtime_s"])
    overtime = [p for p in people if rules.is_overtime(p.entered_at, as_of, limit)]
    by_identity: dict[str, list[UndergroundPerson]] = {}
    for p in people:
        by_identity.setdefault(identity_of(p), []).append(p)
    doubled = rules.several_cards((p.card, identity_of(p)) for p in people)
    several = {i: by_identity[i] for i in doubled}
    modes = dict(
        Presence.objects.filter(mine_id=mine_id, underground=True).values_list("card", "shift_mode")
    )
    mode = shift_mode(people, modes, str(policy["default_shift_mode"]))
    starts = rules.shift_starts(mode, policy["shift_modes"], str(policy["default_shift_mode"]))
    day_ago = now - dt.timedelta(seconds=int(policy["lookback_s"]))
    descents = [
        (timezone.localtime(entered), lead, name)
        for entered, lead, name, _ in descents_since(mine, day_ago, now)
    ]
    shifts = rules.leaders_by_shift(
        descents,
        starts,
        int(policy["early_descent_s"]),
        int(policy["leader_grace_s"]),
        timezone.localtime(now),
        mode,
    )
    return MineStatus(
        mine=mine,
        now=now,
        as_of=as_of,
        last_at=last_at,
        count=count,
        approved=getattr(mine, "approved_underground_headcount", None),
        people=people,
        areas=areas,
        faces=faces,
        overtime=overtime,
        several=several,
        shifts=shifts,
        mode=mode,
    )


def _faces(
    mine_id: int, area_rows: list[PositioningArea], counts: dict[str, int]
) -> list[FaceStatus]:
    mapped: dict[int, list[str]] = {}
    for a in area_rows:
        if a.working_face_id:
            mapped.setdefault(a.working_face_id, []).append(a.code)
    out = []
    for face in WorkingFace.objects.filter(mine_id=mine_id).order_by("name"):
        codes = tuple(mapped.get(face.pk, []))
        if not codes and not face.approved_headcount:
            continue
        count = sum(counts.get(c, 0) for c in codes)
        out.append(FaceStatus(face.pk, face.name, count, face.approved_headcount, codes))
    return out


# --- the three correspondences ----------------------------------------------------------------


@dataclass
class CorrespondenceReport:
    """三对应 for one mine at ``now``: the three sources side by side and where they disagree."""

    now: dt.datetime
    shift: rules.Shift
    register: list[DescentRecord]
    display: WellheadDisplay | None
    positioning: list[UndergroundPerson] | None
    result: rules.Correspondence


def correspondence(mine: Any, now: dt.datetime) -> CorrespondenceReport:
    """MON-5 (002:69): who is underground now per the descent register (down within the
    look-back window and not yet up), per the newest wellhead display of the current shift, and
    per the positioning system (None when its data is stale)."""
    policy = rules.policy(local_date(now))
    mine_id = _mine_id(mine)
    back = now - dt.timedelta(seconds=int(policy["lookback_s"]))
    register = list(
        DescentRecord.objects.filter(mine_id=mine_id, went_down_at__lte=now, went_down_at__gt=back)
        .filter(Q(came_up_at__isnull=True) | Q(came_up_at__gt=now))
        .order_by("went_down_at", "name")
    )
    people = underground_at(mine, now) if underground_count(mine, now) is not None else None
    modes = dict(Presence.objects.filter(mine_id=mine_id).values_list("card", "shift_mode"))
    mode = shift_mode(people or [], modes, str(policy["default_shift_mode"]))
    starts = rules.shift_starts(mode, policy["shift_modes"], str(policy["default_shift_mode"]))
    shift = rules.shift_at(timezone.localtime(now), starts, mode)
    display = (
        WellheadDisplay.objects.filter(mine_id=mine_id, at__lte=now, at__gte=shift.start)
        .order_by("-at", "-pk")
        .first()
    )
    result = rules.reconcile(
        [r.name for r in register],
        (list(display.names) or None) if display else None,
        display.count if display else None,
        None if people is None else [p.name for p in people],
    )
    return CorrespondenceReport(now, shift, register, display, people, result)


def trajectory(
    presence: Presence, enter_pk: int | None = None
) -> tuple[list[TrackPoint], list[TrackPoint]]:
    """One card's stays (its entry points, newest first) and the points of the chosen stay
    (``enter_pk``, else the newest): from the entry to the next exit."""
    points = TrackPoint.objects.filter(mine_id=presence.mine_id, card=presence.card)
    stays = list(points.filter(kind=TrackKind.ENTER).order_by("-seen_at", "-pk")[:60])
    chosen = next((s for s in stays if s.pk == enter_pk), None) if enter_pk else None
    if chosen is None and stays:
        chosen = stays[0]
    if chosen is None:
        return stays, []
    after = points.filter(seen_at__gte=chosen.seen_at).order_by("seen_at", "pk")
    track: list[TrackPoint] = []
    for tp in after[:2000]:
        if tp.seen_at == chosen.seen_at and tp.pk < chosen.pk:
            continue
        if track and tp.kind == TrackKind.ENTER:
            break
        track.append(tp)
        if tp.kind == TrackKind.EXIT:
            break
    return stays, track


# --- the jurisdiction overview ----------------------------------------------------------------


@dataclass
class MineSummary:
    """One line of the overview: count vs approved, areas over, overtime, several cards,
    leaders underground and whether the current shift has one, data freshness."""

    mine: Any
    last_at: dt.datetime | None
    count: int | None
    approved: int | None
    areas_over: list[str]
    overtime: int
    several: int
    leaders: list[str]
    shift_without_leader: bool

    @property
    def over(self) -> bool:
        return rules.is_over_limit(self.count, self.approved)

    @property
    def attention(self) -> bool:
        return bool(
            self.over or self.areas_over or self.overtime or self.several
            or self.shift_without_leader
        )  # fmt: skip


def summaries(mines: list[Any], now: dt.datetime) -> list[MineSummary]:
    """The overview lines of ``mines`` with a handful of queries (not one set per mine)."""
    policy = rules.policy(local_date(now))
    ids = [m.pk for m in mines]
    stale = now - dt.timedelta(seconds=int(policy["stale_after_s"]))
    latest = {
        r["mine_id"]: r["last"]
        for r in Snapshot.objects.filter(mine_id__in=ids, at__lte=now)
        .values("mine_id")
        .annotate(last=Max("at"))
    }
    fresh = {
        s.mine_id: s
        for s in Snapshot.objects.filter(
            mine_id__in=ids, at__in=[a for a in latest.values() if a > stale]
        )
        if latest.get(s.mine_id) == s.at
    }
    down = list(
        Presence.objects.filter(mine_id__in=[i for i in ids if i in fresh], underground=True)
    )
    holders = {
        (h.mine_id, h.card): h
        for h in CardHolder.objects.filter(
            mine_id__in=list(fresh), card__in=[p.card for p in down]
        ).only("mine_id", "card", "identity", "job", "is_leader")
    }
    approved_areas: dict[int, dict[str, tuple[str, int]]] = {}
    for a in PositioningArea.objects.filter(mine_id__in=list(fresh), approved_headcount__gt=0):
        approved_areas.setdefault(a.mine_id, {})[a.code] = (a.name, a.approved_headcount)
    by_mine: dict[int, list[Presence]] = {}
    for p in down:
        by_mine.setdefault(p.mine_id, []).append(p)
    limit = int(policy["overtime_s"])
    default_mode = str(policy["default_shift_mode"])
    out = []
    for mine in mines:
        snap = fresh.get(mine.pk)
        people = by_mine.get(mine.pk, []) if snap else []
        counts: dict[str, int] = {}
        for p in people:
            counts[p.area_code] = counts.get(p.area_code, 0) + 1
        areas_over = [
            name
            for code, (name, approved) in approved_areas.get(mine.pk, {}).items()
            if rules.is_over_limit(counts.get(code, 0), approved)
        ]
        identities = []
        for p in people:
            h = holders.get((mine.pk, p.card))
            identities.append(
                (p.card, (h.identity if h else "") or f"{p.name}/{h.job if h else ''}")
            )
        leaders = [
            p.name for p in people
            if p.is_leader or ((h := holders.get((mine.pk, p.card))) is not None and h.is_leader)
        ]  # fmt: skip
        without = False
        if people:
            mode = Counter(p.shift_mode for p in people if p.shift_mode).most_common(1)
            mode_name = mode[0][0] if mode else default_mode
            starts = rules.shift_starts(mode_name, policy["shift_modes"], default_mode)
            current = rules.shift_at(timezone.localtime(now), starts, mode_name)
            in_shift = rules.leaders_by_shift(
                [
                    (timezone.localtime(p.entered_at), p.name in leaders, p.name)
                    for p in people
                    if p.entered_at is not None
                ],
                starts,
                int(policy["early_descent_s"]),
                int(policy["leader_grace_s"]),
                timezone.localtime(now),
                mode_name,
            )
            without = any(s.missing and s.shift.start == current.start for s in in_shift)
        out.append(
            MineSummary(
                mine=mine,
                last_at=latest.get(mine.pk),
                count=snap.underground if snap else None,
                approved=mine.approved_underground_headcount,
                areas_over=areas_over,
                overtime=sum(1 for p in people if rules.is_overtime(p.entered_at, now, limit)),
                several=len(rules.several_cards(identities)),
                leaders=leaders,
                shift_without_leader=without,
            )
        )
    return out
