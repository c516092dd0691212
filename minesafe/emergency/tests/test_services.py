"""Evacuation orders on the database (MON-8, EMG-2): issue, confirm, the check against the
positioning data (through the positioning area's own factory), the clock, spot checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from minesafe.accounts.choices import Role
from minesafe.core.workflow import Refusal
from minesafe.emergency import rules, worker
from minesafe.emergency.choices import (
    CheckResult,
    IssuerKind,
    NoticeKind,
    OrderReason,
    SpotMethod,
    TargetState,
    WarningKind,
    WarningLevel,
)
from minesafe.emergency.models import EvacuationOrder, OrderTarget
from minesafe.emergency.services import checks, orders, weather
from minesafe.emergency.testing import make_warning
from minesafe.hazards.choices import SuggestionMethod
from minesafe.hazards.models import Hazard
from minesafe.notifications.choices import Channel, Topic
from minesafe.notifications.models import Notification
from minesafe.positioning.testing import make_snapshot
from minesafe.testing import World, make_user
from minesafe.violations.choices import ViolationKind
from minesafe.violations.models import Violation

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
DEADLINE = NOW + dt.timedelta(hours=1)
MINER = {"card": "C0001", "name": "张三", "area_code": "A01", "area_name": "3101综采工作面"}
PUMP = {"card": "C0002", "name": "李四", "area_code": "A02", "area_name": "中央水泵房"}


@pytest.fixture(autouse=True)
def _no_furnished_orders(world: World) -> None:
    """The shared world's orders (for the permission walk) are past due: keep them out of the
    clock's counts here."""
    EvacuationOrder.objects.all().delete()


def notices() -> QuerySet[Notification]:
    """The in-app notices about evacuation orders."""
    return Notification.objects.filter(topic=Topic.EVACUATION, channel=Channel.IN_APP)


def _order(world: World, *mines: object, warning: object = None) -> object:
    return orders.issue_order(
        user=world.users["regulator_x"],
        mines=list(mines) or [world.mine_a],
        reason=OrderReason.WEATHER if warning else OrderReason.OTHER,
        text="红色暴雨预警，立即停产撤人",
        deadline=DEADLINE,
        now=NOW,
        warning=warning,
    )


def _target(order: object, mine: object) -> OrderTarget:
    return OrderTarget.objects.get(order=order, mine=mine)


def test_mon8_warning_proposes_mines_of_the_jurisdiction_by_the_rule(world: World) -> None:
    world.mine_b.hydro_type = "complex"
    world.mine_b.save()
    warning = make_warning([world.city], NOW, kind=WarningKind.RAINSTORM, level=WarningLevel.ORANGE)
    proposed = weather.proposed_mines(warning, world.users["regulator_x"])
    assert [m for m, _ in proposed] == [world.mine_b]  # mine A is medium; mine C is county Y
    city = weather.proposed_mines(warning, world.users["city"])
    assert world.mine_c not in [m for m, _ in city]
    warning.level = WarningLevel.RED
    warning.save()
    every = {m for m, _ in weather.proposed_mines(warning, world.users["city"])}
    assert every == {world.mine_a, world.mine_b, world.mine_c}


def test_mon8_issue_notifies_the_mine_and_numbers_the_order(world: World) -> None:
    order = _order(world, world.mine_a, world.mine_b)
    assert order.number.startswith("CR20261123-")
    assert order.targets.count() == 2
    notes = notices().filter(kind=NoticeKind.NEW_ORDER)
    told = {n.recipient for n in notes}
    assert {world.users["mine_a"], world.users["mine_b"], world.users["enterprise"]} == told


def test_mon8_regulator_cannot_order_a_mine_outside_jurisdiction(world: World) -> None:
    with pytest.raises(Refusal) as err:
        _order(world, world.mine_c)
    assert err.value.field == "mines" and "本辖区" in err.value.message


def test_deadline_too_close_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        orders.issue_order(
            user=world.users["regulator_x"],
            mines=[world.mine_a],
            reason=OrderReason.OTHER,
            text="撤人",
            deadline=NOW + dt.timedelta(minutes=2),
            now=NOW,
        )
    assert "deadline" in err.value.message_dict


