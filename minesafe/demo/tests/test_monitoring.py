"""The monitoring demo: a year of plausible history, once (issue 3, demo)."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.demo import monitoring as demo
from minesafe.demo import registry as registry_demo
from minesafe.monitoring.choices import AlarmLevel
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.mark.django_db
def test_demo_year_of_alarms_is_loaded_once() -> None:
    today = dt.date(2026, 11, 22)
    registry_demo.load_demo(seed=7, mines=registry_demo.MIN_MINES, today=today)
    first = demo.load_demo(seed=7, today=today)
    alarms = Alarm.objects.filter(key__startswith=demo.KEY_PREFIX)
    count = alarms.count()
    assert count > 200 and "实时监测" in first
    span = alarms.order_by("opened_at").first(), alarms.order_by("-opened_at").first()
    assert (span[1].opened_at - span[0].opened_at).days > 300
    assert {a.level for a in alarms} <= set(AlarmLevel.values) and len({a.kind for a in alarms}) > 5
    assert SensorPoint.objects.exists() and ReadingStat.objects.exists()
    assert demo.load_demo(seed=7, today=today) == demo._summary()
    assert alarms.count() == count
