"""Point rules, one behaviour per test, each naming its requirement (MON-2, MON-3)."""

from __future__ import annotations

import numpy as np
import pytest

from minesafe.engine.config import EngineConfig
from minesafe.engine.engine import Engine
from minesafe.engine.events import AlarmKind, Level
from minesafe.engine.model import PointDef, ReadingBatch
from minesafe.engine.tests.helpers import MINE, T0, batch, ch4_point, engine_with, kinds

K = AlarmKind


def test_mon2_over_limit_episode_has_start_end_peak_and_duration() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [0.4, 1.1, 1.3, 0.9, 0.95, 0.5, 0.4, 0.3]))
    (opened,) = kinds(events, K.OVER_LIMIT, "open")
    (closed,) = kinds(events, K.OVER_LIMIT, "close")
    assert opened.opened_at == T0 + 30 and opened.key == closed.key
    assert closed.closed_at == T0 + 90  # the first reading below the restore threshold
    assert closed.peak == 1.3 and closed.duration_s == 60
    assert closed.details["alarm_hi"] == 1.0 and "第五百三十六条" in closed.details["source"]


def test_mon2_over_limit_hysteresis_holds_between_restore_and_alarm() -> None:
    engine = engine_with(ch4_point(restore_hi=0.8))
    events = engine.on_readings(batch(0, [1.2, 0.9, 0.85, 1.05, 0.9, 0.7, 0.6, 0.5, 0.5]))
    assert len(kinds(events, K.OVER_LIMIT, "open")) == 1
    (closed,) = kinds(events, K.OVER_LIMIT, "close")
    assert closed.closed_at == T0 + 150 and closed.peak == 1.2


def test_mon2_flapping_within_min_gap_is_one_episode() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [1.1, 0.9, 1.1, 0.9, 1.2] + [0.5] * 5, step=20))
    assert len(kinds(events, K.OVER_LIMIT, "open")) == 1
    (closed,) = kinds(events, K.OVER_LIMIT, "close")
    assert closed.peak == 1.2 and closed.closed_at == T0 + 100


def test_mon2_a_new_rise_after_the_gap_is_a_new_episode() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [1.1, 0.5, 0.5, 0.5, 1.1, 0.5, 0.5, 0.5], step=30))
    assert len(kinds(events, K.OVER_LIMIT, "open")) == 2
    assert len(kinds(events, K.OVER_LIMIT, "close")) == 2


def test_mon2_pending_close_is_confirmed_by_the_timer() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [1.1, 0.5]))
    assert not kinds(events, K.OVER_LIMIT, "close")
    assert engine.next_deadline() == T0 + 30 + 60
    (closed,) = kinds(engine.on_timer(T0 + 90), K.OVER_LIMIT, "close")
    assert closed.closed_at == T0 + 30


def test_mon2_high_value_at_two_percent() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [1.9, 2.0, 2.6, 1.0, 0.2, 0.2, 0.2]))
    (hv,) = kinds(events, K.HIGH_VALUE, "close")
    assert hv.opened_at == T0 + 30 and hv.peak == 2.6 and hv.level is Level.II
    engine2 = engine_with()
    engine2.on_readings(batch(0, [1.9]))
    cfg = EngineConfig.load(overrides={"high_value": {"at_least": 1.8}})
    engine3 = Engine(cfg)
    engine3.define([ch4_point()])
    assert kinds(engine3.on_readings(batch(0, [1.9])), K.HIGH_VALUE, "open")


def test_mon2_long_duration_after_t_and_closed_with_the_episode() -> None:
    cfg = EngineConfig.load(overrides={"long_duration": {"at_least_s": 120}})
    engine = Engine(cfg)
    engine.define([ch4_point()])
    events = engine.on_readings(batch(0, [1.2] * 6 + [0.5] * 4))
    (ld,) = kinds(events, K.LONG_DURATION, "open")
    assert ld.opened_at == T0 + 120
    (ld_close,) = kinds(events, K.LONG_DURATION, "close")
    (ol_close,) = kinds(events, K.OVER_LIMIT, "close")
    assert ld_close.closed_at == ol_close.closed_at == T0 + 180


def test_mon2_high_frequency_three_episodes_in_the_window() -> None:
    engine = engine_with()
    values = ([1.2] + [0.3] * 4) * 3 + [0.3] * 3
    events = engine.on_readings(batch(0, values, step=60))
    (hf,) = kinds(events, K.HIGH_FREQUENCY, "open")
    assert hf.opened_at == T0 + 2 * 5 * 60 and hf.subject == "P1"
    closed = kinds(engine.on_timer(T0 + 86400), K.HIGH_FREQUENCY, "close")
    assert closed[0].closed_at == T0 + 86400


def test_mon2_power_off_failed_without_the_power_cut_bit() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [1.6, 1.7, 0.5, 0.5, 0.5], status=[0, 0, 0, 0, 0]))
    (pf,) = kinds(events, K.POWER_OFF_FAILED, "close")
    assert pf.peak == 1.7 and pf.level is Level.I
    engine2 = engine_with()
    assert not kinds(engine2.on_readings(batch(0, [1.6, 1.7], status=2)), K.POWER_OFF_FAILED)