def test_emg2_dispatcher_orders_own_mine_and_county_is_told(world: World) -> None:
    order = orders.issue_order(
        user=world.users["mine_a"],
        mines=[world.mine_a],
        reason=OrderReason.OTHER,
        text="井下透水征兆，调度员下令撤人",
        deadline=DEADLINE,
        now=NOW,
    )
    assert order.issuer_kind == IssuerKind.MINE and order.issuer_mine == world.mine_a
    assert order.number.startswith("ZZ")
    told = notices().filter(kind=NoticeKind.SELF_ISSUED).values_list("recipient", flat=True)
    assert world.users["regulator_x"].pk in told
    assert world.users["regulator_y"].pk not in told and world.users["mine_b"].pk not in told
    with pytest.raises(Refusal, match="只能对本矿"):
        orders.issue_order(
            user=world.users["mine_a"],
            mines=[world.mine_b],
            reason=OrderReason.OTHER,
            text="x",
            deadline=DEADLINE,
            now=NOW,
        )


def test_mon8_confirmation_consistent_with_positioning(world: World) -> None:
    target = _target(_order(world), world.mine_a)
    confirm_at = NOW + dt.timedelta(minutes=40)
    make_snapshot(world.mine_a, confirm_at - dt.timedelta(minutes=1), [])
    orders.confirm(target, world.users["mine_a"], confirm_at, people_out=120, people_remaining=0)
    target.refresh_from_db()
    assert target.state == TargetState.CONFIRMED and not target.late
    assert target.check_result == CheckResult.CONSISTENT
    assert target.events.count() == 2


def test_mon8_people_underground_after_deadline_make_violation_and_candidate(
    world: World,
) -> None:
    warning = make_warning([world.county_x], NOW, kind=WarningKind.RAINSTORM)
    order = _order(world, warning=warning)
    target = _target(order, world.mine_a)
    early = NOW + dt.timedelta(minutes=30)
    make_snapshot(world.mine_a, early - dt.timedelta(minutes=1), [])
    exempt = [rules.Exemption("C0002", "李四", "主排水泵房值守")]
    orders.confirm(
        target, world.users["mine_a"], early, people_out=80, people_remaining=1, exemptions=exempt
    )
    # People went back down before the deadline; the pump attendant stays with consent.
    make_snapshot(world.mine_a, DEADLINE - dt.timedelta(minutes=2), [MINER, PUMP])
    report = worker.tick(DEADLINE + dt.timedelta(seconds=30))
    assert report.checked == 1 and report.mismatches == 1
    target.refresh_from_db()
    assert target.state == TargetState.MISMATCH
    assert [p["card"] for p in target.check_evidence["unexpected"]] == ["C0001"]
    violation = Violation.objects.get(pk=target.violation_id_ref)
    assert violation.kind == ViolationKind.COMMAND and violation.origin == target
    assert "张三" in violation.description and "C0001" in violation.description
    hazard = Hazard.objects.get(pk=target.hazard_id_ref)
    assert hazard.origin_id == str(target.pk) and hazard.grade == "general"
    suggestion = hazard.suggestions.get(item__code="9(6)")
    assert suggestion.method == SuggestionMethod.FACT and suggestion.decision == "pending"
    assert notices().filter(kind=NoticeKind.MISMATCH, recipient=world.users["regulator_x"]).exists()
    # A second tick changes nothing: the check is claimed once.
    assert worker.tick(DEADLINE + dt.timedelta(minutes=2)).checked == 0
    assert Violation.objects.filter(origin_id=target.pk).count() == 1


def test_mon8_overdue_then_late_confirmation(world: World) -> None:
    target = _target(_order(world), world.mine_a)
    orders.receive(target, world.users["mine_a"], NOW + dt.timedelta(minutes=5))
    before = worker.tick(DEADLINE - dt.timedelta(seconds=1))
    assert before.overdue == 0
    make_snapshot(world.mine_a, DEADLINE - dt.timedelta(minutes=1), [])
    report = worker.tick(DEADLINE)
    assert report.overdue == 1
    target.refresh_from_db()
    assert target.state == TargetState.OVERDUE and target.check_result == CheckResult.CONSISTENT
    assert notices().filter(kind=NoticeKind.OVERDUE).exists()
    late = DEADLINE + dt.timedelta(minutes=20)
    make_snapshot(world.mine_a, late - dt.timedelta(minutes=1), [])
    orders.confirm(target, world.users["mine_a"], late, people_out=50, people_remaining=0)
    target.refresh_from_db()
    assert target.state == TargetState.CONFIRMED and target.late
    assert target.violation_id_ref is None


