"""The demo county's 三违 year (VIO-1, issue 4 §9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minesafe.demo.registry import load_demo as load_county
from minesafe.demo.violations import load_demo
from minesafe.violations import rules
from minesafe.violations.choices import Severity, ViolationKind
from minesafe.violations.models import Violation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world

TODAY = dt.date(2026, 11, 22)


@pytest.mark.django_db
def test_vio1_demo_year_has_every_kind_and_repeat_offenders() -> None:
    load_county(today=TODAY)
    assert "条记录" in load_demo(today=TODAY)
    kinds = set(Violation.objects.values_list("kind", flat=True))
    assert kinds == set(ViolationKind.values)
    assert Violation.objects.filter(severity=Severity.SERIOUS).exists()
    acts = [
        rules.Act(m, p, t, k, s, timezone.localtime(at).date(), pk)
        for pk, m, p, t, k, s, at in Violation.objects.values_list(
            "pk", "mine_id", "person_name", "team", "kind", "severity", "found_at"
        )
    ]
    assert rules.repeat_offenders(acts, TODAY, rules.repeat_params(TODAY))
    count = Violation.objects.count()
    assert "未重复载入" in load_demo(today=TODAY)
    assert Violation.objects.count() == count
