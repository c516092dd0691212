"""The board, the mine's live page and the alarm list tell the same current status (MON-1,
MON-2): an alarm whose condition ended by the data is current nowhere, a silent point reads
无数据 with its last value's time, and the clock closes the cleared alarm by its rule."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minesafe.demo import monitoring as demo_monitoring
from minesafe.engine.config import EngineConfig
from minesafe.monitoring import live, services, worker
from minesafe.monitoring.models import Alarm
from minesafe.monitoring.testing import furnish_status
from minesafe.simulator.catalogue import sensor_data
from minesafe.testing import World

SETTINGS = live.live_settings()


@pytest.fixture
def scene(world: World) -> dict[str, Any]:
    return furnish_status(world.mine_a, timezone.now())


def _client(world: World) -> Client:
    client = Client()
    client.force_login(world.users["regulator_x"])
    return client


def test_mine_status_splits_current_from_cleared(world: World, scene: dict[str, Any]) -> None:
    status = services.mine_status(world.users["regulator_x"], world.mine_a.pk)
    assert {a.pk for a in status.current} == {scene["active"].pk, scene["silent"].pk}
    assert [(a.pk, at) for a, at in status.cleared] == [
        (scene["cleared"].pk, scene["gas_cleared_at"])
    ]
    assert status.worst == 3


def test_board_live_page_and_alarm_list_agree(world: World, scene: dict[str, Any]) -> None:
    client = _client(world)
    mine = world.mine_a
    board = client.get("/monitoring/board/").content.decode()
    row = re.search(rf'data-mine="{mine.pk}" data-worst="(\d)" data-count="(\d+)"', board)
    assert row is not None and row.groups() == ("3", "2")

    page = client.get(f"/monitoring/mines/{mine.pk}/live/").content.decode()
    assert 'id="current-alarms" data-count="2" data-worst="3"' in page
    listed = set(re.findall(r'<tr data-alarm="(\d+)">', page))
    assert listed == {str(scene["active"].pk), str(scene["silent"].pk)}
    active, gas, wind = scene["points"]
    rows = {m[1]: m[0] for m in re.findall(r'<tr data-status="(\w+)">\s*<td><a [^>]*>(\w+)<', page)}
    assert rows[active.code] == "alarm"
    assert rows[gas.code] == "normal"  # reads 0.27 %: not 报警 II级
    assert rows[wind.code] == "nodata"  # a line break is open on it: still 无数据, no level
    last = timezone.localtime(scene["wind_last"]).strftime("%m-%d %H:%M")
    assert f"最后数据 {last}" in page

    listing = client.get(f"/monitoring/?mine={mine.pk}").content.decode()
    states = dict(re.findall(r'data-alarm="(\d+)" data-state="(\w+)"', listing))
    assert states[str(scene["cleared"].pk)] == "cleared"
    assert states[str(scene["active"].pk)] == states[str(scene["silent"].pk)] == "open"
    open_only = client.get(f"/monitoring/?mine={mine.pk}&state=open").content.decode()
    assert set(re.findall(r'data-alarm="(\d+)"', open_only)) == listed
    numbers = re.findall(r'data-open-level="(\d)">(\d+)<', listing)
    # I, II, III, IV: the same two alarms as the board and the live page
    assert numbers == [("1", "0"), ("2", "0"), ("3", "1"), ("4", "1")]


def test_live_points_group_by_meaning_in_chinese(world: World, scene: dict[str, Any]) -> None:
    rows = live.live_points(world.mine_a, timezone.now(), SETTINGS)
    groups = {label: [r.point.code for r in rs] for label, rs in live.group_rows(rows)}
    active, gas, wind = scene["points"]
    assert groups["甲烷"] == [active.code, gas.code] and groups["风速"] == [wind.code]


def test_clock_closes_the_cleared_alarm_at_the_time_its_condition_ended(
    world: World, scene: dict[str, Any]
) -> None:
    report = worker.tick(timezone.now())
    assert report.closed == 1
    cleared = Alarm.objects.get(pk=scene["cleared"].pk)
    assert cleared.closed_at == scene["gas_cleared_at"]
    assert cleared.details["closed_by"] == services.CLOSED_BY_RULE
    still = Alarm.objects.filter(pk__in=[scene["active"].pk, scene["silent"].pk])
    assert all(a.closed_at is None for a in still)
    assert worker.tick(timezone.now()).closed == 0  # nothing twice


def test_clock_waits_for_the_grace_period(world: World, scene: dict[str, Any]) -> None:
    early = scene["gas_cleared_at"] + dt.timedelta(minutes=SETTINGS.close_grace_minutes - 1)
    assert worker.tick(early).closed == 0


def test_alarm_details_are_labelled_chinese_fields(world: World, scene: dict[str, Any]) -> None:
    page = _client(world).get(f"/monitoring/alarms/{scene['cleared'].pk}/").content.decode()
    assert "上限报警门限" in page and "上限断电门限" in page and "安装位置" in page
    assert "传感器类型</th><td>甲烷" in page
    assert "条件已解除" in page
    for raw in ("alarm_hi", "poweroff_hi", "sensor_type", "{'", "{&#x27;"):
        assert raw not in page


def test_every_sensor_type_code_of_the_demo_and_formats_has_a_chinese_group() -> None:
    """The simulator's codes (the demo's points), the demo's value profiles and the engine's
    family A/B codes all have a Chinese heading."""
    names = SETTINGS.sensor_types
    simulator = {k["type_code"] for k in sensor_data()["kinds"].values()}
    defs = {d.sensor_type for d in demo_monitoring._DEFS}
    engine = set(EngineConfig.load().sensor_types)
    codes = simulator | defs | set(demo_monitoring.PROFILES) | engine
    assert {"0001", "0006", "0008", "0010", "1003", "M0104"} <= codes
    assert sorted(c for c in codes if c not in names) == []
    assert all(re.search(r"[\u4e00-\u9fff]", names[c]) for c in codes)
    # meaning, not position: the simulator names each code the same way
    for kind in sensor_data()["kinds"].values():
        assert names[kind["type_code"]] == kind["name"]


def test_a_planted_demo_alarm_holds_while_its_data_says_so(world: World) -> None:
    """Other demo areas plant alarms on points the mine has (``demo_point_code``) and write the
    data that shows them (``hold_condition``): current until newer data shows the end."""
    from minesafe.monitoring.testing import add_minutes, make_alarm, make_sensor_point

    now = timezone.now().replace(second=0, microsecond=0)
    point = make_sensor_point(world.mine_b, 7)
    alarm = make_alarm(world.mine_b, now - dt.timedelta(minutes=12), point_code=point.code,
                       closed_at=None, peak=3.2)  # fmt: skip
    add_minutes(point, now - dt.timedelta(minutes=30), [(0.3, 0.25)] * 30)  # the ordinary level
    demo_monitoring.hold_condition(alarm, now)
    user = world.users["regulator_x"]
    assert [a.pk for a in services.mine_status(user, world.mine_b.pk).current] == [alarm.pk]
    add_minutes(point, now, [(0.31, 0.28)])
    assert services.mine_status(user, world.mine_b.pk).cleared == [(alarm, now)]