def test_mon8_no_positioning_data_is_unverifiable_and_listed_for_spot_check(
    world: World,
) -> None:
    target = _target(_order(world), world.mine_a)
    orders.confirm(
        target,
        world.users["mine_a"],
        NOW + dt.timedelta(minutes=30),
        people_out=60,
        people_remaining=0,
        lookup=lambda mine, at: None,
    )
    target.refresh_from_db()
    assert target.state == TargetState.CONFIRMED  # before the deadline: not yet a state
    assert target.check_result == CheckResult.NO_DATA
    worker.tick(DEADLINE + dt.timedelta(minutes=1), lookup=lambda mine, at: None)
    target.refresh_from_db()
    assert target.state == TargetState.UNVERIFIABLE
    assert OrderTarget.objects.filter(checks.needs_spot_check(), pk=target.pk).exists()
    checks.spot_check(
        target,
        world.users["inspector"],
        DEADLINE + dt.timedelta(minutes=30),
        method=SpotMethod.VIDEO,
        compliant=True,
        findings="视频抽查井口及井底车场，无人员",
    )
    target.refresh_from_db()
    assert target.state == TargetState.CONFIRMED
    assert not OrderTarget.objects.filter(checks.needs_spot_check(), pk=target.pk).exists()


def test_mon8_noncompliant_spot_check_records_violation_and_candidate(world: World) -> None:
    target = _target(_order(world), world.mine_a)
    make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    orders.confirm(
        target,
        world.users["mine_a"],
        NOW + dt.timedelta(minutes=30),
        people_out=60,
        people_remaining=0,
        lookup=lambda mine, at: [],
    )
    row = checks.spot_check(
        target,
        world.users["regulator_x"],
        DEADLINE + dt.timedelta(minutes=30),
        method=SpotMethod.ON_SITE,
        compliant=False,
        findings="现场发现掘进工作面仍有3人作业",
        people=[rules.Person("", "王五", area_name="2201掘进工作面")],
    )
    assert row.people_found == 1
    target.refresh_from_db()
    assert target.state == TargetState.MISMATCH
    violation = Violation.objects.get(pk=target.violation_id_ref)
    assert violation.person_name == "mgr_a"
    assert Hazard.objects.get(pk=target.hazard_id_ref).source == "regulator_inspection"


def test_spot_check_input_is_validated(world: World) -> None:
    target = _target(_order(world), world.mine_a)
    with pytest.raises(ValidationError):
        checks.spot_check(
            target,
            world.users["regulator_x"],
            NOW,
            method=SpotMethod.PHONE,
            compliant=True,
            findings=" ",
        )
    with pytest.raises(ValidationError):
        checks.spot_check(
            target,
            world.users["regulator_x"],
            NOW,
            method=SpotMethod.PHONE,
            compliant=True,
            findings="电话",
            checked_at=NOW + dt.timedelta(hours=1),
        )


def test_lift_ends_every_running_target_and_blocks_confirmation(world: World) -> None:
    order = _order(world, world.mine_a, world.mine_b)
    with pytest.raises(Refusal) as not_theirs:
        orders.lift(order, world.users["mine_a"], NOW, "预警解除")
    assert not_theirs.value.forbidden
    orders.lift(order, world.users["regulator_x"], NOW + dt.timedelta(hours=3), "预警解除")
    assert set(order.targets.values_list("state", flat=True)) == {TargetState.LIFTED}
    target = _target(order, world.mine_a)
    with pytest.raises(Refusal, match="已解除"):
        orders.confirm(target, world.users["mine_a"], NOW, people_out=1, people_remaining=0)
    assert worker.tick(DEADLINE + dt.timedelta(hours=5)).as_dict() == {
        "overdue": 0,
        "checked": 0,
        "mismatches": 0,
        "no_data": 0,
    }


def test_confirmation_with_unlisted_remaining_people_is_refused(world: World) -> None:
    target = _target(_order(world), world.mine_a)
    with pytest.raises(ValidationError) as err:
        orders.confirm(target, world.users["mine_a"], NOW, people_out=1, people_remaining=3)
    assert "people_remaining" in err.value.message_dict


def test_mon8_failed_spot_check_before_the_deadline_is_not_yet_a_violation(
    world: World,
) -> None:
    target = _target(_order(world), world.mine_a)
    checks.spot_check(
        target,
        world.users["inspector"],
        NOW + dt.timedelta(minutes=20),
        method=SpotMethod.PHONE,
        compliant=False,
        findings="电话抽查：调度室称仍在升井途中",
    )
    target.refresh_from_db()
    assert target.violation_id_ref is None and target.hazard_id_ref is None
    assert notices().filter(kind=NoticeKind.SPOT_FAILED).exists()
