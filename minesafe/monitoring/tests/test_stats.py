"""Statistics aggregated in NumPy, without the database (issue 3 §4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minesafe.engine.events import AlarmKind as EngineKind
from minesafe.engine.events import Level
from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.stats import ReadingColumns, aggregate, aggregate_all, merge_into


def columns(rows: list[tuple[str, str, float, float]]) -> ReadingColumns:
    return ReadingColumns(
        np.array([r[0] for r in rows]),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows], dtype=float),
        np.array([r[3] for r in rows], dtype=float),
    )


def test_mon1_stats_group_by_point_and_minute() -> None:
    batch = columns(
        [
            ("m1", "p1", 60.0, 1.0),
            ("m1", "p1", 119.0, 3.0),
            ("m1", "p1", 120.0, 5.0),
            ("m1", "p2", 61.0, 7.0),
            ("m1", "p2", 62.0, float("nan")),
        ]
    )
    out = aggregate(batch, 60)
    assert out[("m1", "p1", 60, 60)].max == 3.0
    assert out[("m1", "p1", 60, 60)].min == 1.0
    assert out[("m1", "p1", 60, 60)].avg == 2.0
    assert out[("m1", "p1", 60, 120)].count == 1
    assert out[("m1", "p2", 60, 60)].count == 1  # NaN skipped
    assert set(aggregate_all(batch)) >= {("m1", "p1", 300, 0), ("m1", "p1", 60, 60)}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.sampled_from(["p1", "p2", "p3"]),
            st.floats(0, 1000),
            st.floats(-10, 10),
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 60),
)
def test_mon1_stats_of_two_batches_merge_to_the_stats_of_one(
    rows: list[tuple[str, str, float, float]], cut: int
) -> None:
    """The sink folds batches together: the split must not change the result."""
    whole = aggregate(columns(rows), 60)
    parts: dict = {}
    for chunk in (rows[:cut], rows[cut:]):
        if chunk:
            merge_into(parts, aggregate(columns(chunk), 60))
    assert parts.keys() == whole.keys()
    for key, value in whole.items():
        assert parts[key].max == value.max and parts[key].min == value.min
        assert parts[key].count == value.count
        assert abs(parts[key].sum - value.sum) < 1e-6


def test_mon2_alarm_kinds_and_levels_match_the_engine_contract() -> None:
    assert set(AlarmKind.values) == {k.value for k in EngineKind}
    assert set(AlarmLevel.values) == {int(level) for level in Level}
