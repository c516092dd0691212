"""The live pages' demo: every level open on the board, fresh minutes, a year for one point,
once (issue 6 §4, demo)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.demo import feed
from minesafe.demo import monitoring as demo
from minesafe.demo import registry as registry_demo
from minesafe.monitoring import history, live
from minesafe.monitoring.choices import StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.mark.django_db
def test_live_demo_makes_the_board_and_pages_look_alive() -> None:
    registry_demo.load_demo(seed=7, mines=registry_demo.MIN_MINES)
    demo.load_demo(seed=7)
    settings = live.live_settings()
    now = timezone.now()
    regulator = User.objects.get(username="regulator")
    board = live.board(regulator, settings)
    assert all(n >= 1 for _, n, _ in board.level_counts), board.level_counts
    assert [s.name for s in board.maps] == ["shanxi"] and board.map_points
    mine1 = User.objects.get(username="mine1").mine
    rows = live.live_points(mine1, now, settings)
    assert len(rows) == feed.POINTS_PER_MINE
    assert {r.status for r in rows} == {live.NORMAL, live.ALARM}
    assert all(r.trend for r in rows)
    point = SensorPoint.objects.get(mine=mine1, code=demo._code(mine1, 1))
    year = history.point_history(point, history.parse_window("year", None, now, settings))
    assert len(year["data"]) >= 360
    week = ReadingStat.objects.filter(mine=mine1, period=StatPeriod.FIVE_MINUTES)
    assert week.exists()
    stats = ReadingStat.objects.count()
    alarms = Alarm.objects.count()
    demo.load_demo(seed=7)
    assert (ReadingStat.objects.count(), Alarm.objects.count()) == (stats, alarms)
