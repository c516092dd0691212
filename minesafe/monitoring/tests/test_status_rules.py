"""When an open alarm stops being current, and how a point reads (MON-1, MON-2, MON-3): the pure
rules behind the board, the live page and the alarm list."""

from __future__ import annotations

import datetime as dt

from minesafe.engine.config import EngineConfig
from minesafe.monitoring import rules

OPENED = dt.datetime(2026, 3, 2, 10, 5, 30, tzinfo=dt.UTC)
RULES = rules.ClosingRules.of(EngineConfig.load(dt.date(2026, 3, 2)).rules)
GAS = rules.Limits(alarm_high=1.0, restore_high=1.0, power_off_high=1.5, power_on_high=1.0)


def minutes(start: dt.datetime, values: list[tuple[float, float]]) -> list[rules.Minute]:
    """Minutes from ``start`` with (max, min) each."""
    return [rules.Minute(start + i * rules.MINUTE, hi, lo) for i, (hi, lo) in enumerate(values)]


def test_closing_rules_are_the_engines_own_parameters() -> None:
    assert RULES.high_value_restore_below == 1.5
    assert RULES.flat_epsilon == 0.005


def test_over_limit_holds_while_the_gas_stays_at_or_above_the_restore_value() -> None:
    opening = OPENED.replace(second=0)
    data = minutes(opening, [(1.2, 1.05), (1.1, 1.0), (1.0, 0.9)])
    assert rules.cleared_at("over_limit", OPENED, data, GAS, RULES) is None


def test_over_limit_clears_at_the_first_whole_minute_below_the_restore_value() -> None:
    opening = OPENED.replace(second=0)
    data = minutes(opening, [(1.2, 0.3), (1.1, 0.9), (0.31, 0.27), (1.3, 1.1)])
    assert rules.cleared_at("over_limit", OPENED, data, GAS, RULES) == opening + 2 * rules.MINUTE


def test_the_opening_minute_and_earlier_minutes_never_clear() -> None:
    before = minutes(OPENED.replace(second=0) - 3 * rules.MINUTE, [(0.3, 0.2)] * 3)
    assert rules.cleared_at("over_limit", OPENED, before, GAS, RULES) is None


def test_no_data_after_the_opening_decides_nothing() -> None:
    assert rules.cleared_at("power_off_failed", OPENED, [], GAS, RULES) is None
    assert rules.cleared_at("line_break", OPENED, [], GAS, RULES) is None


def test_power_off_failed_clears_below_the_power_on_value_a_point_at_027_is_not_in_alarm() -> None:
    opening = OPENED.replace(second=0)
    data = minutes(opening, [(1.64, 1.5), (0.28, 0.27)])
    assert rules.cleared_at("power_off_failed", OPENED, data, GAS, RULES) == opening + rules.MINUTE


def test_high_value_clears_below_the_engines_restore_value() -> None:
    opening = OPENED.replace(second=0)
    data = minutes(opening, [(2.3, 2.0), (1.6, 1.4), (1.45, 1.2)])
    assert rules.cleared_at("high_value", OPENED, data, GAS, RULES) == opening + 2 * rules.MINUTE


def test_a_lower_alarm_clears_only_above_its_restore_value() -> None:
    wind = rules.Limits(alarm_high=6.0, restore_high=6.0, alarm_low=0.25, restore_low=0.3,
                        range_low=0.0)  # fmt: skip
    opening = OPENED.replace(second=0)
    data = minutes(opening, [(0.3, 0.1), (0.5, 0.28), (0.9, 0.6)])
    assert rules.cleared_at("over_limit", OPENED, data, wind, RULES) == opening + 2 * rules.MINUTE


def test_over_limit_without_thresholds_is_not_decided() -> None:
    data = minutes(OPENED.replace(second=0), [(0.1, 0.0)])
    assert rules.cleared_at("over_limit", OPENED, data, rules.Limits(), RULES) is None


def test_line_break_clears_when_data_comes_back() -> None:
    later = OPENED.replace(second=0) + 7 * rules.MINUTE
    data = minutes(OPENED.replace(second=0), [(0.3, 0.3)]) + minutes(later, [(0.3, 0.2)])
    # the opening minute holds readings from before the break: only a later minute counts
    assert rules.cleared_at("line_break", OPENED, data, GAS, RULES) == later


def test_flat_line_clears_when_the_values_move_again() -> None:
    start = OPENED.replace(second=0) + rules.MINUTE
    data = minutes(start, [(2.1, 2.1), (2.1, 2.1), (2.3, 2.0)])
    assert rules.cleared_at("flat_line", OPENED, data, GAS, RULES) == start + 2 * rules.MINUTE
    assert rules.cleared_at("flat_line", OPENED, data[:2], GAS, RULES) is None


def test_personnel_kinds_are_left_to_the_engine() -> None:
    data = minutes(OPENED.replace(second=0) + rules.MINUTE, [(0.0, 0.0)])
    for kind in ("over_staffing", "overtime_underground", "high_frequency", "multi_card"):
        assert rules.cleared_at(kind, OPENED, data, GAS, RULES) is None


NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_point_state_no_data_never_takes_an_alarm_level() -> None:
    stale = NOW - dt.timedelta(minutes=30)
    assert rules.point_state(stale, [2], NOW, 5) == (rules.NO_DATA, None)
    assert rules.point_state(None, [1], NOW, 5) == (rules.NO_DATA, None)


def test_point_state_alarm_takes_the_worst_current_level() -> None:
    fresh = NOW - dt.timedelta(minutes=2)
    assert rules.point_state(fresh, [3, 2], NOW, 5) == (rules.ALARM, 2)
    assert rules.point_state(fresh, [], NOW, 5) == (rules.NORMAL, None)


def test_sensor_group_names_unknown_codes_as_such() -> None:
    names = {"0006": "风速"}
    assert rules.sensor_group("0006", names) == "风速"
    assert rules.sensor_group("0099", names) == "其他（代码 0099）"
    assert rules.sensor_group("", names) == "其他（未填类型）"


def test_alarm_details_read_as_labelled_chinese_fields() -> None:
    from minesafe.monitoring.details import detail_fields

    rows = dict(
        detail_fields(
            {
                "alarm_hi": 1.0,
                "sensor_type": "0006",
                "location_kind": "return_corner",
                "cards": ["A1", "A2"],
                "source": "MON-2 (002:42) high-value/long-duration over-limits treated like X",
                "mystery": {"x": 1},
            }
        )
    )
    assert rows["上限报警门限"] == "1" and rows["传感器类型"] == "风速"
    assert rows["位置类别"] == "采煤工作面回风隅角" and rows["人员卡"] == "A1、A2"
    assert rows["依据"] == "晋安办发〔2024〕34号第42项"
    assert rows["其他信息"] == "其他：1"