def test_mon2_threshold_looser_than_table_19() -> None:
    engine = Engine()
    events = engine.define(
        [ch4_point(alarm_hi=1.5), ch4_point("P2", "采煤工作面回风巷", poweroff_hi=1.0)]
    )
    (loose,) = kinds(events, K.THRESHOLD_LOOSER_THAN_REGULATION, "open")
    assert loose.subject == "P1" and "表19 第1行" in loose.details["source"]
    fixed = engine.define([ch4_point(alarm_hi=1.0)])
    assert kinds(fixed, K.THRESHOLD_LOOSER_THAN_REGULATION, "close")[0].subject == "P1"


def test_mon2_outburst_only_rows_follow_the_gas_grade() -> None:
    engine = Engine()
    p = ch4_point("P9", "采煤工作面进风巷", alarm_hi=1.0, poweroff_hi=1.5)
    assert not kinds(engine.define([p]), K.THRESHOLD_LOOSER_THAN_REGULATION)
    events = engine.set_mine_facts({MINE: {"gas_grade": "outburst"}})
    assert kinds(events, K.THRESHOLD_LOOSER_THAN_REGULATION, "open")[0].subject == "P9"


def test_mon3_line_break_raised_exactly_at_its_deadline() -> None:
    engine = engine_with(ch4_point("P1"), ch4_point("P2", "采煤工作面回风巷"))
    for k in range(4):
        rows = [0, 1] if k < 2 else [0]
        engine.on_readings(
            ReadingBatch(
                np.asarray(rows, np.int32),
                np.full(len(rows), T0 + 30 * k),
                np.full(len(rows), 0.3),
                np.zeros(len(rows), np.int32),
            )
        )
    deadline = T0 + 30 + 3 * 30
    assert engine.next_deadline() == deadline
    assert not kinds(engine.on_timer(deadline - 0.5), K.LINE_BREAK)
    (lb,) = kinds(engine.on_timer(deadline), K.LINE_BREAK, "open")
    assert lb.subject == "P2" and lb.opened_at == deadline
    back = engine.on_readings(batch(1, [0.3], start=T0 + 300))
    assert kinds(back, K.LINE_BREAK, "close")[0].closed_at == T0 + 300


def test_mon3_network_down_when_the_whole_mine_is_silent() -> None:
    engine = engine_with(ch4_point("P1"), ch4_point("P2", "采煤工作面回风巷"))
    engine.on_readings(
        ReadingBatch(
            np.array([0, 1], np.int32), np.full(2, T0), np.full(2, 0.3), np.zeros(2, np.int32)
        )
    )
    engine.on_readings(
        ReadingBatch(
            np.array([0, 1], np.int32), np.full(2, T0 + 30), np.full(2, 0.3), np.zeros(2, np.int32)
        )
    )
    assert engine.next_deadline() == T0 + 30 + 300 - 210  # line_break due first (3 polls)
    events = engine.on_timer(T0 + 400)
    assert not kinds(events, K.LINE_BREAK)  # the mine is silent: not a line break
    (nd,) = kinds(events, K.NETWORK_DOWN, "open")
    assert nd.subject == "" and nd.opened_at == T0 + 330
    back = engine.on_readings(batch(0, [0.3], start=T0 + 900))
    assert kinds(back, K.NETWORK_DOWN, "close")[0].closed_at == T0 + 900


def test_mon3_missing_point_defined_but_never_reporting() -> None:
    engine = engine_with(ch4_point("P1"), ch4_point("P2", "采煤工作面回风巷"))
    engine.on_readings(batch(0, [0.3, 0.3], start=T0))
    (mp,) = kinds(engine.on_timer(T0 + 600), K.MISSING_POINT, "open")
    assert mp.subject == "P2" and mp.opened_at == T0 + 600
    closed = kinds(engine.on_readings(batch(1, [0.3], start=T0 + 700)), K.MISSING_POINT, "close")
    assert closed[0].closed_at == T0 + 700


def test_mon3_flat_line_after_the_point_varied() -> None:
    cfg = EngineConfig.load(overrides={"flat_line": {"at_least_s": 300, "min_changes": 3}})
    engine = Engine(cfg)
    engine.define([ch4_point()])
    varied = [0.30, 0.35, 0.32, 0.38, 0.31]
    events = engine.on_readings(batch(0, varied + [0.42] * 15 + [0.5]))
    (fl,) = kinds(events, K.FLAT_LINE, "close")
    assert fl.opened_at == T0 + 30 * 5 + 300 and fl.closed_at == T0 + 30 * 20


def test_mon3_flat_line_not_for_a_point_that_never_varied() -> None:
    engine = Engine(EngineConfig.load(overrides={"flat_line": {"at_least_s": 300}}))
    engine.define([ch4_point()])
    assert not kinds(engine.on_readings(batch(0, [0.42] * 40)), K.FLAT_LINE)


def test_mon3_air_blown_drop_to_zero_after_rising_values() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [0.4, 0.6, 0.8, 0.02, 0.03, 0.3, 0.3]))
    (ab,) = kinds(events, K.AIR_BLOWN, "open")
    assert ab.opened_at == T0 + 90 and ab.level is Level.II


