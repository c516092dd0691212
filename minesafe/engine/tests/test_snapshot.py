"""Snapshot and restore: a restart resumes without duplicate alarms (issue 3 §1, §4)."""

from __future__ import annotations

from minesafe.engine.engine import Engine
from minesafe.engine.events import AlarmEvent
from minesafe.engine.model import PersonnelSnapshot, Presence
from minesafe.engine.tests.helpers import MINE, T0, batch, ch4_point


def _keys(events: list[AlarmEvent]) -> list[tuple[str, str]]:
    return [(e.key, e.action.value) for e in events]


def test_mon1_restart_from_snapshot_equals_an_uninterrupted_run() -> None:
    values = [0.3, 1.2, 1.6, 0.4, 0.4, 0.4, 2.2, 2.3, 0.2, 0.2, 0.2, 0.2]
    points = [ch4_point(), ch4_point("P2", "采煤工作面回风巷")]
    whole = Engine()
    whole.define(points)
    expected = whole.on_readings(batch(0, values)) + whole.on_timer(T0 + 10_000)

    first = Engine()
    first.define(points)
    got = first.on_readings(batch(0, values[:5]))
    blob = first.snapshot()
    second = Engine.restore(blob)
    got += second.on_readings(batch(0, values[:5]))  # replayed after the restart: dropped
    got += second.on_readings(batch(0, values[5:], start=T0 + 150))
    got += second.on_timer(T0 + 10_000)
    assert _keys(got) == _keys(expected)
    assert second.stats["late"] == 5
    assert len(blob) < 20_000


def test_mon5_personnel_state_survives_a_restart() -> None:
    engine = Engine()
    p = Presence("C1", "张三", True, T0 - 11 * 3600, "A1", "S1", T0)
    opened = engine.on_personnel(PersonnelSnapshot(MINE, T0, [p]))
    restored = Engine.restore(engine.snapshot())
    again = restored.on_personnel(PersonnelSnapshot(MINE, T0 + 60, [p]))
    assert opened and not [e for e in again if e.action.value == "open"]


def test_mon5_card_no_movement_state_survives_a_restart() -> None:
    """The station a card sits at and since when are kept across snapshot/restore: the
    source refreshes station time on every read, so only the engine's memory knows."""
    engine = Engine()
    for k in range(5):
        at = T0 + k * 3600
        engine.on_personnel(
            PersonnelSnapshot(MINE, at, [Presence("C1", "张三", True, T0, "A1", "S1", at)])
        )
    restored = Engine.restore(engine.snapshot())
    end = T0 + 8 * 3600
    snap = PersonnelSnapshot(MINE, end, [Presence("C1", "张三", True, T0, "A1", "S1", end)])
    opened = [e for e in restored.on_personnel(snap) if e.kind.value == "card_no_movement"]
    assert [(e.action.value, e.subject, e.opened_at) for e in opened] == [("open", "C1", end)]
