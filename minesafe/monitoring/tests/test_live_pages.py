"""The live pages and their queries with the test world (issue 6 §4, MON-2..MON-5): the board and
its map, a mine's real-time page, point history, alarm statistics, their API counterparts, and
scoping (mine B's staff never sees mine A)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import numpy as np
import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from minesafe.monitoring import archive, history, live
from minesafe.monitoring.choices import AlarmKind, AlarmLevel, StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint
from minesafe.monitoring.statistics import alarm_statistics
from minesafe.monitoring.stats import ReadingColumns
from minesafe.monitoring.testing import make_alarm, make_sensor_point, point_code
from minesafe.testing import World

SETTINGS = live.live_settings()


def _stats(point: SensorPoint, period: int, start: dt.datetime, values: list[float]) -> None:
    ReadingStat.objects.bulk_create(
        ReadingStat(
            mine_id=point.mine_id,
            point_code=point.code,
            period=period,
            bucket=start + i * dt.timedelta(seconds=period),
            max=v + 0.1,
            min=v - 0.1,
            avg=v,
            count=6 if period == 60 else 30,
        )
        for i, v in enumerate(values)
    )


def _minute(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.fixture
def live_world(world: World) -> World:
    """Mines A and B with coordinates in Shanxi, open alarms at A (I and III) and B (IV)."""
    for mine, lon, lat in ((world.mine_a, "112.80", "35.60"), (world.mine_b, "112.90", "35.70")):
        mine.longitude, mine.latitude = Decimal(lon), Decimal(lat)
        mine.save()
    now = timezone.now()
    make_alarm(world.mine_a, now - dt.timedelta(minutes=30), level=AlarmLevel.III, closed_at=None)
    make_alarm(
        world.mine_a,
        now - dt.timedelta(minutes=10),
        level=AlarmLevel.I,
        closed_at=None,
        kind=AlarmKind.HIGH_VALUE,
    )
    make_alarm(world.mine_b, now - dt.timedelta(minutes=5), level=AlarmLevel.IV, closed_at=None)
    return world


# --- board ---------------------------------------------------------------------------------------


def test_board_counts_each_mine_under_its_worst_open_level(live_world: World) -> None:
    board = live.board(live_world.users["regulator_x"], SETTINGS)
    counts = {label: n for label, n, _ in board.level_counts}
    assert counts == {"I级（红）": 1, "II级（橙）": 0, "III级（黄）": 0, "IV级（蓝）": 1}
    assert [(r.mine, r.worst, r.count) for r in board.rows] == [
        (live_world.mine_a, 1, 2),
        (live_world.mine_b, 4, 1),
    ]
    assert board.open_total == 3
    levels = {p["name"]: p["level"] for p in board.map_points}
    assert levels == {"标记矿甲一": 1, "标记矿乙二": 4}
    assert [s.name for s in board.maps] == ["shanxi"]


def test_board_of_mine_b_staff_never_shows_mine_a(live_world: World) -> None:
    board = live.board(live_world.users["mine_b"], SETTINGS)
    assert [r.mine for r in board.rows] == [live_world.mine_b]
    assert [p["name"] for p in board.map_points] == ["标记矿乙二"]
    response = _client(live_world, "mine_b").get("/monitoring/board/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "标记矿甲一" not in text and live_world.mine_a.code not in text
    assert "标记矿乙二" in text


def test_board_lists_mines_without_coordinates_under_the_map(live_world: World) -> None:
    board = live.board(live_world.users["city"], SETTINGS)
    assert board.without_coordinates == [live_world.mine_c]
    response = _client(live_world, "city").get("/monitoring/board/")
    assert "未登记坐标" in response.content.decode() and "标记矿丙三" in response.content.decode()


def test_board_page_polls_a_partial(live_world: World) -> None:
    client = _client(live_world, "regulator_x")
    page = client.get("/monitoring/board/").content.decode()
    assert 'hx-trigger="every 10s"' in page and 'id="mine-map"' in page
    assert "monitoring/maps/shanxi.json" in page and "<!doctype html>" in page
    partial = client.get("/monitoring/board/", HTTP_HX_REQUEST="true").content.decode()
    assert "<!doctype html>" not in partial and 'id="map-data"' in partial
    assert "标记矿甲一" in partial


# --- a mine's real-time page ----------------------------------------------------------------------


def test_live_points_newest_minute_status_and_trend(live_world: World) -> None:
    mine = live_world.mine_a
    now = timezone.now()
    gas = SensorPoint.objects.get(mine=mine, code=point_code(mine))  # has open alarms (I, III)
    co = make_sensor_point(mine, 2, sensor_type="0004", unit="ppm", location="回风巷一氧化碳")
    wind = make_sensor_point(mine, 3, sensor_type="0006", unit="m/s", location="回风巷风速")
    # the gas point stays above both alarms' restore values: both are still current
    _stats(gas, StatPeriod.MINUTE, _minute(now) - dt.timedelta(minutes=30), [2.3] * 29 + [2.4])
    _stats(co, StatPeriod.MINUTE, _minute(now) - dt.timedelta(minutes=3), [5.0, 6.0])
    _stats(wind, StatPeriod.MINUTE, _minute(now) - dt.timedelta(hours=3), [2.0, 2.1])
    rows = {r.point.code: r for r in live.live_points(mine, now, SETTINGS)}
    assert rows[gas.code].status == live.ALARM and rows[gas.code].level == AlarmLevel.I
    assert rows[gas.code].stat is not None and rows[gas.code].stat.avg == 2.4
    assert rows[gas.code].color == "red" and "报警" in rows[gas.code].status_label
    assert len(rows[gas.code].trend.split()) == 30
    assert rows[co.code].status == live.NORMAL and rows[co.code].stat.avg == 6.0  # type: ignore[union-attr]
    assert rows[wind.code].status == live.NO_DATA and rows[wind.code].trend == ""
    groups = dict(live.group_rows(list(rows.values())))
    assert set(groups) == {"甲烷", "一氧化碳", "风速"}
    only_co = live.live_points(mine, now, SETTINGS, live.LiveFilter(sensor_type="0004"))
    assert [r.point for r in only_co] == [co]
    stale = live.live_points(mine, now, SETTINGS, live.LiveFilter(status=live.NO_DATA))
    assert [r.point for r in stale] == [wind]
    found = live.live_points(mine, now, SETTINGS, live.LiveFilter(q="风速"))
    assert [r.point for r in found] == [wind]


def test_live_points_query_count_does_not_grow_with_points(
    world: World, django_assert_max_num_queries: Any
) -> None:
    """One query for the newest statistics of every point, however many points (300 here)."""
    mine = world.mine_a
    now = timezone.now()
    points = SensorPoint.objects.bulk_create(
        SensorPoint(mine=mine, code=point_code(mine, n), sensor_type="0001", unit="%CH4")
        for n in range(2, 302)
    )
    for point in points[:50]:
        _stats(point, StatPeriod.MINUTE, _minute(now) - dt.timedelta(minutes=20), [0.3] * 20)
    with django_assert_max_num_queries(4):
        rows = live.live_points(mine, now, SETTINGS)
    assert len(rows) == 301
    assert sum(r.status == live.NORMAL for r in rows) == 50


def test_mine_live_page_scoped_filtered_and_partial(live_world: World) -> None:
    url = f"/monitoring/mines/{live_world.mine_a.pk}/live/"
    assert _client(live_world, "mine_b").get(url).status_code == 404
    client = _client(live_world, "mine_a")
    page = client.get(url).content.decode()
    assert "标记矿甲一 · 实时数据" in page and "最近一分钟" in page and "甲烷" in page
    partial = client.get(url, {"status": "nodata"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<!doctype html>" not in partial
    for junk in ({"status": "x"}, {"sensor_type": "\u2603"}, {"q": "a" * 500}):
        assert client.get(url, junk).status_code == 200


# --- history --------------------------------------------------------------------------------------


def test_history_day_reads_minutes_month_aggregates_hours(world: World) -> None:
    point = SensorPoint.objects.get(mine=world.mine_a)
    now = timezone.now()
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        hours=2
    )
    _stats(point, StatPeriod.MINUTE, _minute(now) - dt.timedelta(minutes=10), [0.2] * 10)
    five = [0.1 * i for i in range(12)] + [0.5] * 12  # two whole hours of 5-minute rows
    _stats(point, StatPeriod.FIVE_MINUTES, hour, five)
    day = history.point_history(point, history.parse_window("day", None, now, SETTINGS))
    assert day["source"] == "minute" and len(day["data"]) == 10
    assert {t["name"] for t in day["thresholds"]} == {"报警门限", "断电门限"}
    month = history.point_history(point, history.parse_window("month", None, now, SETTINGS))
    assert month["source"] == "hour" and len(month["data"]) == 2
    label, mx, avg, mn = month["data"][0]
    assert label == hour.strftime("%Y-%m-%d %H:00")
    assert mx == pytest.approx(1.2) and mn == pytest.approx(-0.1)
    assert avg == pytest.approx(sum(five[:12]) / 12)
    year = history.point_history(point, history.parse_window("year", None, now, SETTINGS))
    assert year["source"] == "day" and 1 <= len(year["data"]) <= 2
    week = history.point_history(point, history.parse_window("week", None, now, SETTINGS))
    assert week["source"] == "five_minutes" and len(week["data"]) == 24


def test_history_raw_reads_the_points_archived_readings(world: World, tmp_path: Any) -> None:
    """The last hours straight from the Parquet archive: only this point, duplicates once."""
    point = SensorPoint.objects.get(mine=world.mine_a)
    other = make_sensor_point(world.mine_a, 2)
    now = timezone.now()
    base = now.timestamp() - 600
    times = np.array([base, base + 10, base + 10, base + 20, base - 7 * 3600, base], np.float64)
    batch = ReadingColumns(
        ref=np.array([0, 0, 0, 1, 0, 0], np.int64),
        time=times,
        value=np.array([0.4, 0.5, 0.5, 9.9, 0.1, 0.3], np.float64),
        status=np.zeros(6, np.int64),
    )
    names = {0: (world.mine_a.code, point.code), 1: (world.mine_a.code, other.code)}
    archive.write_parts(tmp_path, batch, "p1", lambda ref: names[ref])
    window = history.parse_window("raw", None, now, SETTINGS)
    answer = history.point_history(point, window, tmp_path)
    assert answer["source"] == "raw"
    assert [row[1] for row in answer["data"]] == [0.4, 0.5]  # max of duplicates; 7 h ago is out
    assert answer["data"][0][0].count(":") == 2  # to the second


def test_history_json_and_api_answer_400_to_bad_parameters(world: World) -> None:
    point = SensorPoint.objects.get(mine=world.mine_a)
    client = _client(world, "mine_a")
    page = f"/monitoring/points/{point.pk}/history/data/"
    api = f"/api/sensor-points/{point.pk}/history/"
    for url in (page, api):
        assert client.get(url).status_code == 200
        assert client.get(url, {"range": "year", "start": "2026-01-01"}).status_code == 200
        for bad in ({"range": "decade"}, {"start": "soon"}, {"start": "2999-01-01"}):
            response = client.get(url, bad)
            assert response.status_code == 400, (url, bad)
            assert set(response.json()) & {"range", "start"}
    assert _client(world, "mine_b").get(page).status_code == 404
    assert _client(world, "mine_b").get(api).status_code == 404
    history_page = client.get(f"/monitoring/points/{point.pk}/history/", {"range": "?"})
    assert history_page.status_code == 200 and "history-chart" in history_page.content.decode()


# --- alarm statistics -----------------------------------------------------------------------------


def test_statistics_by_kind_mine_month_and_high_frequency_points(world: World) -> None:
    now = timezone.now()
    start = now - dt.timedelta(days=3)
    furnished = list(Alarm.objects.values_list("pk", flat=True))  # the world's own alarms
    for i in range(3):
        opened = start + dt.timedelta(hours=i)
        make_alarm(world.mine_a, opened, closed_at=opened + dt.timedelta(minutes=10))
    make_alarm(world.mine_a, now - dt.timedelta(minutes=30), closed_at=None, level=AlarmLevel.I)
    make_alarm(world.mine_a, start, kind=AlarmKind.NETWORK_DOWN, point_code="")
    alarms = Alarm.objects.restrict(world.users["mine_a"]).exclude(pk__in=furnished)
    stats = alarm_statistics(alarms, now, SETTINGS.top_points)
    assert stats["total"] == 5
    kinds = {r["kind"]: r["count"] for r in stats["by_kind"]}
    assert kinds == {"over_limit": 4, "network_down": 1}
    assert [(r["name"], r["count"], r["open"]) for r in stats["by_mine"]] == [("标记矿甲一", 5, 1)]
    assert sum(r["count"] for r in stats["by_month"]) == 5
    [top] = stats["top_points"]  # the whole-mine network outage is not a point
    assert top["point_code"] == point_code(world.mine_a) and top["count"] == 4
    assert top["point_id"] == SensorPoint.objects.get(mine=world.mine_a).pk
    assert 3 * 600 + 1790 <= top["total_seconds"] <= 3 * 600 + 1810  # open one counts to now


def test_statistics_page_api_and_export_stay_in_jurisdiction(live_world: World) -> None:
    client = _client(live_world, "mine_b")
    page = client.get("/monitoring/statistics/").content.decode()
    assert "标记矿乙二" in page and "标记矿甲一" not in page
    body = APIClient()
    body.force_authenticate(live_world.users["mine_b"])
    data = body.get("/api/alarm-statistics/").json()
    assert {r["name"] for r in data["by_mine"]} == {"标记矿乙二"}
    assert all(p["mine_name"] == "标记矿乙二" for p in data["top_points"])
    export = client.get("/monitoring/statistics/export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["按类型", "按煤矿", "按月份", "高频报警测点"]
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert "标记矿乙二" in cells and "标记矿甲一" not in cells


def test_statistics_filters_and_bad_input(live_world: World) -> None:
    client = _client(live_world, "regulator_x")
    levels = client.get("/monitoring/statistics/", {"level": "1"}).content.decode()
    assert "标记矿甲一" in levels
    api = APIClient()
    api.force_authenticate(live_world.users["regulator_x"])
    only_iv = api.get("/api/alarm-statistics/", {"level": "4"}).json()
    assert {r["name"] for r in only_iv["by_mine"]} == {"标记矿乙二"}
    assert api.get("/api/alarm-statistics/", {"date_from": "nope"}).status_code == 400
    assert api.get("/api/alarm-statistics/", {"level": "9"}).status_code == 400
    for junk in ({"date_from": "nope"}, {"kind": "\x01"}, {"mine": "-1"}):
        assert client.get("/monitoring/statistics/", junk).status_code == 200
        assert client.get("/monitoring/statistics/export/", junk).status_code == 200
