"""The :class:`Engine` facade: what the replay CLI, the simulator tests and the monitoring
adapters drive (issue 3 §1, §2, §5).

No I/O and no clock: readings carry their own times and timers get ``now`` from the caller.
Typical use::

    engine = Engine()
    engine.set_mine_facts({"610000000001": {"gas_grade": "high"}})
    engine.load_definitions(parse_family_a(name, data))      # CDDY / AQMC / RYQY / RYXX
    events = engine.on_readings(engine.readings(keyed))        # CDSS / AQSS columns
    events += engine.on_timer(now)                             # sleep until next_deadline()
    blob = engine.snapshot(); engine = Engine.restore(blob)    # restart without duplicates
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from minesafe.engine import definitions, timers
from minesafe.engine.config import EngineConfig
from minesafe.engine.events import Action, AlarmEvent, AlarmKind, Level
from minesafe.engine.grading import Grader
from minesafe.engine.model import (
    F64,
    I32,
    KeyedReadings,
    ParsedFile,
    PersonnelSnapshot,
    PointColumns,
    PointDef,
    RawEvents,
    ReadingBatch,
)
from minesafe.engine.personnel import PersonnelRules
from minesafe.engine.pointrules import evaluate
from minesafe.engine.registry import PointRegistry
from minesafe.engine.state import PointState
from minesafe.engine.timeutil import iso_local

_RANK = {Action.OPEN: 0, Action.UPDATE: 1, Action.CLOSE: 2}
_RATIO_KINDS = {AlarmKind.OVER_LIMIT, AlarmKind.LONG_DURATION, AlarmKind.POWER_OFF_FAILED}
STAT_KEYS = ("readings", "judged", "unknown", "late", "duplicate", "events")


class Engine:
    """The monitoring engine: registry, per-point state, personnel rules, definition rules."""

    def __init__(
        self, config: EngineConfig | None = None, registry: PointRegistry | None = None
    ) -> None:
        self.config = config or EngineConfig.load()
        self.registry = registry or PointRegistry(self.config)
        self.grader = Grader(self.config.grading)
        slots = int(self.config.rules["high_frequency"]["episodes"])
        self.state = PointState(0, slots)
        self.personnel = PersonnelRules(self.config, self.grader)
        self.facts: dict[str, dict[str, Any]] = {}
        # Open definition findings per mine: {mine: {ident: {opened_at, level, details}}}.
        self.def_open: dict[str, dict[str, dict[str, Any]]] = {}
        self.clock = -math.inf
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self._windows_cache: dict[int, list[tuple[float, float]]] | None = None
        self._sync()

    # -- definitions and facts -----------------------------------------------------------------
    def set_mine_facts(self, facts: dict[str, dict[str, Any]]) -> list[AlarmEvent]:
        """Inject mine facts: ``gas_grade`` (low/high/outburst), ``approved_underground``,
        ``calibration_windows`` ([[start, end], …] POSIX), ``stations``, ``restricted_areas``.
        Definition rules of those mines are judged again (grade-dependent rows)."""
        self._windows_cache = None
        for mine, f in facts.items():
            self.facts.setdefault(mine, {}).update(f)
            self.registry.mine_of(mine)
        self._sync()
        return self._judge_definitions(self.registry.defs_of(set(facts)))

    def define(self, points: Iterable[PointDef]) -> list[AlarmEvent]:
        """Add or update point definitions; returns definition-rule events."""
        pts = list(points)
        self.registry.define(pts)
        self._sync()
        return self._judge_definitions(self.registry.defs_of({p.mine_code for p in pts}))

    def define_columns(self, cols: PointColumns) -> list[AlarmEvent]:
        """:meth:`define` for many points given as columns (a batch of CDDY files).

        Mines seen for the first time go the columnar way: the registry appends the columns
        and the definition rules are judged once per distinct (sensor type, unit, location,
        thresholds, gas grade) rather than once per point. A batch that redefines known points
        or mines takes the per-point path, with the same result."""
        if not len(cols):
            return []
        mine_values, mine_code = cols.text["mine_code"]
        present = [mine_values[m] for m in np.unique(mine_code).tolist()]
        if any(m in self.registry.by_mine for m in present) or not self.registry.append_columns(
            cols
        ):
            return self.define(cols.points())
        self._sync()
        return self._judge_columns(cols, present)

    def load_definitions(self, parsed: ParsedFile) -> list[AlarmEvent]:
        """Take whatever definitions a parsed file holds (points, areas, persons, stations)."""
        self.personnel.define_areas(parsed.areas)
        self.personnel.define_persons(parsed.persons)
        if parsed.stations:
            self.personnel.define_stations(parsed.mine_code, parsed.stations)
        return self.define(parsed.points) if parsed.points else []

    def readings(self, keyed: KeyedReadings) -> ReadingBatch:
        """Map parsed readings onto registry indices (-1 for undefined points)."""
        return ReadingBatch(self.registry.lookup(keyed), keyed.t, keyed.value, keyed.status)

    # -- evaluation ----------------------------------------------------------------------------
    def on_readings(self, batch: ReadingBatch | KeyedReadings) -> list[AlarmEvent]:
        """Judge a batch of readings (any order; duplicates and late readings are dropped)."""
        if isinstance(batch, KeyedReadings):
            batch = self.readings(batch)
        self.stats["readings"] += len(batch)
        windows = self._windows()
        raw = evaluate(batch, self.registry, self.state, self.config, windows, self.stats)
        events = self._to_events(raw)
        if len(batch):
            events += self._hf_close(float(np.max(batch.t)))
        return self._done(events)

    def watermarks(self, points: I32) -> F64:
        """The newest judged reading time of each point (-inf: none yet, or unknown point).

        A reading at or before its point's watermark is late: :meth:`on_readings` would drop
        it, so the adapter routes it to :meth:`judge_late` and its late store instead."""
        out = np.full(points.shape[0], -np.inf)
        known = points >= 0
        last = self.state.track.last_t[points[known]]
        out[known] = np.where(np.isnan(last), -np.inf, last)
        return out

    def judge_late(self, batch: ReadingBatch) -> list[AlarmEvent]:
        """The alarms late readings would have raised, judged on their own.

        A scratch engine holds only their points (the same definitions, mine facts and rules,
        fresh state), so the live state, its open episodes and the stored history are
        untouched whatever the late readings say. Readings of unknown points are ignored."""
        known = batch.point >= 0
        refs = np.unique(batch.point[known])
        if not refs.shape[0]:
            return []
        defs = [self.registry.defs[int(r)] for r in refs.tolist()]
        scratch = Engine(self.config)
        mines = {d.mine_code for d in defs}
        scratch.set_mine_facts({m: f for m, f in self.facts.items() if m in mines})
        scratch.define(defs)
        index = np.asarray([scratch.registry.index[d.key] for d in defs], np.int32)
        points = index[np.searchsorted(refs, batch.point[known])]
        late = ReadingBatch(points, batch.t[known], batch.value[known], batch.status[known])
        return scratch.on_readings(late)

    def on_personnel(self, snapshot: PersonnelSnapshot) -> list[AlarmEvent]:
        """Judge one mine's full personnel snapshot (RYSS)."""
        facts = self.facts.get(snapshot.mine_code, {})
        return self._done(self.personnel.on_snapshot(snapshot, facts))

    def on_timer(self, now: float) -> list[AlarmEvent]:
        """Everything due by ``now``: silences (line_break, network_down, missing_point),
        pending closes after the anti-flapping gap, high-frequency windows that ran out."""
        self.clock = max(self.clock, now)
        events = self._to_events(timers.timer_events(self.state, self.registry, self.config, now))
        events += self._hf_close(now)
        return self._done(events)

    def next_deadline(self) -> float | None:
        """The earliest time at which :meth:`on_timer` has something to do (None: nothing)."""
        deadlines = timers.deadlines(self.state, self.registry, self.config, self.clock)
        cands = [d for d in deadlines if d.shape[0]]
        if not cands:
            return None
        best = min(float(np.min(d)) for d in cands)
        return None if math.isinf(best) else best

    # -- persistence ---------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The whole state as one compact ``.npz`` (arrays + a JSON member)."""
        reg_meta, reg_arrays = self.registry.state()
        meta = {
            "registry": reg_meta,
            "facts": self.facts,
            "def_open": self.def_open,
            "personnel": self.personnel.state(),
            "clock": self.clock,
            "stats": self.stats,
        }
        n, m = len(self.registry), len(self.registry.mines)
        state = {
            k: v[:m] if k.startswith("mine.") else v[:n] for k, v in self.state.arrays().items()
        }
        arrays = {k.replace(".", "__"): v for k, v in {**state, **reg_arrays}.items()}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        buf = io.BytesIO()
        np.savez_compressed(buf, allow_pickle=False, **arrays)
        return buf.getvalue()

    @classmethod
    def restore(cls, data: bytes, config: EngineConfig | None = None) -> Engine:
        """An engine that resumes exactly where :meth:`snapshot` left off."""
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k.replace("__", "."): npz[k] for k in npz.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
        engine = cls(config)
        engine.registry = PointRegistry.from_state(engine.config, meta["registry"], arrays)
        engine.state = PointState.from_arrays(arrays)
        engine.facts = meta["facts"]
        engine.def_open = meta["def_open"]
        engine.personnel.load_state(meta["personnel"])
        engine.clock = float(meta["clock"])
        engine.stats = meta["stats"]
        engine._sync()
        return engine

    def state_bytes_per_point(self) -> int:
        """Rule state plus registry row of one point, in bytes (target ≤ 1 KB)."""
        reg = self.registry
        per_reg = (
            reg.mine.itemsize
            + reg.gas.itemsize
            + reg.loc_kind.itemsize
            + reg.analog.itemsize
            + sum(a.itemsize for a in reg.th.values())
        )
        return self.state.nbytes_per_point() + per_reg

    # -- internals -----------------------------------------------------------------------------
    def _sync(self) -> None:
        self.state.ensure(len(self.registry), len(self.registry.mines))

    def _gas_grade(self, mine: str) -> str:
        return str(self.facts.get(mine, {}).get("gas_grade", "low"))

    def _windows(self) -> dict[int, list[tuple[float, float]]]:
        """Declared calibration windows by mine index (cached until the facts change)."""
        if self._windows_cache is not None:
            return self._windows_cache
        out = {}
        for mine, f in self.facts.items():
            if "calibration_windows" in f:
                out[self.registry.mine_of(mine)] = [
                    (float(a), float(b)) for a, b in f["calibration_windows"]
                ]
        self._windows_cache = out
        return out

    def _judge_definitions(self, points: list[PointDef]) -> list[AlarmEvent]:
        findings: dict[str, definitions.Finding] = {}
        by_mine: dict[str, list[PointDef]] = {}
        for p in points:
            by_mine.setdefault(p.mine_code, []).append(p)
            f = definitions.looser_than_regulation(p, self.config, self._gas_grade(p.mine_code))
            if f is not None:
                findings[f.ident] = f
        for pts in by_mine.values():
            findings.update({f.ident: f for f in definitions.required_missing(pts, self.config)})
        defined_at = {m: [p.defined_at for p in pts] for m, pts in by_mine.items()}
        return self._finding_events(findings, defined_at)

    def _judge_columns(self, cols: PointColumns, mines: list[str]) -> list[AlarmEvent]:
        findings, defined_at = definitions.findings_of_columns(cols, self.config, self._gas_grade)
        return self._finding_events(findings, defined_at)

    def _finding_events(
        self, findings: dict[str, definitions.Finding], defined_at: dict[str, list[float]]
    ) -> list[AlarmEvent]:
        """Open the new findings, close the held ones of the judged mines that are gone."""
        events = []
        for ident, f in findings.items():
            held_by_mine = self.def_open.setdefault(f.mine_code, {})
            if ident not in held_by_mine:
                level = self.grader.grade(f.kind, self._gas_grade(f.mine_code), math.nan, math.nan)
                held_by_mine[ident] = {
                    "opened_at": f.at,
                    "level": int(level),
                    "details": f.details,
                }
                events.append(
                    AlarmEvent(
                        Action.OPEN,
                        f.kind,
                        level,
                        f.mine_code,
                        f.subject,
                        f.at,
                        None,
                        None,
                        None,
                        f.at,
                        f.details,
                    )
                )
        for ident in [i for m in defined_at for i in self.def_open.get(m, {})]:
            if ident in findings:
                continue
            kind, mine, subject = ident.split("|", 2)
            held = self.def_open[mine].pop(ident)
            at = max(defined_at[mine], default=held["opened_at"])
            events.append(
                AlarmEvent(
                    Action.CLOSE,
                    AlarmKind(kind),
                    Level(held["level"]),
                    mine,
                    subject,
                    held["opened_at"],
                    at,
                    None,
                    None,
                    at,
                    held["details"],
                )
            )
        return self._done(events)

    def _to_events(self, raws: list[RawEvents]) -> list[AlarmEvent]:
        events: list[AlarmEvent] = []
        ol_opens: list[tuple[int, float]] = []
        for raw in sorted(raws, key=lambda r: _RANK[r.action] != 0):
            events.extend(self._convert(raw))
            if raw.kind is AlarmKind.OVER_LIMIT and raw.action is Action.OPEN:
                ol_opens.extend(zip(raw.point.tolist(), raw.at.tolist(), strict=True))
        for raw in raws:
            st = self.state.kinds.get(raw.kind)
            if st is not None and raw.action is Action.CLOSE:
                closed = raw.point[~st.active[raw.point]]
                st.level[closed] = 0
        events += self._high_frequency(sorted(ol_opens, key=lambda x: x[1]))
        return events

    def _levels(self, raw: RawEvents, mines: list[str]) -> I32:
        reg = self.registry
        if raw.mine is None and raw.kind in _RATIO_KINDS:
            ratio = raw.peak / reg.th["alarm_hi"][raw.point]
        else:
            ratio = np.full(raw.point.shape[0], np.nan)
        grades = [self._gas_grade(m) for m in mines]
        return self.grader.grade_many(raw.kind, grades, ratio, raw.peak)

    def _convert(self, raw: RawEvents) -> list[AlarmEvent]:
        reg = self.registry
        if raw.mine is not None:
            mines = [reg.mines[m] for m in raw.mine.tolist()]
        else:
            mines = [reg.mines[m] for m in reg.mine[raw.point].tolist()]
        levels = self._levels(raw, mines)
        st = self.state.kinds.get(raw.kind)
        keep = np.ones(raw.point.shape[0], bool)
        if st is not None and raw.action is Action.UPDATE:
            held = st.level[raw.point]
            keep = (held > 0) & (levels < held)
        if st is not None and raw.action is not Action.CLOSE:
            st.level[raw.point[keep]] = levels[keep]
        out = []
        for i in np.flatnonzero(keep).tolist():
            p = int(raw.point[i])
            out.append(self._event(raw, i, p, mines[i], Level(int(levels[i]))))
        return out

    def _event(self, raw: RawEvents, i: int, p: int, mine: str, level: Level) -> AlarmEvent:
        closed = float(raw.closed[i])
        peak = float(raw.peak[i])
        opened = float(raw.opened[i])
        if raw.mine is not None:
            subject, details = "", {"source": self.config.rules[raw.kind.value]["source"]}
        else:
            subject, details = self._point_details(raw.kind, p)
        if raw.kind in (AlarmKind.LINE_BREAK, AlarmKind.MISSING_POINT, AlarmKind.NETWORK_DOWN):
            details["silent_since"] = iso_local(opened)
        return AlarmEvent(
            raw.action,
            raw.kind,
            level,
            mine,
            subject,
            opened,
            None if math.isnan(closed) else closed,
            None if math.isnan(peak) else peak,
            None if math.isnan(peak) else peak,
            float(raw.at[i]),
            details,
        )

    def _point_details(self, kind: AlarmKind, p: int) -> tuple[str, dict[str, Any]]:
        d = self.registry.defs[p]
        rules = self.config.rules.get(kind.value, {})
        details: dict[str, Any] = {
            "location": d.location,
            "location_kind": self.registry.kinds[int(self.registry.loc_kind[p])],
            "sensor_type": d.sensor_type,
            "unit": d.unit,
            "source": rules.get("source", ""),
        }
        for name in ("alarm_hi", "restore_hi", "poweroff_hi", "poweron_hi", "range_lo", "range_hi"):
            value = getattr(d, name)
            if not math.isnan(value):
                details[name] = value
        return d.point_code, details

    def _high_frequency(self, opens: list[tuple[int, float]]) -> list[AlarmEvent]:
        """MON-2 high_frequency: N over_limit episodes of one point within the window."""
        if not opens:
            return []
        prm = self.config.rules["high_frequency"]
        window = float(prm["window_s"])
        tr, hf = self.state.track, self.state.hf_times
        out = []
        for p, t in opens:
            if tr.hf_open[p] and hf[p, 0] + window <= t:
                out += self._hf_close_one(p, float(hf[p, 0] + window))
            hf[p, :-1] = hf[p, 1:]
            hf[p, -1] = t
            tr.hf_count[p] += 1
            if not tr.hf_open[p] and t - hf[p, 0] <= window:
                tr.hf_open[p] = True
                tr.hf_opened[p] = t
                out.append(self._hf_event(Action.OPEN, p, t, None, t))
        return out

    def _hf_event(
        self, action: Action, p: int, opened: float, closed: float | None, at: float
    ) -> AlarmEvent:
        mine = self.registry.mines[int(self.registry.mine[p])]
        subject, details = self._point_details(AlarmKind.HIGH_FREQUENCY, p)
        prm = self.config.rules["high_frequency"]
        details.update(episodes=int(prm["episodes"]), window_s=float(prm["window_s"]))
        level = self.grader.grade(
            AlarmKind.HIGH_FREQUENCY, self._gas_grade(mine), math.nan, math.nan
        )
        return AlarmEvent(
            action,
            AlarmKind.HIGH_FREQUENCY,
            level,
            mine,
            subject,
            opened,
            closed,
            None,
            None,
            at,
            details,
        )

    def _hf_close(self, now: float) -> list[AlarmEvent]:
        tr, hf = self.state.track, self.state.hf_times
        window = float(self.config.rules["high_frequency"]["window_s"])
        n = len(self.registry)
        if not tr.hf_open[:n].any():
            return []
        ends = hf[:n, 0] + window
        due = np.flatnonzero(tr.hf_open[:n] & (ends <= now))
        out = []
        for p in due.tolist():
            out += self._hf_close_one(p, float(ends[p]))
        return out

    def _hf_close_one(self, p: int, end: float) -> list[AlarmEvent]:
        tr = self.state.track
        event = self._hf_event(Action.CLOSE, p, float(tr.hf_opened[p]), end, end)
        tr.hf_open[p] = False
        tr.hf_opened[p] = np.nan
        return [event]

    def _done(self, events: list[AlarmEvent]) -> list[AlarmEvent]:
        events.sort(key=lambda e: (e.at, _RANK[e.action]))
        self.stats["events"] += len(events)
        return events
