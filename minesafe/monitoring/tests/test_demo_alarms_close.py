"""The demo's open alarms end by the same rules as live ones (MON-2): loaded, each is current
because its point's data shows its condition; once the live feed's data shows the condition
ended, the monitoring clock closes it, and the board goes green."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.demo import monitoring as demo
from minesafe.demo import registry as registry_demo
from minesafe.monitoring import live, rules, services, worker
from minesafe.monitoring.models import Alarm, SensorPoint
from minesafe.monitoring.testing import add_minutes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


def test_demo_alarms_are_current_while_their_data_says_so_and_close_by_rule() -> None:
    registry_demo.load_demo(seed=7, mines=registry_demo.MIN_MINES)
    demo.load_demo(seed=7)
    regulator = User.objects.get(username="regulator")
    open_rows = list(Alarm.objects.filter(closed_at__isnull=True))
    assert open_rows and all(a.key.startswith(demo.LIVE_KEY_PREFIX) for a in open_rows)
    assert all(a.kind in rules.DECIDED_KINDS for a in open_rows)
    judged = services.judge_open(regulator)
    assert judged.cleared == [] and len(judged.current) == len(open_rows)

    # the live feed's first minutes: every point of the alarms back at its ordinary level
    now = timezone.now().replace(second=0, microsecond=0)
    for alarm in open_rows:
        point = SensorPoint.objects.get(mine_id=alarm.mine_id, code=alarm.point_code)
        base = demo.PROFILES[point.sensor_type][0]
        add_minutes(point, now, [(base * 1.05, base * 0.95)] * 3)
    assert services.judge_open(regulator).current == []
    assert live.board(regulator, live.live_settings()).rows == []
    report = worker.tick(now + dt.timedelta(minutes=5))
    assert report.closed == len(open_rows)
    assert not Alarm.objects.filter(closed_at__isnull=True).exists()
    assert set(Alarm.objects.filter(pk__in=[a.pk for a in open_rows]).values_list(
        "closed_at", flat=True)) == {now}  # fmt: skip
