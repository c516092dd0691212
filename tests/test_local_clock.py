"""Calendar dates are Beijing-time dates at any hour (the clock at 23:30 UTC is 07:30 the next
day in Beijing; 16:00 UTC is local midnight). Between 00:00 and 08:00 Beijing time the UTC date is
still yesterday: a plan for today must start, a draw dated yesterday must be refused, rule
editions and deadlines are judged on the local date."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.enforcement import planning, services
from minesafe.enforcement.choices import InspectionKind, Step
from minesafe.enforcement.models import Inspection
from minesafe.hazards import services as hazard_services
from minesafe.hazards.testing import make_hazard
from minesafe.localtime import LOCAL, local_date
from minesafe.positioning import rules as positioning_rules
from minesafe.testing import World

#: The two hours the UTC date and the Beijing date disagree at their edges.
CLOCKS = ["2026-12-07T23:30:00+00:00", "2026-12-07T16:00:00+00:00"]
BEIJING_DAY = dt.date(2026, 12, 8)


@pytest.fixture(params=CLOCKS)
def clock(request: pytest.FixtureRequest):
    with time_machine.travel(dt.datetime.fromisoformat(request.param), tick=False):
        yield timezone.now()


def test_local_date_is_the_beijing_date(clock: dt.datetime) -> None:
    assert clock.date() == dt.date(2026, 12, 7)  # what the old code took for today
    assert local_date() == local_date(clock) == timezone.localdate() == BEIJING_DAY
    assert local_date(dt.datetime(2026, 12, 8, 0, 0)) == BEIJING_DAY  # naive is already local


def test_enf2_a_plan_for_today_starts_and_a_draw_for_yesterday_is_refused(
    world: World, clock: dt.datetime
) -> None:
    officer = world.users["regulator_x"]
    with pytest.raises(ValidationError, match="检查日期不能早于今天"):
        planning.make_draw(
            organization=world.regulator_x_org,
            kind="night",
            check_on=BEIJING_DAY - dt.timedelta(days=1),
            count=1,
            user=officer,
            now=clock,
            mines=[world.mine_a],
        )
    draw = planning.make_draw(
        organization=world.regulator_x_org,
        kind="night",
        check_on=BEIJING_DAY,
        count=1,
        user=officer,
        now=clock,
        mines=[world.mine_a],
    )
    inspection = Inspection.objects.get(draw=draw)
    assert inspection.kind == InspectionKind.NIGHT and inspection.planned_on == BEIJING_DAY
    services.take_step(inspection, Step.PREPARE, officer, clock)
    services.take_step(inspection, Step.ONSITE, officer, clock)
    assert Inspection.objects.get(pk=inspection.pk).step == Step.ONSITE


def test_enf2_the_draw_page_refuses_yesterday_and_takes_today(
    world: World, clock: dt.datetime
) -> None:
    client = Client()
    client.force_login(world.users["regulator_x"])
    url = reverse("enforcement:draw_list")
    for day, status in ((BEIJING_DAY - dt.timedelta(days=1), 400), (BEIJING_DAY, 302)):
        body = {"kind": "unannounced", "check_on": day.isoformat(), "count": 1}
        assert client.post(url, body).status_code == status, day


def test_haz2_a_supervision_deadline_of_today_is_accepted(world: World, clock: dt.datetime) -> None:
    hazard = make_hazard(world.mine_a, situation="4(6)", found_at=clock)
    regulator = world.users["regulator_x"]
    with pytest.raises(ValidationError) as refused:
        hazard_services.list_for_supervision(
            hazard, regulator, BEIJING_DAY - dt.timedelta(days=1), now=clock
        )
    assert "listed_deadline" in refused.value.message_dict
    listed = hazard_services.list_for_supervision(hazard, regulator, BEIJING_DAY, now=clock)
    assert listed.listed_deadline == BEIJING_DAY


def test_per7_shifts_start_at_beijing_clock_times_whatever_zone_now_is(clock: dt.datetime) -> None:
    starts = [dt.time(0), dt.time(8), dt.time(16)]
    shift = positioning_rules.shift_at(clock, starts)
    local = clock.astimezone(LOCAL)
    assert shift.start <= local < shift.end
    assert shift.start.astimezone(LOCAL).time() in starts
