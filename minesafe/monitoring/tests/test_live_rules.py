"""Pure parts of the live pages: boundary maps, sparklines, point status, history windows
(issue 6 §4, MON-2..MON-5). No database."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minesafe.monitoring import live
from minesafe.monitoring.history import HistoryParamError, parse_window

SETTINGS = live.live_settings()
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)


def _encode(ring: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """ECharts' compression of a ring of integer (quantised) coordinates, for round trips."""
    offsets = list(ring[0])
    out, px, py = [], offsets[0], offsets[1]
    for x, y in ring:
        dx, dy = x - px, y - py
        px, py = x, y
        out.append(chr(((dx << 1) ^ (dx >> 31)) + 64) + chr(((dy << 1) ^ (dy >> 31)) + 64))
    return "".join(out), offsets


def _small_steps(ring: list[tuple[int, int]]) -> bool:
    """Neighbouring vertices of a real boundary are close: deltas fit the character range."""
    return all(abs(a[0] - b[0]) < 400 and abs(a[1] - b[1]) < 400 for a, b in pairwise(ring))


@given(
    st.lists(
        st.tuples(st.integers(100_000, 140_000), st.integers(20_000, 50_000)),
        min_size=1,
        max_size=40,
    ).filter(_small_steps)
)
def test_decode_ring_inverts_the_echarts_encoding(ring: list[tuple[int, int]]) -> None:
    encoded, offsets = _encode(ring)
    assert live.decode_ring(encoded, offsets) == [(x / 1024, y / 1024) for x, y in ring]


def test_region_uses_even_odd_so_holes_are_outside() -> None:
    outer = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    hole = [(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0)]
    region = live.Region.of([outer, hole])
    assert region.contains(1, 1) and region.contains(8, 5)
    assert not region.contains(5, 5)  # in the hole
    assert not region.contains(11, 5) and not region.contains(-1, -1)


def test_boundaries_decode_the_shipped_maps() -> None:
    """The demo county (Jincheng, Shanxi) lies in Shanxi; Zhengzhou in Henan; Beijing in none."""
    files = tuple(spec.file for spec in SETTINGS.maps)
    assert live.province_of(112.85, 35.62, files) == "monitoring/maps/shanxi.json"
    assert live.province_of(113.65, 34.76, files) == "monitoring/maps/henan.json"
    assert live.province_of(108.94, 34.34, files) == "monitoring/maps/shanxi1.json"  # Xi'an
    assert live.province_of(116.40, 39.90, files) is None


def _names(coords: list[tuple[float, float]]) -> list[str]:
    return [spec.name for spec in live.choose_maps(coords, SETTINGS)]


def test_choose_maps_draws_the_provinces_of_the_mines_or_the_nation() -> None:
    names = _names
    assert names([(112.85, 35.62), (112.70, 35.80)]) == ["shanxi"]
    assert names([(112.85, 35.62), (113.65, 34.76)]) == ["shanxi", "henan"]
    assert names([(112.85, 35.62), (116.40, 39.90)]) == ["china"]
    assert names([]) == ["shanxi"]  # no coordinates: the home province


def test_map_view_zooms_on_a_county_and_not_without_mines() -> None:
    shanxi = [SETTINGS.maps[0]]
    assert live.map_view(shanxi, []) == {"center": None, "zoom": 1}
    view = live.map_view(shanxi, [(112.6, 35.5), (113.0, 35.8)])
    assert view["center"] == [112.8, 35.65] and 2 < view["zoom"] <= 30
    wide = live.map_view(shanxi, [(110.3, 34.6), (114.5, 40.7)])
    assert wide["zoom"] == 1


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=120))
def test_sparkline_stays_inside_its_box(values: list[float]) -> None:
    points = [tuple(map(float, p.split(","))) for p in live.sparkline(values, 120, 24).split()]
    assert len(points) == len(values)
    assert all(0 <= x <= 120 and 0 <= y <= 24 for x, y in points)
    assert [x for x, _ in points] == sorted(x for x, _ in points)


def test_sparkline_of_nothing_and_of_a_flat_line() -> None:
    assert live.sparkline([]) == ""
    assert {p.split(",")[1] for p in live.sparkline([0.3] * 5, 120, 24).split()} == {"12.0"}


def test_point_status_no_data_before_alarm_before_normal() -> None:
    """MON-1: a point without fresh data reads 无数据 even with an alarm open on it (nothing
    says what it reads now); a current alarm makes a fresh point 报警."""
    minutes = SETTINGS.no_data_minutes
    fresh = NOW - dt.timedelta(minutes=2)
    assert live.point_status(fresh, [], NOW, minutes) == live.NORMAL
    assert live.point_status(fresh, [3], NOW, minutes) == live.ALARM
    assert live.point_status(None, [], NOW, minutes) == live.NO_DATA
    assert live.point_status(None, [2], NOW, minutes) == live.NO_DATA  # a line break: no data
    # the bucket ends one minute after it starts: exactly N minutes after its end is still fresh
    edge = NOW - dt.timedelta(minutes=minutes + 1)
    assert live.point_status(edge, [], NOW, minutes) == live.NORMAL
    stale = edge - dt.timedelta(seconds=1)
    assert live.point_status(stale, [1], NOW, minutes) == live.NO_DATA


def test_history_window_defaults_to_the_last_day_of_minutes() -> None:
    window = parse_window(None, None, NOW, SETTINGS, SHANGHAI)
    assert (window.range, window.source) == ("day", "minute")
    assert window.end == NOW and window.start == NOW - dt.timedelta(days=1)
    sources = {r: parse_window(r, None, NOW, SETTINGS).source for r in SETTINGS.history_ranges}
    assert sources == {
        "raw": "raw",
        "day": "minute",
        "week": "five_minutes",
        "month": "hour",
        "year": "day",
    }
    raw = parse_window("raw", None, NOW, SETTINGS)
    assert raw.end - raw.start == dt.timedelta(hours=6)


def test_history_window_from_a_local_start_is_one_span_never_past_now() -> None:
    window = parse_window("week", "2026-11-01", NOW, SETTINGS, SHANGHAI)
    assert window.start == dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert window.end == dt.datetime(2026, 11, 8, tzinfo=SHANGHAI)
    late = parse_window("week", "2026-11-20T08:00", NOW, SETTINGS, SHANGHAI)
    assert late.end == NOW


@pytest.mark.parametrize(
    ("range_name", "start", "field"),
    [
        ("hour", None, "range"),
        ("", "x", "start"),  # empty range means the default; the start is still checked
        ("day", "2026-13-01", "start"),
        ("day", "yesterday", "start"),
        ("day", "1999-12-31", "start"),
        ("day", "2026-12-01", "start"),  # after now
        ("year", "9999-12-31T23:59", "start"),
    ],
)
def test_history_window_refuses_bad_parameters(
    range_name: str, start: str | None, field: str
) -> None:
    with pytest.raises(HistoryParamError) as error:
        parse_window(range_name, start, NOW, SETTINGS, SHANGHAI)
    assert error.value.field == field and error.value.message


def test_settings_come_from_the_data_file() -> None:
    assert SETTINGS.no_data_minutes > 0 and SETTINGS.sparkline_minutes >= 10
    assert SETTINGS.sensor_types["0001"] == "甲烷"
    assert SETTINGS.national_map.name == "china"
