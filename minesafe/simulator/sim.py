"""A simulation run: a county (or the nation) of mines, their files cycle by cycle, and the ground
truth of the incidents scripted into it (issue 3 §5).

Deterministic from the seed: every random draw is keyed on ``(seed, purpose, cycle or day)``,
so the same options give the same bytes. No clock is read: the start time is an option.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minesafe.simulator.catalogue import Mine, given_mines, make_mines, make_points
from minesafe.simulator.incidents import Incident, apply_to_cycle, parse_spec, resolve_points
from minesafe.simulator.people import Personnel, make_personnel, ryqy, ryss, ryxx
from minesafe.simulator.render import CHINA, DefinitionRenderer, RealtimeRenderer, file_name
from minesafe.simulator.signals import quiet_values
from minesafe.simulator.truth import (
    expected_alarm,
    high_frequency,
    incident_record,
    iso,
    point_expectations,
)

DEFAULT_START = dt.datetime(2026, 3, 2, 0, 0, tzinfo=CHINA)
PERSONNEL_KINDS = ("over_staffing", "multi_card")


@dataclass(frozen=True)
class SimConfig:
    """Everything a run depends on (the CLI options)."""

    mines: int = 3
    points_per_mine: int = 40
    duration_s: float = 3600.0
    cycle_s: float = 10.0
    personnel_every_s: float = 60.0
    seed: int = 1
    start: dt.datetime = DEFAULT_START
    incidents: str = ""
    personnel: bool = True
    region: str = "990101"
    #: ``(code, name, gas grade)`` of given mines (``--mines-file``); empty: ``mines`` invented
    #: (and optionally crews per shift and whether stopped, see ``Mine``)
    mine_list: tuple[tuple[Any, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class SimFile:
    """One networking file as produced: its name, mine, type, time and bytes."""

    name: str
    mine_code: str
    file_type: str
    t: float
    data: bytes


@dataclass
class Simulation:
    """Builds the county once; :meth:`files` streams its files in time order."""

    config: SimConfig
    mines: list[Mine] = field(init=False)
    incidents: list[Incident] = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        if (cfg.mines < 1 and not cfg.mine_list) or cfg.duration_s <= 0 or cfg.cycle_s <= 0:
            raise ValueError("mines, duration and cycle must be positive")
        if cfg.mine_list:
            self.mines = given_mines(list(cfg.mine_list))
        else:
            self.mines = make_mines(cfg.mines, cfg.seed, cfg.region)
        self.t0 = cfg.start.timestamp()
        self.points = make_points(self.mines, cfg.points_per_mine, cfg.seed)
        self.incidents = parse_spec(cfg.incidents)
        resolve_points(self.incidents, self.points, len(self.mines))
        for inc in self.incidents:
            inc.at += self.t0
        self.renderer = RealtimeRenderer(self.mines, self.points)
        self.people: Personnel | None = None
        if cfg.personnel:
            self.people = make_personnel(self.mines, self.points, cfg.seed)
            for inc in self.incidents:
                if inc.kind in PERSONNEL_KINDS:
                    self._script_personnel(inc)
        elif any(i.kind in PERSONNEL_KINDS for i in self.incidents):
            raise ValueError("personnel incidents need personnel data")

    @property
    def cycles(self) -> int:
        return math.ceil(self.config.duration_s / self.config.cycle_s)

    def snapshot_times(self) -> list[float]:
        every = self.config.personnel_every_s
        n = math.ceil(self.config.duration_s / every)
        return [self.t0 + k * every for k in range(n)]

    # -- personnel incidents -------------------------------------------------------------

    def _script_personnel(self, inc: Incident) -> None:
        people = self.people
        assert people is not None
        window = [t for t in self.snapshot_times() if inc.at <= t < inc.until]
        if not window:
            raise ValueError(f"{inc.kind}: no personnel snapshot falls in its window")
        if inc.kind == "over_staffing":
            area = people.area_index(inc.mine, int(inc.params["area"]))
            approved = people.areas[area].approved
            if approved <= 0:
                raise ValueError("over_staffing: the area has no approved headcount")
            target = math.ceil(approved * float(inc.params["factor"]))
            low = min(people.headcount(t, area) for t in window)
            for _ in range(max(0, target - low)):
                people.add_card(inc.mine, None, area, inc.at, inc.until)
            inc.state["area"] = area
        else:
            enter, leave = people.presence(inc.at)
            whole = (people.mine == inc.mine) & (enter <= inc.at) & (leave >= inc.until)
            candidates = np.flatnonzero(whole & (people.shift >= 0))
            k = int(inc.params["person"]) - 1
            if not 0 <= k < len(candidates):
                raise ValueError(f"multi_card: person must be 1..{len(candidates)} at that time")
            person = int(candidates[k])
            # a person is known by name and identity number (RYXX fields 2 and 6)
            identity = f"{people.name[person]}|{people.identity[person]}"
            people.add_card(inc.mine, person, int(people.area[person]), inc.at, inc.until)
            inc.state["identity"] = identity

    # -- the stream ----------------------------------------------------------------------

    def definitions(self) -> Iterator[SimFile]:
        """CDDY, RYQY and RYXX of every mine, stamped one second before the first cycle."""
        t = self.t0 - 1.0
        defs = DefinitionRenderer(self.points)
        areas = ryqy(self.people, t) if self.people is not None else {}
        cards = ryxx(self.people, t) if self.people is not None else {}
        for mine in self.mines:
            yield self._file(mine, "CDDY", t, defs.cddy(mine, t))
            if self.people is not None:
                yield self._file(mine, "RYQY", t, areas[mine.index])
                yield self._file(mine, "RYXX", t, cards[mine.index])

    def cycle_files(self, k: int) -> Iterator[SimFile]:
        """The CDSS files of cycle ``k`` and, when due, the RYSS snapshots."""
        cfg = self.config
        t = self.t0 + k * cfg.cycle_s
        values = quiet_values(self.points, t, k, cfg.seed)
        status = np.zeros(len(self.points), dtype=np.int32)
        keep, silent = apply_to_cycle(self.incidents, self.points, t, k, cfg.seed, values, status)
        for mine, data in self.renderer.render(t, values, status, keep, silent):
            yield self._file(mine, "CDSS", t, data)
        if self.people is not None and self._snapshot_due(t):
            for index, data in ryss(self.people, t, t - cfg.personnel_every_s).items():
                if index not in silent:
                    yield self._file(self.mines[index], "RYSS", t, data)

    def _snapshot_due(self, t: float) -> bool:
        every = self.config.personnel_every_s
        rel = t - self.t0
        return math.floor(rel / every) != math.floor((rel - self.config.cycle_s) / every)

    def files(self) -> Iterator[SimFile]:
        yield from self.definitions()
        for k in range(self.cycles):
            yield from self.cycle_files(k)

    def _file(self, mine: Mine, file_type: str, t: float, data: bytes) -> SimFile:
        return SimFile(file_name(mine.code, file_type, t), mine.code, file_type, t, data)

    # -- ground truth --------------------------------------------------------------------

    def ground_truth(self) -> dict[str, Any]:
        """``incidents.json``: the run's options, its mines and each incident's alarms.

        Call after :meth:`files` has been consumed (point incidents learn from the stream).
        """
        cfg = self.config
        records = [self._truth(inc) for inc in self.incidents]
        end = self.t0 + (self.cycles - 1) * cfg.cycle_s
        return {
            "seed": cfg.seed,
            "start": iso(self.t0),
            "duration_s": cfg.duration_s,
            "cycle_s": cfg.cycle_s,
            "personnel_every_s": cfg.personnel_every_s if self.people is not None else None,
            "mines": [m.code for m in self.mines],
            "incidents": records,
            # alarms that several incidents raise together
            "combined": high_frequency(records, end),
        }

    def _truth(self, inc: Incident) -> dict[str, Any]:
        mine = self.mines[inc.mine].code
        if inc.point >= 0:
            subject = str(self.points.code[inc.point])
            return incident_record(inc, mine, subject, point_expectations(inc, self.points, mine))
        if inc.kind == "network_down":
            alarm = expected_alarm("network_down", mine, "", inc.at, inc.until)
            return incident_record(inc, mine, "", [alarm])
        if inc.kind == "multi_card":
            identity = inc.state["identity"]
            alarm = expected_alarm("multi_card", mine, identity, *self._snap_window(inc))
            return incident_record(inc, mine, identity, [alarm])
        return self._staffing_truth(inc, mine)

    def _snap_window(self, inc: Incident) -> tuple[float, float | None]:
        snaps = self.snapshot_times()
        inside = [t for t in snaps if inc.at <= t < inc.until]
        after = [t for t in snaps if t >= inc.until]
        return inside[0], (after[0] if after else None)

    def _staffing_truth(self, inc: Incident, mine: str) -> dict[str, Any]:
        people = self.people
        assert people is not None
        area = people.areas[inc.state["area"]]
        alarms = []
        opened: float | None = None
        peak = 0
        for t in self.snapshot_times():
            n = people.headcount(t, inc.state["area"])
            if n > area.approved and opened is None:
                opened, peak = t, n
            elif n > area.approved:
                peak = max(peak, n)
            elif opened is not None:
                alarms.append(self._staffing_alarm(mine, area.code, opened, t, peak, area.approved))
                opened = None
        if opened is not None:
            alarms.append(self._staffing_alarm(mine, area.code, opened, None, peak, area.approved))
        return incident_record(inc, mine, area.code, alarms)

    @staticmethod
    def _staffing_alarm(
        mine: str, area: str, opened: float, closed: float | None, peak: int, approved: int
    ) -> dict[str, Any]:
        return expected_alarm(
            "over_staffing",
            mine,
            area,
            opened,
            closed,
            peak=peak,
            approved=approved,
            major_hazard_candidate=peak >= 1.2 * approved,
        )
