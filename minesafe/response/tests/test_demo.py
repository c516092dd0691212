"""The response demo: every state, escalations, suppression, grouping; idempotent (issue 6 §1)."""

from __future__ import annotations

import datetime as dt

import pytest

from minesafe.registry.demo import load_demo as load_county
from minesafe.response.choices import CaseState, GroupReason
from minesafe.response.demo import load_demo
from minesafe.response.models import AlarmCase


@pytest.mark.django_db
def test_mon4_demo_has_every_state_and_is_idempotent() -> None:
    today = dt.date(2026, 11, 22)
    load_county(today=today)
    summary = load_demo(today=today)
    assert summary.startswith("报警处置：")
    states = set(AlarmCase.objects.values_list("state", flat=True))
    assert states >= {s.value for s in CaseState}
    assert AlarmCase.objects.filter(escalations__gt=0).exists()
    outage = AlarmCase.objects.get(kind="network_down", parent=None)
    assert outage.children.filter(group_reason=GroupReason.OUTAGE).count() == 30
    assert AlarmCase.objects.filter(group_reason=GroupReason.FLAPPING).count() == 2
    count = AlarmCase.objects.count()
    assert "未重复加载" in load_demo(today=today)
    assert AlarmCase.objects.count() == count
