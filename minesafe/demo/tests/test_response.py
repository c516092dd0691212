"""The response demo: every state, escalations, suppression, grouping; idempotent (issue 6 §1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minesafe.demo.monitoring import layout_point_codes
from minesafe.demo.registry import load_demo as load_county
from minesafe.demo.response import load_demo
from minesafe.notifications.testing import notes
from minesafe.registry.models import Mine
from minesafe.response.choices import CaseState, GroupReason
from minesafe.response.models import AlarmCase
from minesafe.response.testing import make_alarm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.mark.django_db
def test_mon4_demo_has_every_state_and_is_idempotent() -> None:
    today = dt.date(2026, 11, 22)
    load_county(today=today)
    # History another demo (monitoring) left: taken in first, archived when older than a week.
    mine = Mine.objects.filter(county__code="960121").order_by("code").first()
    old = timezone.make_aware(dt.datetime(2026, 10, 1, 3, 0))
    history = [
        make_alarm(
            mine,
            old + dt.timedelta(days=n),
            point_code=f"H-{n}",
            closed_at=old + dt.timedelta(days=n, minutes=9),
        )
        for n in range(3)
    ]
    summary = load_demo(today=today)
    for alarm in history:
        case = AlarmCase.objects.get(alarm=alarm)
        assert case.state == CaseState.CLOSED and not notes(case).exists()
        assert case.transitions.filter(step="archive").exists()
    assert summary.startswith("报警处置：")
    states = set(AlarmCase.objects.values_list("state", flat=True))
    assert states >= {s.value for s in CaseState}
    assert AlarmCase.objects.filter(escalations__gt=0).exists()
    outage = AlarmCase.objects.get(kind="network_down", parent=None)
    points = layout_point_codes(outage.mine)  # each of the mine's real points broke
    grouped = outage.children.filter(group_reason=GroupReason.OUTAGE)
    assert sorted(grouped.values_list("point_code", flat=True)) == sorted(points)
    assert AlarmCase.objects.filter(group_reason=GroupReason.FLAPPING).count() == 2
    count = AlarmCase.objects.count()
    assert "未重复加载" in load_demo(today=today)
    assert AlarmCase.objects.count() == count
