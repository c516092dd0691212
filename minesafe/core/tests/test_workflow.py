"""The workflow spine's table, without the database: which step from which state, by whom, with
what, and nobody verifying their own work."""

from __future__ import annotations

import pytest

from minesafe.core.roles import Party, Role, party_of
from minesafe.core.workflow import Actor, Refusal, Step, Workflow

REG, MINE = frozenset({Role.COUNTY_REGULATOR}), frozenset({Role.MINE_SAFETY_OFFICER})
FLOW = Workflow(
    "test",
    {"open": "待整改", "fixed": "已整改", "closed": "已销号"},
    (
        Step("rectify", "整改", frozenset({"open"}), "fixed", MINE | REG, own_mine=False),
        Step(
            "verify",
            "验收",
            frozenset({"fixed"}),
            "closed",
            MINE | REG,
            needs=frozenset({"evidence"}),
            not_by_takers_of=frozenset({"rectify"}),
        ),
    ),
)


def actor(user_id: int = 1, role: str = Role.COUNTY_REGULATOR, inside: bool = True) -> Actor:
    return Actor(user_id, role, in_jurisdiction=inside)


def refusal(**kw: object) -> Refusal:
    with pytest.raises(Refusal) as caught:
        FLOW.check(**kw)  # type: ignore[arg-type]
    return caught.value


def test_a_step_is_taken_only_from_its_states_and_names_where_it_leads() -> None:
    assert FLOW.check("open", "rectify", actor()).target == "fixed"
    wrong = refusal(state="closed", name="rectify", actor=actor())
    assert (wrong.field, wrong.forbidden) == ("step", False) and "已销号" in wrong.message
    assert refusal(state="open", name="sign", actor=actor()).message == "没有这个办理步骤"


def test_who_may_take_a_step_is_forbidden_not_invalid() -> None:
    assert refusal(state="open", name="rectify", actor=actor(role=Role.INSPECTOR)).forbidden
    assert refusal(state="open", name="rectify", actor=actor(inside=False)).forbidden


def test_nobody_verifies_their_own_work() -> None:
    takers = {"rectify": {1}}
    own = refusal(state="fixed", name="verify", actor=actor(1), given={"evidence"}, takers=takers)
    assert own.forbidden and "整改的人不能再验收" in own.message
    step = FLOW.check("fixed", "verify", actor(2), given={"evidence"}, takers=takers)
    assert step.name == "verify"


def test_what_a_step_requires_is_named_by_field() -> None:
    missing = refusal(state="fixed", name="verify", actor=actor(2))
    assert (missing.field, missing.forbidden, missing.as_dict()) == (
        "evidence",
        False,
        {"evidence": ["须附证据"]},
    )


def test_open_steps_are_what_the_actor_could_take_now() -> None:
    assert [s.name for s in FLOW.open_steps("open", actor())] == ["rectify"]
    assert FLOW.open_steps("fixed", actor(1), {"rectify": {1}}) == []
    assert FLOW.open_steps("open", actor(inside=False)) == []


def test_a_table_naming_unknown_states_or_steps_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        Workflow("bad", {"a": "甲"}, (Step("go", "走", frozenset({"a"}), "b", REG),))
    with pytest.raises(ValueError, match="not_by_takers_of"):
        step = Step("go", "走", frozenset({"a"}), "a", REG, not_by_takers_of=frozenset({"x"}))
        Workflow("bad", {"a": "甲"}, (step,))


def test_an_inspector_is_government_in_every_area() -> None:
    assert party_of(Role.INSPECTOR) == party_of(Role.CITY_REGULATOR) == Party.GOVERNMENT
    assert party_of(Role.MINE_MANAGER) == Party.MINE
    assert party_of(Role.ENTERPRISE_OFFICER) == Party.ENTERPRISE
    assert party_of(Role.ADMIN) == Party.ADMIN
