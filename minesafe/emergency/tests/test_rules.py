"""The evacuation rules without a database (MON-8, EMG-2)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minesafe.core.roles import Role
from minesafe.core.workflow import Actor, Refusal
from minesafe.emergency import rules

T0 = dt.datetime(2026, 7, 20, 14, 0, tzinfo=dt.UTC)
TABLE = rules.policy(T0.date())


def mine(
    method: str = "underground", hydro: str = "medium", status: str = "producing"
) -> rules.MineFacts:
    return rules.MineFacts(id=1, mining_method=method, hydro_type=hydro, status=status)


def test_mon8_red_rainstorm_calls_every_mine_an_order() -> None:
    assert rules.order_basis("rainstorm", "red", mine(), TABLE)
    assert rules.order_basis("rainstorm", "red", mine("open_pit"), TABLE)


def test_mon8_orange_rainstorm_only_for_water_exposed_and_open_pit_mines() -> None:
    assert rules.order_basis("rainstorm", "orange", mine(hydro="medium"), TABLE) is None
    assert "第九条第(六)项" in str(
        rules.order_basis("rainstorm", "orange", mine(hydro="complex"), TABLE)
    )
    assert rules.order_basis("rainstorm", "orange", mine("open_pit"), TABLE)
    assert rules.order_basis("rainstorm", "yellow", mine(hydro="extreme"), TABLE) is None


def test_mon8_snow_and_ice_reach_open_pit_mines_only() -> None:
    assert rules.order_basis("snowstorm", "red", mine(), TABLE) is None
    assert rules.order_basis("freeze", "red", mine("open_pit"), TABLE)


def test_mon8_closed_mines_are_never_ordered() -> None:
    assert rules.order_basis("rainstorm", "red", mine(status="closed"), TABLE) is None


@given(
    kind=st.sampled_from(
        ["rainstorm", "flood", "typhoon", "snowstorm", "freeze", "gale", "thunder"]
    ),
    low=st.sampled_from(list(rules.LEVEL_RANK)),
    high=st.sampled_from(list(rules.LEVEL_RANK)),
    method=st.sampled_from(["underground", "open_pit"]),
    hydro=st.sampled_from(["simple", "medium", "complex", "extreme"]),
)
def test_mon8_a_higher_level_never_calls_fewer_mines(
    kind: str, low: str, high: str, method: str, hydro: str
) -> None:
    if rules.LEVEL_RANK[low] > rules.LEVEL_RANK[high]:
        low, high = high, low
    facts = mine(method, hydro)
    if rules.order_basis(kind, low, facts, TABLE):
        assert rules.order_basis(kind, high, facts, TABLE)


def test_affected_mines_keeps_order_and_basis() -> None:
    facts = [
        rules.MineFacts(3, "underground", "complex", "producing"),
        rules.MineFacts(1, "underground", "simple", "producing"),
        rules.MineFacts(2, "open_pit", "simple", "producing"),
    ]
    chosen = rules.affected_mines("flood", "orange", facts, TABLE)
    assert [mid for mid, _ in chosen] == [3, 2]


def test_emg2_mine_staff_order_only_their_own_mine() -> None:
    rules.check_issue("mine_safety_officer", 5, [5], [5])
    with pytest.raises(Refusal):
        rules.check_issue("mine_manager", 5, [5, 6], [5])
    with pytest.raises(Refusal):
        rules.check_issue("mine_safety_officer", None, [5], [5])


def test_mon8_regulators_order_only_mines_of_their_jurisdiction() -> None:
    rules.check_issue("county_regulator", None, [1, 2], [1, 2, 3])
    with pytest.raises(Refusal):
        rules.check_issue("county_regulator", None, [1, 9], [1, 2])
    with pytest.raises(Refusal):
        rules.check_issue("inspector", None, [1], [1])
    with pytest.raises(Refusal):
        rules.check_issue("enterprise_officer", None, [1], [1])
    with pytest.raises(Refusal):
        rules.check_issue("county_regulator", None, [], [1])


def test_lifting_belongs_to_the_issuer_side() -> None:
    assert rules.may_lift("county_regulator", "regulator", None, [1])
    assert not rules.may_lift("mine_safety_officer", "regulator", 1, [1])
    assert rules.may_lift("mine_safety_officer", "mine", 1, [1])
    assert not rules.may_lift("mine_safety_officer", "mine", 2, [1])


def test_deadline_bounds_come_from_the_data_file() -> None:
    limits = TABLE["deadline"]
    ok = T0 + dt.timedelta(minutes=limits["default_minutes"])
    assert rules.deadline_errors(T0, ok, TABLE) == {}
    too_soon = T0 + dt.timedelta(minutes=limits["min_minutes"] - 1)
    assert "deadline" in rules.deadline_errors(T0, too_soon, TABLE)
    too_late = T0 + dt.timedelta(minutes=limits["max_minutes"] + 1)
    assert "deadline" in rules.deadline_errors(T0, too_late, TABLE)
    assert "deadline" in rules.deadline_errors(T0, ok.replace(tzinfo=None), TABLE)


def test_overdue_only_without_a_confirmation_and_from_the_deadline_on() -> None:
    assert not rules.is_overdue("issued", T0, T0 - dt.timedelta(seconds=1))
    assert rules.is_overdue("issued", T0, T0)
    assert rules.is_overdue("received", T0, T0 + dt.timedelta(hours=3))
    assert not rules.is_overdue("confirmed", T0, T0 + dt.timedelta(hours=3))


def test_late_confirmation_across_midnight() -> None:
    deadline = dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert rules.is_late(dt.datetime(2027, 1, 1, 0, 1, tzinfo=dt.UTC), deadline, TABLE)
    assert not rules.is_late(deadline, deadline, TABLE)


def test_state_machine_allows_the_documented_paths() -> None:
    assert rules.next_state("issued", "receive") == "received"
    assert rules.next_state("received", "confirm") == "confirmed"
    assert rules.next_state("overdue", "confirm") == "confirmed"
    assert rules.next_state("confirmed", "mismatch") == "mismatch"
    assert rules.next_state("confirmed", "no_data") == "unverifiable"
    assert rules.next_state("unverifiable", "spot_ok") == "confirmed"
    assert rules.next_state("unverifiable", "spot_failed") == "mismatch"
    assert rules.next_state("mismatch", "lift") == "lifted"
    with pytest.raises(Refusal, match="当前状态为“已解除”，不能确认撤离"):
        rules.next_state("lifted", "confirm")
    with pytest.raises(Refusal):
        rules.next_state("confirmed", "receive")
    with pytest.raises(Refusal, match="没有这个办理步骤"):
        rules.next_state("issued", "fly")


def test_mon8_only_the_mine_takes_its_steps_and_only_in_its_jurisdiction() -> None:
    flow = rules.TARGET_WORKFLOW
    mine = Actor(1, Role.MINE_SAFETY_OFFICER, in_jurisdiction=True)
    assert flow.check("issued", "receive", mine).target == "received"
    assert [s.name for s in flow.open_steps("issued", mine)] == ["receive", "confirm"]
    with pytest.raises(Refusal) as regulator:
        flow.check("issued", "confirm", Actor(2, Role.COUNTY_REGULATOR, in_jurisdiction=True))
    assert regulator.value.forbidden
    with pytest.raises(Refusal) as other_mine:
        flow.check("issued", "confirm", Actor(3, Role.MINE_MANAGER, in_jurisdiction=False))
    assert other_mine.value.forbidden
    with pytest.raises(Refusal) as platform_only:  # the clock's step, nobody's to take
        flow.check("issued", "overdue", mine)
    assert platform_only.value.forbidden


STEPS = [s.name for s in rules.TARGET_WORKFLOW.steps]


@given(st.sampled_from(list(rules.STATE_LABELS)), st.sampled_from(STEPS))
def test_lifted_is_final_and_can_agrees_with_next_state(state: str, event: str) -> None:
    if rules.can(state, event):
        assert rules.next_state(state, event) in rules.STATE_LABELS
    else:
        with pytest.raises(Refusal):
            rules.next_state(state, event)
    if state == "lifted":
        assert not rules.can(state, event)


PEOPLE = [
    rules.Person("C1", "张三", "A1", "3101综采工作面"),
    rules.Person("C2", "李四", "A2", "中央水泵房"),
    rules.Person("C3", "王五", "A3", "2201掘进工作面"),
]


def test_mon8_no_positioning_data_is_never_compliant() -> None:
    recon = rules.reconcile(None, T0)
    assert recon.result == rules.NO_DATA
    assert recon.result != rules.CONSISTENT


def test_mon8_empty_mine_is_consistent() -> None:
    recon = rules.reconcile([], T0, people_remaining=0)
    assert recon.result == rules.CONSISTENT and recon.underground == 0


def test_mon8_people_left_are_unexpected_unless_exempted_by_card() -> None:
    exempt = [rules.Exemption("C2", "李四", "主排水泵房值守")]
    recon = rules.reconcile(PEOPLE, T0, exempt, people_remaining=1)
    assert recon.result == rules.MISMATCH
    assert [p.card for p in recon.unexpected] == ["C1", "C3"]
    assert [p.card for p in recon.exempted] == ["C2"]
    assert recon.evidence()["unexpected"][0]["area_name"] == "3101综采工作面"


def test_mon8_area_order_ignores_people_outside_the_named_areas() -> None:
    recon = rules.reconcile(PEOPLE, T0, areas=["3101综采工作面", "A3"])
    assert [p.card for p in recon.unexpected] == ["C1", "C3"]
    recon = rules.reconcile(PEOPLE, T0, areas=["A2"])
    assert [p.card for p in recon.unexpected] == ["C2"]


def test_confirmation_must_cover_remaining_people_with_exemptions() -> None:
    assert rules.confirmation_errors(120, 0, []) == {}
    assert "people_remaining" in rules.confirmation_errors(
        120, 2, [rules.Exemption("", "甲", "排水")]
    )
    assert "exemptions" in rules.confirmation_errors(120, 1, [rules.Exemption("C1", "甲", " ")])
    assert "people_out" in rules.confirmation_errors(-1, 0, [])
    assert "people_remaining" in rules.confirmation_errors(1, None, [])


@given(
    cards=st.lists(st.text("ABC0123", min_size=1, max_size=4), max_size=12, unique=True),
    exempt_n=st.integers(0, 12),
)
def test_reconcile_partitions_the_people_in_scope(cards: list[str], exempt_n: int) -> None:
    people = [rules.Person(c, f"人{c}") for c in cards]
    exempt = [rules.Exemption(c, f"人{c}", "救护") for c in cards[:exempt_n]]
    recon = rules.reconcile(people, T0, exempt)
    assert len(recon.unexpected) + len(recon.exempted) == len(people)
    assert (recon.result == rules.MISMATCH) == bool(recon.unexpected)


def test_parse_exemptions_accepts_chinese_commas() -> None:
    parsed = rules.parse_exemptions("C9，赵六，救护队值守\n\n,钱七,排水")
    assert parsed == [
        rules.Exemption("C9", "赵六", "救护队值守"),
        rules.Exemption("", "钱七", "排水"),
    ]


def test_candidate_situation_for_rain_is_9_6() -> None:
    assert rules.candidate_situation("rainstorm", TABLE) == "9(6)"
    assert rules.candidate_situation("snowstorm", TABLE) is None
    assert rules.candidate_situation(None, TABLE) is None
