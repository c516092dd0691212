"""Alarm pages and the read-only API: filters, colours, chart data, scoping (issue 3 §5)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from minesafe.monitoring.choices import AlarmKind, AlarmLevel, StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat
from minesafe.monitoring.testing import make_alarm, point_code
from minesafe.testing import World

NOON = timezone.make_aware(dt.datetime(2026, 11, 22, 12, 0))


def login(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_mon2_alarm_list_shows_level_colours_and_only_mines_in_scope(world: World) -> None:
    make_alarm(world.mine_a, NOON - dt.timedelta(hours=2), level=AlarmLevel.I, closed_at=None)
    response = login(world, "mine_a").get("/monitoring/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'badge red">I级（红）' in text and 'badge orange">II级（橙）' in text
    assert world.mine_a.name in text and world.mine_b.name not in text
    assert "未结束" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "1"}, 1),
        ({"state": "open"}, 1),
        ({"state": "closed"}, 2),
        ({"kind": "line_break"}, 1),
        ({"date_from": "2026-11-22", "date_to": "2026-11-22"}, 2),
        ({"date_from": "2026-11-23"}, 0),
    ],
)
def test_mon2_alarm_list_filters(world: World, query: dict[str, str], expected: int) -> None:
    make_alarm(world.mine_a, NOON - dt.timedelta(days=1), level=AlarmLevel.I, closed_at=None)
    make_alarm(world.mine_a, NOON + dt.timedelta(hours=1), kind=AlarmKind.LINE_BREAK)
    response = login(world, "regulator_x").get("/monitoring/", {"mine": world.mine_a.pk, **query})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == expected


def test_mon2_alarm_list_htmx_returns_only_the_table(world: World) -> None:
    response = login(world, "regulator_x").get("/monitoring/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="alarms"' in response.content and b"<html" not in response.content


def test_mon2_alarm_detail_charts_the_points_minute_stats(world: World) -> None:
    alarm = Alarm.objects.get(mine=world.mine_a)
    for minute in range(-3, 6):
        ReadingStat.objects.create(
            mine=world.mine_a,
            point_code=point_code(world.mine_a),
            period=StatPeriod.MINUTE,
            bucket=alarm.opened_at + dt.timedelta(minutes=minute),
            max=1.0 + minute / 10,
            min=0.5,
            avg=0.8,
            count=6,
        )
    response = login(world, "mine_a").get(alarm.get_absolute_url())
    assert response.status_code == 200
    chart = response.context["chart"]
    assert len(chart["times"]) == 9 and chart["threshold"] == 1.0
    assert chart["max"][0] == pytest.approx(0.7)
    assert b"episode-chart" in response.content and b"echarts.min.js" in response.content
    assert "采煤工作面回风隅角甲烷T0" in response.content.decode()


def test_mon2_alarm_detail_of_another_mine_is_404(world: World) -> None:
    alarm = Alarm.objects.get(mine=world.mine_b)
    assert login(world, "mine_a").get(alarm.get_absolute_url()).status_code == 404
    assert login(world, "regulator_y").get(alarm.get_absolute_url()).status_code == 404
    assert login(world, "regulator_x").get(alarm.get_absolute_url()).status_code == 200


def test_mon2_api_alarms_filtered_and_scoped(world: World) -> None:
    make_alarm(world.mine_a, NOON + dt.timedelta(hours=1), level=AlarmLevel.I, closed_at=None)
    client = login(world, "enterprise")
    data = client.get("/api/alarms/", {"level": "1"}).json()
    assert data["count"] == 1
    (row,) = data["results"]
    assert row["color"] == "red" and row["mine_code"] == world.mine_a.code
    assert row["closed_at"] is None
    everything = client.get("/api/alarms/").json()
    codes = {r["mine_code"] for r in everything["results"]}
    assert world.mine_c.code not in codes
    assert client.get("/api/alarms/", {"state": "nonsense"}).status_code == 400


def test_mon2_api_is_read_only_for_every_role(world: World) -> None:
    alarm = Alarm.objects.get(mine=world.mine_a)
    for persona in ("regulator_x", "mine_a", "admin"):
        client = login(world, persona)
        body = json.dumps({"level": 4})
        url = f"/api/alarms/{alarm.pk}/"
        answers = {
            client.patch(url, body, content_type="application/json").status_code,
            client.post("/api/alarms/", body, content_type="application/json").status_code,
            client.delete(url).status_code,
        }
        assert answers <= {403, 405}, persona
    alarm.refresh_from_db()
    assert alarm.level == AlarmLevel.II


def test_mon1_api_sensor_points_scoped(world: World) -> None:
    data = login(world, "mine_b").get("/api/sensor-points/").json()
    assert [r["mine_code"] for r in data["results"]] == [world.mine_b.code]
    assert data["results"][0]["alarm_high"] == 1.0
