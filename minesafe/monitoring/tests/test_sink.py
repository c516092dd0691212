"""The sink: idempotent alarms, exact statistics, checkpoints, archive (issue 3 §4)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from minesafe.engine.events import Action, AlarmEvent, AlarmKind, Level
from minesafe.monitoring import archive
from minesafe.monitoring.models import Alarm, EngineCheckpoint, ReadingStat
from minesafe.monitoring.sink import CheckpointState, Offsets, Sink, load_checkpoint
from minesafe.monitoring.stats import ReadingColumns
from minesafe.testing import World

T0 = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC).timestamp()


def event(world: World, action: Action, at: float, **extra: object) -> AlarmEvent:
    fields: dict = {
        "action": action,
        "kind": AlarmKind.OVER_LIMIT,
        "level": Level.III,
        "mine_code": world.mine_a.code,
        "subject": "P1",
        "opened_at": T0,
        "closed_at": None,
        "peak": 1.2,
        "value": 1.2,
        "at": at,
        "details": {"alarm_high": 1.0},
    }
    fields.update(extra)
    return AlarmEvent(**fields)


def ours(world: World) -> list[Alarm]:
    return list(Alarm.objects.filter(point_code="P1", mine=world.mine_a))


def test_mon2_open_twice_is_one_alarm(world: World) -> None:
    sink = Sink("t")
    opened = event(world, Action.OPEN, T0)
    sink.store_alarms([opened])
    result = sink.store_alarms([opened])
    assert result.created == 0
    assert len(ours(world)) == 1


def test_mon2_episode_opens_updates_and_closes(world: World) -> None:
    sink = Sink("t")
    sink.store_alarms([event(world, Action.OPEN, T0)])
    sink.store_alarms([event(world, Action.UPDATE, T0 + 30, peak=1.8, value=1.8, level=Level.II)])
    sink.store_alarms([event(world, Action.CLOSE, T0 + 90, peak=1.8, value=0.7, closed_at=T0 + 90)])
    (alarm,) = ours(world)
    assert (alarm.peak, alarm.last_value, alarm.duration_s) == (1.8, 0.7, 90.0)
    assert alarm.details == {"alarm_high": 1.0}
    # A replay of the opening after the close does not reopen the episode.
    sink.store_alarms([event(world, Action.OPEN, T0)])
    alarm.refresh_from_db()
    assert alarm.closed_at is not None and alarm.last_value == 0.7


def test_mon2_close_of_an_unknown_episode_creates_it_closed(world: World) -> None:
    Sink("t").store_alarms([event(world, Action.CLOSE, T0 + 60, closed_at=T0 + 60)])
    (alarm,) = ours(world)
    assert alarm.closed_at == dt.datetime.fromtimestamp(T0 + 60, dt.UTC)


def test_mon1_unknown_mine_codes_are_counted_not_fatal(world: World) -> None:
    sink = Sink("t")
    result = sink.store_alarms(
        [event(world, Action.OPEN, T0, mine_code="000000000000"), event(world, Action.OPEN, T0)]
    )
    assert result.unknown_mines == {"000000000000": 1}
    assert result.created == 1
    assert sink.counters["unknown_mine_events"] == 1


def readings(times: list[float], values: list[float]) -> ReadingColumns:
    n = len(times)
    return ReadingColumns(
        np.zeros(n, np.int64),  # ref 0: point P1 of mine A (see names())
        np.array(times, dtype=float),
        np.array(values, dtype=float),
        np.zeros(n, np.int64),
    )


def names_of(world: World):
    return lambda ref: (world.mine_a.code, "P1")


def minute_row(at: float) -> ReadingStat:
    return ReadingStat.objects.get(
        point_code="P1", period=60, bucket=dt.datetime.fromtimestamp(at, dt.UTC)
    )


def test_mon1_closed_buckets_written_open_ones_carried_in_the_checkpoint(
    world: World, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    sink = Sink("t", archive_dir=tmp_path, names=names_of(world))
    state = CheckpointState(b"s1", Offsets({"f1"}, 7), Counter(), 0)
    sink.add_readings(readings([T0, T0 + 10], [0.2, 0.4]))
    state = sink.checkpoint(state, now)
    assert not ReadingStat.objects.filter(point_code="P1").exists()  # the minute is still open
    assert state.open_stats
    # A restart: a new sink takes the open partials back from the checkpoint.
    sink = Sink("t", archive_dir=tmp_path, names=names_of(world))
    sink.restore_open(load_checkpoint("t").open_stats)
    sink.add_readings(readings([T0 + 20, T0 + 70], [0.9, 0.1]))
    state = sink.checkpoint(
        CheckpointState(b"s2", state.offsets, state.counters, state.number), now
    )
    minute = minute_row(T0)
    assert (minute.max, minute.min, minute.count) == (0.9, 0.2, 3)
    assert minute.avg == pytest.approx(0.5)
    assert not ReadingStat.objects.filter(point_code="P1", period=300).exists()
    state = sink.checkpoint(state, now, final=True)  # a stop writes the open buckets too
    assert ReadingStat.objects.get(point_code="P1", period=300).count == 4
    assert minute_row(T0 + 60).count == 1
    saved = load_checkpoint("t")
    assert saved is not None and not saved.open_stats
    assert (saved.snapshot, saved.offsets.nats_sequence, saved.number) == (b"s2", 7, 3)
    assert saved.counters["readings"] == 4
    assert EngineCheckpoint.objects.count() == 1
    day = dt.datetime.fromtimestamp(T0, dt.UTC).date()
    assert archive.read_day(tmp_path, world.mine_a.code, day).num_rows == 4


def test_mon1_a_late_reading_merges_into_the_stored_bucket(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    sink = Sink("late", names=names_of(world))
    sink.add_readings(readings([T0, T0 + 10], [0.2, 0.4]))
    state = sink.checkpoint(CheckpointState(b"", Offsets(), Counter(), 0), now, final=True)
    sink.add_readings(readings([T0 + 30], [1.0]))
    sink.checkpoint(state, now, final=True)
    minute = minute_row(T0)
    assert (minute.max, minute.min, minute.count) == (1.0, 0.2, 3)
    assert minute.avg == pytest.approx(1.6 / 3)


def test_mon1_archive_part_rewritten_after_a_crash_is_not_doubled(tmp_path: Path) -> None:
    batch = ReadingColumns(
        np.array([0, 0, 0, -1]),
        np.array([T0, T0 + 1, T0 + 2, T0 + 3]),
        np.array([1.0, 2.0, 3.0, 4.0]),
        np.zeros(4, np.int64),
    )
    names = {0: ("m", "p")}.__getitem__
    archive.write_parts(tmp_path, batch, "w-00000001", names)
    archive.write_parts(tmp_path, batch, "w-00000001", names)
    day = dt.datetime.fromtimestamp(T0, dt.UTC).date()
    table = archive.read_day(tmp_path, "m", day)
    assert table.num_rows == 3  # the undefined point's reading is not archived
