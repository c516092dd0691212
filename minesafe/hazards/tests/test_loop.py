"""The closed loop on the database: transitions, suggestions, repeat rules, the clock (HAZ-2,
HAZ-4, HAZ-5, HAZ-6, REG-4)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from minesafe.core.workflow import Refusal
from minesafe.hazards import services
from minesafe.hazards.choices import (
    Decision,
    HazardGrade,
    HazardSource,
    HazardStatus,
    NotificationKind,
    ProposalKind,
)
from minesafe.hazards.models import Hazard, HazardProposal, HazardSuggestion, MajorHazardItem
from minesafe.hazards.testing import FIXES, make_hazard
from minesafe.hazards.worker import tick
from minesafe.notifications.choices import Channel
from minesafe.notifications.testing import notes
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.testing import World

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=SH)


def test_haz2_general_hazard_whole_loop_by_the_mine(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    officer, manager = staff["officer"], staff["manager"]
    hazard = make_hazard(mine, fixes=FIXES)
    hazard = services.transition(hazard, "start", officer)
    hazard = services.transition(hazard, "rectify", officer, evidence="已更换托辊3个")
    with pytest.raises(Refusal) as missing:
        services.transition(hazard, "send_back", manager)
    assert missing.value.field == "reason"
    hazard = services.transition(hazard, "send_back", manager, reason="托辊仍有异响")
    assert hazard.status == HazardStatus.RECTIFYING
    hazard = services.transition(hazard, "rectify", officer, evidence="全部更换")
    hazard = services.transition(hazard, "verify", manager)
    hazard = services.transition(hazard, "close", manager)
    assert hazard.status == HazardStatus.CLOSED and hazard.closed_at is not None
    assert hazard.evidence == "全部更换" and hazard.verified_by == str(manager)
    rows = list(hazard.transitions.values_list("step", "from_state", "to_state"))
    assert rows[0] == ("record", "", HazardStatus.FIXES_COMPLETE)
    assert ("send_back", "rectified", "rectifying") in rows
    assert all(t.username for t in hazard.transitions.all())
    rectified = hazard.transitions.filter(step="rectify").last()
    assert rectified.user == officer and rectified.evidence == {"text": "全部更换"}


def test_haz2_rectifier_may_not_verify_their_own_work(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    officer = staff["officer"]
    hazard = make_hazard(mine, fixes=FIXES)
    services.transition(hazard, "start", officer)
    services.transition(hazard, "rectify", officer, evidence="已更换托辊")
    with pytest.raises(Refusal) as own:
        services.transition(hazard, "verify", officer)
    assert own.value.forbidden and "整改完成的人不能再验收通过" in own.value.message
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED and not hazard.verified_by


def test_haz2_five_fixes_completed_later_take_the_step(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    hazard = make_hazard(mine)
    for name, value in FIXES.items():
        setattr(hazard, name, value)
    services.save_fixes(hazard, staff["officer"])
    assert hazard.status == HazardStatus.FIXES_COMPLETE
    row = hazard.transitions.get(step="complete_fixes")
    assert (row.from_state, row.user) == (HazardStatus.REPORTED, staff["officer"])


def test_haz2_no_rectifying_without_the_five_fixes(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    hazard = make_hazard(mine, fixes=FIXES)
    Hazard.objects.filter(pk=hazard.pk).update(funds=None)  # a fix withdrawn after completion
    with pytest.raises(Refusal) as exc:
        services.transition(hazard, "start", staff["officer"])
    assert "五落实未完成" in exc.value.message and "整改资金" in exc.value.message
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FIXES_COMPLETE


def test_haz2_major_hazard_verified_only_by_regulator(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    hazard = make_hazard(mine, situation="8(2)", fixes=FIXES)
    officer, manager = staff["officer"], staff["manager"]
    regulator = world.users["regulator_x"]
    services.transition(hazard, "start", officer)
    services.transition(hazard, "rectify", officer, evidence="备用风机已安装")
    with pytest.raises(Refusal) as exc:
        services.transition(hazard, "verify", manager)
    assert exc.value.forbidden and "验收通过" in exc.value.message
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
        with pytest.raises(ValidationError):
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


@pytest.mark.parametrize(
    ("status", "closure"),
    [(MineStatus.TRIAL, True), (MineStatus.PRODUCING, True), (MineStatus.SUSPENDED, False)],
)
def test_haz5_closure_counts_trial_production_as_producing(
    world: World, mine: Mine, status: str, closure: bool
) -> None:
    """A mine in joint trial operation (联合试运转) extracts coal: two major hazards within 3
    calendar months there bring a closure proposal, as on an inspection record."""
    mine.status = status
    mine.save()
    for day, code in ((at(2026, 2, 28), "4(6)"), (at(2026, 5, 31), "8(1)")):
        make_hazard(mine, situation=code, source=HazardSource.INSPECTORATE, found_at=day)
    proposed = HazardProposal.objects.filter(mine=mine, kind=ProposalKind.CLOSURE).exists()
    assert proposed is closure


def test_haz6_fake_rectification_flag(world: World, mine: Mine, staff: dict[str, Any]) -> None:
    officer, manager = staff["officer"], staff["manager"]
    hazard = make_hazard(mine, fixes=FIXES, found_at=at(2026, 11, 1))
    for name, user, extra in [
        ("start", officer, {}),
        ("rectify", officer, {"evidence": "已处理"}),
        ("verify", manager, {}),
    ]:
        services.transition(hazard, name, user, now=at(2026, 11, 2), **extra)
    services.transition(hazard, "close", manager, now=at(2026, 11, 3))
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


def test_haz2_rectifier_may_not_close_what_another_verified(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    officer, manager = staff["officer"], staff["manager"]
    hazard = make_hazard(mine, fixes=FIXES)
    services.transition(hazard, "start", manager)
    services.transition(hazard, "rectify", officer, evidence="已更换托辊")
    services.transition(hazard, "verify", manager)
    with pytest.raises(Refusal) as own:
        services.transition(hazard, "close", officer)
    assert own.value.forbidden and "整改完成的人不能再销号" in own.value.message
    hazard = services.transition(hazard, "close", manager)
    assert hazard.status == HazardStatus.CLOSED


def test_haz2_open_major_suggestion_holds_verification_and_close(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    """A mine officer may not settle a hazard while a suggested major situation waits: it is
    confirmed (then a regulator verifies it as a major hazard) or rejected with a reason."""
    officer, manager = staff["officer"], staff["manager"]
    hazard = make_hazard(
        mine, description="掘进工作面风电闭锁装置失效，停风后仍能送电", fixes=FIXES
    )
    pending = hazard.suggestions.filter(decision=Decision.PENDING)
    assert pending.exists()
    services.transition(hazard, "start", officer)
    services.transition(hazard, "rectify", officer, evidence="已修复风电闭锁")
    with pytest.raises(Refusal) as held:
        services.transition(hazard, "verify", manager)
    assert "待确认的重大事故隐患判定建议" in held.value.message and "验收" in held.value.message
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED
    with pytest.raises(ValidationError):  # rejecting needs a reason
        services.decide_suggestion(pending.first(), manager, False, "")
    for suggestion in pending:
        services.decide_suggestion(suggestion, manager, False, "闭锁只是显示故障，未实际失效")
    hazard = services.transition(hazard, "verify", manager)
    hazard = services.transition(hazard, "close", manager)
    assert hazard.status == HazardStatus.CLOSED
    rejected = hazard.transitions.filter(step="reject_suggestion")
    assert rejected.exists() and "未实际失效" in rejected.first().reason


def test_haz2_undecided_suggestion_also_holds_close(
    world: World, mine: Mine, staff: dict[str, Any]
) -> None:
    officer, manager = staff["officer"], staff["manager"]
    hazard = make_hazard(mine, fixes=FIXES)
    services.transition(hazard, "start", officer)
    services.transition(hazard, "rectify", officer, evidence="已整改")
    services.transition(hazard, "verify", manager)
    item = MajorHazardItem.objects.get(code="8(8)", edition=hazard_edition(hazard))
    HazardSuggestion.objects.create(hazard=hazard, item=item, method="text", score=0.99)
    with pytest.raises(Refusal) as held:
        services.transition(hazard, "close", manager)
    assert "0.99" in held.value.message and "销号" in held.value.message
    page_client = Client()
    page_client.force_login(manager)
    page = page_client.get(hazard.get_absolute_url()).content.decode()
    assert 'id="step-close"' not in page and 'id="held-back"' in page
    services.decide_suggestion(hazard.suggestions.get(), world.users["regulator_x"], True, "属实")
    hazard.refresh_from_db()
    assert hazard.grade == HazardGrade.MAJOR
    # Now major: closed by government on site, not by the mine.
    with pytest.raises(Refusal):
        services.transition(hazard, "close", manager)
    hazard = services.transition(hazard, "close", world.users["regulator_x"])
    assert hazard.status == HazardStatus.CLOSED


def hazard_edition(hazard: Hazard) -> str:
    from minesafe.hazards.catalogue import items_in_force

    first = items_in_force(hazard.found_on).first()
    assert first is not None
    return first.edition
