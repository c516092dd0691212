"""Property tests: the vectorised rules equal the scalar reference on random streams
(issue 3 §1; MON-2, MON-3). Random values around the thresholds, random status bits, random
batch cuts, shuffled batches and duplicated readings."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minesafe.engine.config import EngineConfig
from minesafe.engine.engine import Engine
from minesafe.engine.events import Action, AlarmEvent
from minesafe.engine.model import ReadingBatch
from minesafe.engine.reference import PointRef, RefEvent
from minesafe.engine.tests.helpers import T0, ch4_point

CONFIG = EngineConfig.load(
    overrides={
        "over_limit": {"min_gap_s": 90},
        "high_value": {"min_gap_s": 60},
        "long_duration": {"at_least_s": 150},
        "high_frequency": {"episodes": 3, "window_s": 900},
        "flat_line": {"at_least_s": 120, "min_changes": 2, "epsilon": 0.005},
        "air_blown": {"min_gap_s": 60},
    }
)
VALUES = st.sampled_from([0.0, 0.02, 0.3, 0.5, 0.95, 1.0, 1.2, 1.5, 1.6, 2.0, 2.4, 4.5, -0.1])
STATUS = st.sampled_from([0, 0, 0, 0, 2, 4, 8, 128])
POINTS = [
    ch4_point("P0"),
    ch4_point("P1", "采煤工作面回风巷", restore_hi=0.8),
    ch4_point("P2", "掘进工作面", alarm_hi=0.9, restore_hi=float("nan")),
]


@st.composite
def streams(draw: Any) -> list[list[tuple[int, float, float, int]]]:
    """Batches of (point, t, value, status); times rise by 30 s steps with jitter."""
    n = draw(st.integers(1, 80))
    rows = []
    t = T0
    for _ in range(n):
        t += draw(st.sampled_from([0.0, 15.0, 30.0, 30.0, 30.0, 60.0, 200.0]))
        for p in range(len(POINTS)):
            if draw(st.booleans()) or p == 0:
                rows.append((p, t + p, draw(VALUES), draw(STATUS)))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=6)))
    batches = [rows[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
    out = []
    for b in batches:
        b = list(b)
        if b and draw(st.booleans()):
            b.append(b[draw(st.integers(0, len(b) - 1))])  # a duplicate
        out.append(draw(st.permutations(b)) if b else b)
    return out


def _episodes_engine(events: list[AlarmEvent]) -> set[tuple[Any, ...]]:
    out = set()
    for e in events:
        if e.action is Action.CLOSE:
            out.add((e.kind.value, e.subject, e.opened_at, e.closed_at, _r(e.peak)))
    return out


def _r(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(x, 9)


def _episodes_ref(code: str, events: list[RefEvent]) -> set[tuple[Any, ...]]:
    return {
        (e.kind.value, code, e.opened_at, e.closed_at, _r(e.peak))
        for e in events
        if e.action is Action.CLOSE
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_mon2_mon3_vectorised_rules_equal_reference(
    batches: list[list[tuple[int, float, float, int]]],
) -> None:
    _check(batches)


def _check(batches: list[list[tuple[int, float, float, int]]]) -> None:
    """Feed the engine batch by batch and the reference reading by reading; same episodes."""
    engine = Engine(CONFIG)
    engine.define(POINTS)
    refs = [PointRef(p, CONFIG) for p in POINTS]
    got: list[AlarmEvent] = []
    want: set[tuple[Any, ...]] = set()
    for b in batches:
        if not b:
            continue
        arr = np.asarray(b, dtype=np.float64)
        got += engine.on_readings(
            ReadingBatch(
                arr[:, 0].astype(np.int32), arr[:, 1], arr[:, 2], arr[:, 3].astype(np.int32)
            )
        )
        for p, t, v, s in sorted(b, key=lambda r: r[1]):
            want |= _episodes_ref(POINTS[p].point_code, refs[p].on_reading(t, v, s))
    end = T0 + 10**6
    got += engine.on_timer(end)
    for p, ref in enumerate(refs):
        want |= _episodes_ref(POINTS[p].point_code, ref.on_timer(end))
    point_kinds = {"line_break", "network_down", "missing_point"}
    got_set = {e for e in _episodes_engine(got) if e[0] not in point_kinds}
    assert got_set == want


@st.composite
def polls(draw: Any) -> list[list[tuple[int, float, float, int]]]:
    """One batch per poll, each point once and in point order (the engine's fast layout)."""
    out = []
    t = T0
    for _ in range(draw(st.integers(1, 60))):
        t += draw(st.sampled_from([15.0, 30.0, 30.0, 60.0, 200.0]))
        points = [p for p in range(len(POINTS)) if p == 0 or draw(st.booleans())]
        out.append([(p, t, draw(VALUES), draw(STATUS)) for p in points])
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polls())
def test_mon2_mon3_one_batch_per_poll_equals_reference(
    batches: list[list[tuple[int, float, float, int]]],
) -> None:
    _check(batches)
