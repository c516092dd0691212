"""Statistics aggregated in NumPy, without the database (issue 3 §4)."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minesafe.engine.events import AlarmKind as EngineKind
from minesafe.engine.events import Level
from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.stats import ReadingColumns, StatTable, aggregate, merge

REFS = {("m1", "p1"): 0, ("m1", "p2"): 1, ("a", "p1"): 2, ("a", "p2"): 3, ("a", "p3"): 4,
        ("b", "p1"): 5, ("b", "p2"): 6, ("b", "p3"): 7, ("m", "p"): 8}  # fmt: skip
NAMES = {ref: key for key, ref in REFS.items()}


def columns(rows: list[tuple[str, str, float, float]]) -> ReadingColumns:
    return ReadingColumns(
        np.array([REFS[r[0], r[1]] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=float),
        np.array([r[3] for r in rows], dtype=float),
        np.zeros(len(rows), np.int64),
    )


def as_dict(table: StatTable) -> dict[tuple, tuple]:
    return {
        (*NAMES[r], per, b): (mx, mn, avg, n, last)
        for (r, per, b, mx, mn, avg, n), last in zip(table.rows(), table.last.tolist(), strict=True)
    }


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
    out = as_dict(aggregate(batch))
    assert out[("m1", "p1", 60, 60)] == (3.0, 1.0, 2.0, 2, 119.0)  # last: the newest time
    assert out[("m1", "p1", 60, 120)][3] == 1
    assert out[("m1", "p2", 60, 60)][3] == 1  # NaN skipped
    assert out[("m1", "p1", 300, 0)] == (5.0, 1.0, 3.0, 3, 120.0)


def test_mon1_stats_of_an_empty_or_all_nan_batch_are_empty() -> None:
    assert len(aggregate(ReadingColumns.empty())) == 0
    assert len(aggregate(columns([("m", "p", 1.0, float("nan"))]))) == 0
    assert len(merge([])) == 0
    undefined = columns([("m", "p", 1.0, 2.0)])
    undefined.ref[:] = -1
    assert len(aggregate(undefined)) == 0


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
    whole = as_dict(aggregate(columns(rows)))
    parts = [aggregate(columns(chunk)) for chunk in (rows[:cut], rows[cut:]) if chunk]
    merged = as_dict(merge(parts))
    assert merged.keys() == whole.keys()
    for key, (mx, mn, avg, n, last) in whole.items():
        assert merged[key][:2] == (mx, mn) and merged[key][3:] == (n, last)
        assert abs(merged[key][2] - avg) < 1e-9


def test_mon2_open_statistics_of_an_earlier_checkpoint_still_load() -> None:
    """Open buckets saved before ``last`` existed count to their bucket's end."""
    table = aggregate(columns([("m1", "p1", 61.0, 1.0)]))
    old = {name: getattr(table, name) for name in ("ref", "period", "bucket", "max", "min")}
    buf = io.BytesIO()
    np.savez(buf, sum=table.sum, count=table.count, **old)
    restored = StatTable.from_bytes(buf.getvalue())
    assert restored.last.tolist() == [120.0, 300.0] and restored.count.tolist() == [1, 1]


def test_mon2_alarm_kinds_and_levels_match_the_engine_contract() -> None:
    assert set(AlarmKind.values) == {k.value for k in EngineKind}
    assert set(AlarmLevel.values) == {int(level) for level in Level}