def test_mon3_out_of_range_and_negative_value() -> None:
    engine = engine_with()
    events = engine.on_readings(batch(0, [4.5, 0.3, 0.3, 0.3, -0.2, 0.3, 0.3, 0.3]))
    assert kinds(events, K.OUT_OF_RANGE, "close")[0].peak == 4.5
    assert kinds(events, K.NEGATIVE_VALUE, "open")[0].opened_at == T0 + 120
    engine2 = engine_with()
    assert kinds(engine2.on_readings(batch(0, [0.3], status=8)), K.OUT_OF_RANGE, "open")


def test_mon3_calibration_outside_the_default_day_window() -> None:
    night = T0 - 12 * 3600  # 22:00 local
    engine = engine_with()
    assert kinds(
        engine.on_readings(batch(0, [2.0], start=night, status=4)),
        K.CALIBRATION_OUTSIDE_WINDOW,
        "open",
    )
    engine2 = engine_with()  # 10:00 local, inside 08:00-17:00
    assert not engine2.on_readings(batch(0, [2.0, 2.0], status=4))


def test_mon3_calibration_inside_a_declared_window_is_quiet() -> None:
    night = T0 - 12 * 3600
    engine = engine_with(facts={"calibration_windows": [[night - 60, night + 600]]})
    events = engine.on_readings(batch(0, [2.0, 2.1], start=night, status=4))
    assert events == []  # calibration gas does not raise over_limit/high_value either
    late = engine.on_readings(batch(0, [2.0], start=night + 900, status=4))
    assert kinds(late, K.CALIBRATION_OUTSIDE_WINDOW, "open")


def test_mon2_duplicates_and_out_of_order_readings_do_not_double_count() -> None:
    engine = engine_with()
    b = batch(0, [0.3, 1.2, 1.4, 0.5, 0.5, 0.5])
    order = np.array([3, 0, 5, 1, 2, 4, 1, 2])
    shuffled = ReadingBatch(b.point[order], b.t[order], b.value[order], b.status[order])
    events = engine.on_readings(shuffled)
    events += engine.on_readings(b)  # the same data again
    assert len(kinds(events, K.OVER_LIMIT, "open")) == 1
    assert len(kinds(events, K.OVER_LIMIT, "close")) == 1
    assert engine.stats["duplicate"] == 2 and engine.stats["late"] == 6


def test_mon2_unknown_points_are_counted_not_judged() -> None:
    engine = engine_with()
    events = engine.on_readings(
        ReadingBatch(
            np.array([-1], np.int32), np.array([T0]), np.array([5.0]), np.array([0], np.int32)
        )
    )
    assert events == [] and engine.stats["unknown"] == 1


@pytest.mark.parametrize(
    ("grade", "level"), [("low", Level.III), ("high", Level.II), ("outburst", Level.II)]
)
def test_mon4_over_limit_level_follows_the_gas_grade(grade: str, level: Level) -> None:
    engine = engine_with(facts={"gas_grade": grade})
    (opened,) = kinds(engine.on_readings(batch(0, [1.1])), K.OVER_LIMIT, "open")
    assert opened.level is level


def test_mon4_level_rises_with_the_peak_as_an_update() -> None:
    engine = engine_with()
    first = engine.on_readings(batch(0, [1.1]))
    assert kinds(first, K.OVER_LIMIT, "open")[0].level is Level.III
    later = engine.on_readings(batch(0, [2.2], start=T0 + 30))
    (up,) = kinds(later, K.OVER_LIMIT, "update")
    assert up.level is Level.I and up.peak == 2.2 and up.key == first[0].key
    assert up.at == T0 + 30 and up.opened_at == T0


def test_mon1_state_is_under_one_kilobyte_per_point() -> None:
    assert Engine().state_bytes_per_point() <= 1024


def test_mon3_network_down_with_staggered_point_times_is_not_a_line_break() -> None:
    engine = engine_with(ch4_point("P1"), ch4_point("P2", "采煤工作面回风巷"))
    for k in range(3):  # P2 reports 2 s after P1 in every poll
        engine.on_readings(
            ReadingBatch(
                np.array([0, 1], np.int32),
                np.array([T0 + 30 * k, T0 + 30 * k + 2]),
                np.full(2, 0.3),
                np.zeros(2, np.int32),
            )
        )
    events = engine.on_timer(T0 + 1000)
    assert not kinds(events, K.LINE_BREAK)
    assert kinds(events, K.NETWORK_DOWN, "open")


def test_mon3_negative_values_of_a_signed_range_are_not_tampering() -> None:
    temp = PointDef(MINE, "T1", "0005", "MN", "℃", "副井井口温度", -20.0, 60.0, defined_at=T0)
    engine = engine_with(temp)
    events = engine.on_readings(batch(0, [-5.0, -25.0, -5.0, -5.0, -5.0]))
    assert not kinds(events, K.NEGATIVE_VALUE)
    assert kinds(events, K.OUT_OF_RANGE, "close")[0].opened_at == T0 + 30
