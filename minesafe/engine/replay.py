"""Replay a directory of networking files through the engine (issue 3 §5), no database.

:func:`replay` reads the files in time order (:class:`~minesafe.engine.sources.DirectorySource`),
feeds definitions, readings and personnel snapshots to an :class:`~minesafe.engine.Engine`,
runs the timers at each file time (data time is the clock), and folds the events into one
:class:`Episode` per alarm. Used by ``minesafe engine replay`` and by the simulator's tests.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minesafe.engine import familya, familyb
from minesafe.engine.engine import Engine
from minesafe.engine.events import Action, AlarmEvent
from minesafe.engine.model import ParsedFile, Quarantine
from minesafe.engine.sources import DirectorySource, FileRef
from minesafe.engine.timeutil import iso_local


@dataclass(slots=True)
class Episode:
    """One alarm episode folded from its events."""

    first: AlarmEvent
    last: AlarmEvent

    def as_json(self) -> dict[str, Any]:
        e = self.last
        closed = e.closed_at if e.action is Action.CLOSE else None
        level = min(self.first.level, e.level)
        return {
            "mine_code": e.mine_code,
            "point_code": e.subject,
            "kind": e.kind.value,
            "level": int(level),
            "level_name": level.name,
            "opened_at": iso_local(e.opened_at),
            "closed_at": iso_local(closed),
            "peak": e.peak,
            "duration_s": None if closed is None else round(closed - e.opened_at, 3),
            "details": e.details,
        }


@dataclass(slots=True)
class ReplayResult:
    episodes: list[Episode] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


class EpisodeFolder:
    """Fold events into episodes keyed on ``AlarmEvent.key``; closed ones are handed on."""

    def __init__(self, on_closed: Callable[[Episode], None]) -> None:
        self.open: dict[str, Episode] = {}
        self.on_closed = on_closed

    def add(self, events: list[AlarmEvent]) -> None:
        for ev in events:
            ep = self.open.get(ev.key)
            if ep is None:
                ep = self.open[ev.key] = Episode(ev, ev)
            else:
                ep.last = ev
            if ev.action is Action.CLOSE:
                self.on_closed(self.open.pop(ev.key))

    def remaining(self) -> list[Episode]:
        return sorted(self.open.values(), key=lambda e: e.first.opened_at)


def replay(
    directory: Path,
    facts: dict[str, dict[str, Any]] | None = None,
    on_episode: Callable[[Episode], None] | None = None,
    engine: Engine | None = None,
) -> ReplayResult:
    """Process every file of ``directory``; closed episodes go to ``on_episode`` as they end,
    still-open ones are in the result (``closed_at`` None)."""
    result = ReplayResult()
    engine = engine or Engine()
    if facts:
        engine.set_mine_facts(facts)

    def closed(ep: Episode) -> None:
        result.counts[f"alarm.{ep.first.kind.value}"] += 1
        if on_episode is not None:
            on_episode(ep)
        else:
            result.episodes.append(ep)

    folder = EpisodeFolder(closed)
    started, cpu = time.perf_counter(), time.process_time()
    source = DirectorySource(directory)
    clock = -math.inf
    after_definitions = False
    for group in source.groups():
        at = group[0].at
        definitions = group[0].rank == 0
        if math.isfinite(at) and at > clock:
            # The data clock moved on: everything due by the previous file time is judged
            # before the files of the new time (timers once per time, not once per file).
            # A run of definition files is one batch: national data holds one definition
            # file per mine and type, and a timer between each two of them (each a pass over
            # every point) made replay quadratic in the number of mines.
            if math.isfinite(clock) and not (definitions and after_definitions):
                folder.add(engine.on_timer(clock))
            clock = at
        folder.add(_process(engine, source, group, result))
        after_definitions = definitions
        for ref in group:
            source.mark_done(ref)
    if math.isfinite(clock):
        folder.add(engine.on_timer(clock))
    for ep in folder.remaining():
        result.counts[f"alarm.{ep.first.kind.value}"] += 1
        if on_episode is not None:
            on_episode(ep)
        else:
            result.episodes.append(ep)
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    result.counts["readings"] = engine.stats["readings"]
    result.counts["late_or_duplicate"] = engine.stats["late"] + engine.stats["duplicate"]
    result.counts["unknown_point_readings"] = engine.stats["unknown"]
    result.counts["quarantined"] = len(result.quarantine)
    return result


def _process(
    engine: Engine, source: DirectorySource, group: list[FileRef], result: ReplayResult
) -> list[AlarmEvent]:
    result.counts["files"] += len(group)
    if group[0].file_type == "CDSS":
        keyed, bad = familya.parse_cdss_many((r.name, source.read(r)) for r in group)
        result.quarantine.extend(bad)
        return engine.on_readings(keyed)
    if group[0].file_type == "CDDY":
        cols, slow = familya.parse_cddy_many((r.name, source.read(r)) for r in group)
        events = engine.define_columns(cols)
        for one in slow:
            result.quarantine.extend(one.quarantine)
            events += engine.load_definitions(one)
        return events
    ref = group[0]
    data = source.read(ref)
    parsed: ParsedFile
    if ref.family == "A":
        parsed = familya.parse_family_a(ref.name, data)
    else:
        parsed = familyb.parse_family_b(ref.name, data)
    result.quarantine.extend(parsed.quarantine)
    events = engine.load_definitions(parsed)
    if parsed.readings is not None:
        events += engine.on_readings(parsed.readings)
    if parsed.snapshot is not None:
        events += engine.on_personnel(parsed.snapshot)
    return events
