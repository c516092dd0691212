"""The demo county's 三违 year (VIO-1, issue 4 §9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minesafe.demo.registry import COUNTY_CODE
from minesafe.demo.registry import load_demo as load_county
from minesafe.demo.violations import load_demo
from minesafe.registry.models import Mine
from minesafe.violations import rules
from minesafe.violations.choices import LeaderPost, Severity, ViolationKind
from minesafe.violations.models import LeaderCheck, Violation

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


@pytest.mark.django_db
def test_vio1_demo_leader_checks_cover_most_mines_with_a_few_missed_months() -> None:
    load_county(today=TODAY)
    load_demo(today=TODAY)
    params = rules.leader_check_params(TODAY)
    mines = list(
        Mine.objects.filter(county__code=COUNTY_CODE, status__in=params.mine_statuses)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    checks = [
        rules.Check(m, p, at, pk)
        for pk, m, p, at in LeaderCheck.objects.values_list("pk", "mine_id", "post", "went_down_at")
    ]
    assert checks and all(c.went_down_at < timezone.now() for c in checks)
    for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        missed = rules.missed_checks(mines, checks, month, params)
        assert len(missed) <= 2 < len(mines), month
    october = dict(rules.missed_checks(mines, checks, "2026-10", params))
    assert october == {
        mines[1]: [LeaderPost.ENTERPRISE_LEADER],
        mines[4]: [LeaderPost.MINE_MANAGER],
    }
    count = LeaderCheck.objects.count()
    assert "未重复载入" in load_demo(today=TODAY)
    assert LeaderCheck.objects.count() == count
