"""Personnel-positioning rules over full RYSS snapshots (issue 3 §1; MON-5, PER-7).

Snapshots are small (hundreds of cards per mine), so these rules are plain Python over one
mine's snapshot. Each rule says which subjects are *in* the condition now; :meth:`reconcile`
opens episodes for new subjects, raises levels, and closes the ones no longer in it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from minesafe.engine.config import EngineConfig
from minesafe.engine.events import Action, AlarmEvent, AlarmKind, Level
from minesafe.engine.grading import Grader
from minesafe.engine.model import Area, Person, PersonnelSnapshot
from minesafe.engine.timeutil import iso_local, local_seconds_of_day


@dataclass(slots=True)
class Hit:
    """A subject in a condition now: since when, how bad (ratio/value), what to tell."""

    opened_at: float
    ratio: float = math.nan
    value: float = math.nan
    details: dict[str, Any] = field(default_factory=dict)
    instant: bool = False


class PersonnelRules:
    """Areas, persons and stations per mine, open personnel episodes, last card positions."""

    def __init__(self, config: EngineConfig, grader: Grader) -> None:
        self.config = config
        self.grader = grader
        self.areas: dict[str, dict[str, Area]] = {}
        self.persons: dict[str, dict[str, Person]] = {}
        # Card holders restored from a snapshot, per mine, made Person objects on first use.
        self._person_rows: dict[str, list[dict[str, Any]]] = {}
        self.stations: dict[str, dict[str, tuple[float, float]]] = {}
        self.open: dict[str, dict[str, Any]] = {}
        self.positions: dict[str, dict[str, tuple[str, float]]] = {}
        self.shifts: dict[str, dict[str, Any]] = {}
        # Per mine, per underground card: the station it is at and since when (MON-5).
        self.still: dict[str, dict[str, tuple[str, float]]] = {}

    # -- definitions ---------------------------------------------------------------------------
    def define_areas(self, areas: list[Area]) -> None:
        for a in areas:
            self.areas.setdefault(a.mine_code, {})[a.area_code] = a

    def define_persons(self, persons: list[Person]) -> None:
        for mine in {p.mine_code for p in persons}:
            self._restored(mine)
        for p in persons:
            self.persons.setdefault(p.mine_code, {})[p.card] = p

    def _restored(self, mine: str) -> None:
        """Define a mine's card holders restored from a snapshot, on first use: a national
        restore would otherwise build one object per card of every mine at once."""
        rows = self._person_rows.pop(mine, None)
        if rows:
            self.define_persons([Person(**r) for r in rows])

    def define_stations(self, mine: str, stations: dict[str, tuple[float, float]]) -> None:
        self.stations.setdefault(mine, {}).update(stations)

    # -- evaluation ----------------------------------------------------------------------------
    def on_snapshot(self, snap: PersonnelSnapshot, facts: dict[str, Any]) -> list[AlarmEvent]:
        """All personnel rules over one mine's full snapshot."""
        mine, at = snap.mine_code, snap.at
        grade = str(facts.get("gas_grade", "low"))
        down = [p for p in snap.presences if p.underground]
        events: list[AlarmEvent] = []
        rules = (
            (AlarmKind.OVER_STAFFING, self._over_staffing(snap, down, facts)),
            (AlarmKind.OVERTIME_UNDERGROUND, self._overtime(down, at)),
            (AlarmKind.IMPOSSIBLE_MOVE, self._impossible_move(mine, snap, facts)),
            (AlarmKind.MULTI_CARD, self._multi_card(mine, down)),
            (AlarmKind.CARD_NO_MOVEMENT, self._no_movement(mine, down, at)),
            (AlarmKind.RESTRICTED_AREA, self._restricted(mine, down, facts)),
            (AlarmKind.LEADER_ON_SHIFT, self._leader(mine, down, at)),
        )
        for kind, hits in rules:
            events.extend(self.reconcile(kind, mine, hits, at, grade))
        return events

    def reconcile(
        self, kind: AlarmKind, mine: str, hits: dict[str, Hit], at: float, grade: str
    ) -> list[AlarmEvent]:
        """Open new subjects, raise levels, close subjects no longer in the condition."""
        out: list[AlarmEvent] = []
        prefix = f"{mine}|{kind.value}|"
        for subject, hit in hits.items():
            ident = prefix + subject
            level = self.grader.grade(kind, grade, hit.ratio, hit.value)
            peak = None if math.isnan(hit.value) else hit.value
            held = self.open.get(ident)
            if held is None:
                out.append(
                    AlarmEvent(
                        Action.OPEN,
                        kind,
                        level,
                        mine,
                        subject,
                        hit.opened_at,
                        None,
                        peak,
                        peak,
                        at,
                        hit.details,
                    )
                )
                if hit.instant:
                    out.append(
                        AlarmEvent(
                            Action.CLOSE,
                            kind,
                            level,
                            mine,
                            subject,
                            hit.opened_at,
                            at,
                            peak,
                            peak,
                            at,
                            hit.details,
                        )
                    )
                    continue
                self.open[ident] = {
                    "opened_at": hit.opened_at,
                    "level": int(level),
                    "peak": peak,
                    "details": hit.details,
                }
            else:
                if peak is not None and (held["peak"] is None or peak > held["peak"]):
                    held["peak"] = peak
                held["details"] = hit.details
                if level < held["level"]:
                    held["level"] = int(level)
                    out.append(
                        AlarmEvent(
                            Action.UPDATE,
                            kind,
                            level,
                            mine,
                            subject,
                            held["opened_at"],
                            None,
                            held["peak"],
                            peak,
                            at,
                            hit.details,
                        )
                    )
        for ident in [i for i in self.open if i.startswith(prefix)]:
            subject = ident[len(prefix) :]
            if subject in hits:
                continue
            held = self.open.pop(ident)
            out.append(
                AlarmEvent(
                    Action.CLOSE,
                    kind,
                    Level(held["level"]),
                    mine,
                    subject,
                    held["opened_at"],
                    at,
                    held["peak"],
                    None,
                    at,
                    held["details"],
                )
            )
        return out

    def _over_staffing(
        self, snap: PersonnelSnapshot, down: list[Any], facts: dict[str, Any]
    ) -> dict[str, Hit]:
        """PER-7: underground headcount per mine and per area above the approved one."""
        ratio_major = float(self.config.rules["over_staffing"]["major_hazard_ratio"])
        source = self.config.rules["over_staffing"]["source"]
        hits: dict[str, Hit] = {}
        checks: list[tuple[str, int, int, str]] = []
        approved_mine = facts.get("approved_underground")
        if approved_mine:
            checks.append(("", len(down), int(approved_mine), "全矿井下"))
        counts = Counter(p.area_code for p in down)
        for code, area in self.areas.get(snap.mine_code, {}).items():
            if area.approved > 0:
                checks.append((code, counts.get(code, 0), area.approved, area.name))
        for subject, count, approved, name in checks:
            if count > approved:
                ratio = count / approved
                hits[subject] = Hit(
                    snap.at,
                    ratio,
                    float(count),
                    {
                        "area": name,
                        "count": count,
                        "approved": approved,
                        "ratio": round(ratio, 3),
                        "major_hazard_candidate": ratio >= ratio_major,
                        "source": source,
                    },
                )
        return hits

    def _overtime(self, down: list[Any], at: float) -> dict[str, Hit]:
        limit = float(self.config.rules["overtime_underground"]["at_least_s"])
        hits = {}
        for p in down:
            if not math.isnan(p.entered_at) and at - p.entered_at >= limit:
                hours = (at - p.entered_at) / 3600.0
                hits[p.card] = Hit(
                    p.entered_at + limit,
                    math.nan,
                    round(hours, 2),
                    {"name": p.name, "hours": round(hours, 2), "limit_hours": limit / 3600.0},
                )
        return hits

    def _impossible_move(
        self, mine: str, snap: PersonnelSnapshot, facts: dict[str, Any]
    ) -> dict[str, Hit]:
        """One card at two stations further apart than it could travel (station coordinates
        from RYJZ or the ``stations`` mine fact; cards at unknown stations are not judged).

        The speed runs from the last time the card was seen at its previous station (the last
        snapshot that had it there), not from when it entered that station: a card that stays
        at one station for hours and appears 3 km away a minute later is flagged (MON-5)."""
        vmax = float(self.config.rules["impossible_move"]["max_speed_m_s"])
        coords = dict(self.stations.get(mine, {}))
        coords.update({k: (float(v[0]), float(v[1])) for k, v in facts.get("stations", {}).items()})
        last = self.positions.setdefault(mine, {})
        hits = {}
        for p in snap.presences:
            before = last.get(p.card)
            last[p.card] = (p.station_code, max(p.station_at, snap.at))
            if before is None or before[0] == p.station_code or not p.underground:
                continue
            a, b = coords.get(before[0]), coords.get(p.station_code)
            if a is None or b is None:
                continue
            dist = math.dist(a, b)
            dt = max(p.station_at - before[1], 1e-3)
            if dist / dt > vmax:
                hits[f"{p.card}@{p.station_at:.0f}"] = Hit(
                    p.station_at,
                    math.nan,
                    dist / dt,
                    {
                        "card": p.card,
                        "name": p.name,
                        "from": before[0],
                        "to": p.station_code,
                        "distance_m": round(dist, 1),
                        "seconds": round(dt, 1),
                        "speed_m_s": round(dist / dt, 2),
                        "max_speed_m_s": vmax,
                    },
                    instant=True,
                )
        return hits

    def _no_movement(self, mine: str, down: list[Any], at: float) -> dict[str, Hit]:
        """MON-5: a card underground whose station has not changed for a whole shift.

        The engine keeps, per card, the station and since when it has been there: from the
        snapshot's own station time when the card first shows there, else from the snapshot
        time. A source that refreshes the station time on every read without the card moving
        does not hide it. The episode closes when the card moves or surfaces."""
        limit = float(self.config.rules["card_no_movement"]["at_least_s"])
        before = self.still.get(mine, {})
        now: dict[str, tuple[str, float]] = {}
        hits: dict[str, Hit] = {}
        for p in down:
            held = before.get(p.card)
            if held is not None and held[0] == p.station_code:
                since = held[1]
            elif math.isnan(p.station_at) or p.station_at > at:
                since = at
            else:
                since = p.station_at
            now[p.card] = (p.station_code, since)
            if at - since >= limit:
                hours = (at - since) / 3600.0
                hits[p.card] = Hit(
                    since + limit,
                    math.nan,
                    round(hours, 2),
                    {
                        "name": p.name,
                        "station": p.station_code,
                        "area": p.area_code,
                        "since": iso_local(since),
                        "hours": round(hours, 2),
                        "limit_hours": limit / 3600.0,
                    },
                )
        self.still[mine] = now
        return hits

    def _multi_card(self, mine: str, down: list[Any]) -> dict[str, Hit]:
        """MON-5: one person (same name and identity per RYXX) with several cards underground."""
        self._restored(mine)
        persons = self.persons.get(mine, {})
        by_person: dict[str, list[Any]] = {}
        for p in down:
            person = persons.get(p.card)
            identity = p.identity or (person.identity if person else "")
            if identity:
                by_person.setdefault(f"{p.name}|{identity}", []).append(p)
        return {
            who: Hit(
                max(c.entered_at for c in cards),
                math.nan,
                float(len(cards)),
                {"cards": sorted(c.card for c in cards), "name": cards[0].name},
            )
            for who, cards in by_person.items()
            if len(cards) > 1
        }

    def _restricted(self, mine: str, down: list[Any], facts: dict[str, Any]) -> dict[str, Hit]:
        types = set(self.config.rules["restricted_area"]["area_types"])
        areas = self.areas.get(mine, {})
        restricted = {c for c, a in areas.items() if a.area_type in types}
        restricted.update(facts.get("restricted_areas", []))
        return {
            p.card: Hit(
                p.station_at,
                details={
                    "name": p.name,
                    "area": p.area_code,
                    "area_name": areas[p.area_code].name if p.area_code in areas else "",
                },
            )
            for p in down
            if p.area_code in restricted
        }

    def _leader(self, mine: str, down: list[Any], at: float) -> dict[str, Hit]:
        """A shift with people underground but no mine leader (带班) after the grace time."""
        prm = self.config.rules["leader_on_shift"]
        starts = sorted(_hhmm(s) for s in prm["shifts"])
        sod = local_seconds_of_day(at)
        index = max(i for i, s in enumerate(starts) if s <= sod) if sod >= starts[0] else -1
        start = at - sod + (starts[index] if index >= 0 else starts[-1] - 86400.0)
        shift_id = f"{start:.0f}"
        self._restored(mine)
        persons = self.persons.get(mine, {})
        grace = float(prm["grace_s"])
        state = self.shifts.get(mine)
        if state is None or state["shift"] != shift_id:
            state = self.shifts[mine] = {"shift": shift_id, "leaders": 0, "first_seen": at}
        leaders = [
            p for p in down if p.is_leader or (p.card in persons and persons[p.card].is_leader)
        ]
        state["leaders"] = max(int(state["leaders"]), len(leaders))
        # A shift first seen after its grace time is not judged: its leader may have gone down
        # and come up before the engine started watching (a fresh engine starting mid-shift).
        seen_in_time = float(state.get("first_seen", start)) - start < grace
        if state["leaders"] or not down or at - start < grace or not seen_in_time:
            return {}
        return {
            f"shift@{shift_id}": Hit(
                start + float(prm["grace_s"]),
                math.nan,
                float(len(down)),
                {"underground": len(down), "shift_start": iso_local(start)},
            )
        }

    def state(self) -> dict[str, Any]:
        return {
            "areas": {m: [vars_of(a) for a in v.values()] for m, v in self.areas.items()},
            "persons": {
                **{m: [vars_of(p) for p in v.values()] for m, v in self.persons.items()},
                **self._person_rows,
            },
            "stations": self.stations,
            "open": self.open,
            "positions": self.positions,
            "shifts": self.shifts,
            "still": self.still,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        for rows in state["areas"].values():
            self.define_areas([Area(**r) for r in rows])
        for mine, rows in state["persons"].items():
            self._person_rows.setdefault(mine, []).extend(rows)
        self.stations = {
            m: {k: (v[0], v[1]) for k, v in s.items()} for m, s in state["stations"].items()
        }
        self.open = state["open"]
        self.positions = {
            m: {k: (v[0], v[1]) for k, v in s.items()} for m, s in state["positions"].items()
        }
        self.shifts = state["shifts"]
        # Snapshots written before the no-movement rule have no "still" entry.
        self.still = {
            m: {k: (v[0], v[1]) for k, v in s.items()} for m, s in state.get("still", {}).items()
        }


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _hhmm(text: str) -> float:
    h, m = text.split(":")
    return int(h) * 3600.0 + int(m) * 60.0
