"""The closed loop on the database: transitions, suggestions, repeat rules, the clock (HAZ-2,
HAZ-4, HAZ-5, HAZ-6, REG-4)."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from minesafe.hazards import services
from minesafe.hazards.choices import (
    Decision,
    HazardGrade,
    HazardSource,
    HazardStatus,
    NotificationKind,
    ProposalKind,
)
from minesafe.hazards.models import Hazard, HazardProposal
from minesafe.hazards.scheduler import tick
from minesafe.hazards.testing import FIXES, make_hazard
from minesafe.notifications.choices import Channel
from minesafe.notifications.testing import notes
from minesafe.registry.models import Mine
from minesafe.testing import World

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=SH)


def test_haz2_general_hazard_whole_loop_by_the_mine(world: World, mine: Mine) -> None:
    mine_user = world.users["mine_a"]
    hazard = make_hazard(mine, fixes=FIXES)
    hazard = services.transition(hazard, "start", mine_user)
    hazard = services.transition(hazard, "rectify", mine_user, evidence="已更换托辊3个")
    with pytest.raises(services.TransitionError):
        services.transition(hazard, "send_back", mine_user)
    hazard = services.transition(hazard, "send_back", mine_user, reason="托辊仍有异响")
    assert hazard.status == HazardStatus.RECTIFYING
    hazard = services.transition(hazard, "rectify", mine_user, evidence="全部更换")
    hazard = services.transition(hazard, "verify", mine_user)
    hazard = services.transition(hazard, "close", mine_user)
    assert hazard.status == HazardStatus.CLOSED and hazard.closed_at is not None
    names = list(hazard.transitions.values_list("name", "old_status", "new_status"))
    assert names[0][0] == "record" and names[1][0] == "complete_fixes"
    assert ("send_back", "rectified", "rectifying") in names
    assert all(t.actor for t in hazard.transitions.all())


def test_haz2_no_rectifying_without_the_five_fixes(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine)
    with pytest.raises(services.TransitionError) as exc:
        services.transition(hazard, "start", world.users["mine_a"])
    assert "五落实未完成" in str(exc.value)


def test_haz2_major_hazard_verified_only_by_regulator(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine, situation="8(2)", fixes=FIXES)
    mine_user, regulator = world.users["mine_a"], world.users["regulator_x"]
    services.transition(hazard, "start", mine_user)
    services.transition(hazard, "rectify", mine_user, evidence="备用风机已安装")
    with pytest.raises(services.TransitionError) as exc:
        services.transition(hazard, "verify", mine_user)
    assert "监管部门" in str(exc.value)
    services.transition(hazard, "verify", regulator)
    hazard = services.transition(hazard, "close", regulator)
    assert hazard.status == HazardStatus.CLOSED


def test_haz2_confirming_a_suggestion_makes_it_major(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine, description="掘进工作面风电闭锁装置失效，停风后仍能送电")
    suggestion = hazard.suggestions.get(item__code="8(8)")
    services.decide_suggestion(suggestion, world.users["regulator_x"], True, "现场核实")
    hazard.refresh_from_db()
    assert hazard.grade == HazardGrade.MAJOR and hazard.situation.code == "8(8)"
    assert notes(hazard).filter(kind=NotificationKind.MAJOR_REPORT).exists()
    other = hazard.suggestions.exclude(pk=suggestion.pk).first()
    if other is not None:
        with pytest.raises(services.TransitionError):
            services.decide_suggestion(other, world.users["regulator_x"], False)
        services.decide_suggestion(other, world.users["regulator_x"], False, "不符合")
        other.refresh_from_db()
        assert other.decision == Decision.REJECTED


def test_haz2_fact_suggestion_from_over_staffing_alarm(world: World, mine: Mine) -> None:
    from minesafe.monitoring.models import Alarm

    Alarm.objects.create(
        mine=mine,
        kind="over_staffing",
        level=2,
        opened_at=at(2026, 11, 19),
        details={"count": 31, "limit": 25},
        key="test-overstaff-1",
    )
    hazard = make_hazard(mine, description="综采工作面人员较多", found_at=at(2026, 11, 20))
    fact = hazard.suggestions.get(method="fact")
    assert fact.item.code == "4(6)" and "1.24倍" in fact.explanation


def test_haz4_haz5_repeat_and_closure_proposals(world: World, mine: Mine) -> None:
    first = make_hazard(
        mine, situation="4(6)", source=HazardSource.INSPECTORATE, found_at=at(2026, 1, 31)
    )
    assert not first.repeat
    second = make_hazard(
        mine, situation="4(6)", source=HazardSource.INSPECTORATE, found_at=at(2026, 3, 15)
    )
    second.refresh_from_db()
    assert second.repeat and second.penalty == ProposalKind.HEAVIER_PENALTY
    kinds = set(HazardProposal.objects.filter(mine=mine).values_list("kind", flat=True))
    assert kinds == {ProposalKind.HEAVIER_PENALTY, ProposalKind.CLOSURE}
    closure = HazardProposal.objects.get(kind=ProposalKind.CLOSURE)
    assert [e["id"] for e in closure.evidence] == [first.pk, second.pk]
    assert "人民政府" in closure.addressee


def test_haz6_fake_rectification_flag(world: World, mine: Mine) -> None:
    user = world.users["mine_a"]
    hazard = make_hazard(mine, fixes=FIXES, found_at=at(2026, 11, 1))
    for name, extra in [("start", {}), ("rectify", {"evidence": "已处理"}), ("verify", {})]:
        services.transition(hazard, name, user, now=at(2026, 11, 2), **extra)
    services.transition(hazard, "close", user, now=at(2026, 11, 3))
    again = make_hazard(mine, found_at=at(2026, 11, 20))
    again.refresh_from_db()
    assert again.fake_rectification
    assert HazardProposal.objects.filter(hazard=again, kind="fake_rectification").exists()


def test_reg4_major_counter_follows_the_12_month_window(world: World, mine: Mine) -> None:
    make_hazard(mine, situation="14(1)", found_at=at(2025, 12, 1), now=at(2025, 12, 1))
    mine.refresh_from_db()
    assert mine.major_hazards_12m == 1
    tick(at(2026, 12, 2))
    mine.refresh_from_db()
    assert mine.major_hazards_12m == 0


def test_haz2_clock_reminds_marks_overdue_and_escalates_across_month_end(
    world: World, mine: Mine
) -> None:
    fixes = {**FIXES, "deadline": dt.date(2028, 2, 29)}
    major = make_hazard(mine, situation="9(8)", fixes=fixes, found_at=at(2028, 1, 31))
    general = make_hazard(mine, fixes=fixes, found_at=at(2028, 1, 31))
    assert tick(at(2028, 2, 25)).reminders == 0
    assert tick(at(2028, 2, 26)).reminders == 2  # 3 days before a leap-day deadline
    assert tick(at(2028, 2, 26, 15)).reminders == 0  # once only
    assert tick(at(2028, 2, 28)).reminders == 2  # 1 day before
    report = tick(at(2028, 2, 29, 23))
    assert report.overdue == 0  # the deadline day itself is not overdue
    report = tick(at(2028, 3, 1, 0))
    assert report.overdue == 2 and report.escalated == 1
    major.refresh_from_db()
    general.refresh_from_db()
    assert major.overdue_since and general.overdue_since
    assert major.listed and major.escalation_level == 1
    assert major.listed_deadline == dt.date(2028, 3, 16)
    escalation = notes(major).get(kind=NotificationKind.ESCALATION, channel=Channel.IN_APP)
    assert escalation.organization == world.city_org  # one level up from the county
    assert tick(at(2028, 3, 2)).as_dict() == {
        "reminders": 0,
        "overdue": 0,
        "escalated": 0,
        "counters": 0,
    }
    assert tick(at(2028, 3, 17)).escalated == 1  # supervision deadline passed: one more level
    assert not Hazard.objects.get(pk=general.pk).listed


def test_haz2_hazard_tick_command_runs_one_step(world: World, mine: Mine) -> None:
    out = io.StringIO()
    call_command("hazard_tick", "--now", "2026-11-22T08:00:00+08:00", stdout=out)
    assert json.loads(out.getvalue())["overdue"] == 0
