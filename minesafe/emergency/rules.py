"""Evacuation orders as pure functions (MON-8, EMG-2, issue 6 §6): which warnings call for an
order for which mines, who may give an order for whom, deadlines, the states of a mine's
answer, and the reconciliation of a mine's confirmation with the positioning data.

No database, no clock: callers pass ``now`` and the rule set (``policy(on)``) in force; who is
the government and who the mine comes from ``core.roles``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from minesafe.core.roles import MINE_ROLES, REGULATOR_ROLES, Role
from minesafe.core.workflow import Refusal, Step, Workflow
from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.emergency"

LEVEL_RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}

# Target states (values of choices.TargetState, repeated here to keep this module Django-free).
ISSUED = "issued"
RECEIVED = "received"
CONFIRMED = "confirmed"
OVERDUE = "overdue"
MISMATCH = "mismatch"
UNVERIFIABLE = "unverifiable"
LIFTED = "lifted"

# Check results (choices.CheckResult).
CONSISTENT = "consistent"
NO_DATA = "no_data"
PENDING = "pending"


def policy(on: dt.date | None = None) -> dict[str, Any]:
    """The edition of ``data/evacuation_rules.yaml`` in force on ``on``."""
    return edition_in_force(PACKAGE, "evacuation_rules", on)


# --- which mines a warning calls an order for ---------------------------------------------


@dataclass(frozen=True)
class MineFacts:
    """What the register says about a mine that the warning rules look at."""

    id: int
    mining_method: str
    hydro_type: str
    status: str


def order_basis(kind: str, level: str, mine: MineFacts, table: dict[str, Any]) -> str | None:
    """MON-8 (002:44): why a warning of ``kind``/``level`` calls for evacuating ``mine``, or None.

    The first rule of the edition that covers the kind, is reached by the level and matches the
    mine's mining method and hydrogeology gives the basis.
    """
    if mine.status in table["exclude_statuses"]:
        return None
    rank = LEVEL_RANK.get(level, 0)
    for rule in table["order_rules"]:
        if kind not in rule["kinds"] or rank < LEVEL_RANK[rule["min_level"]]:
            continue
        if mine.mining_method not in rule["mining_methods"]:
            continue
        if rule["hydro_types"] is not None and mine.hydro_type not in rule["hydro_types"]:
            continue
        return str(rule["basis"])
    return None


def affected_mines(
    kind: str, level: str, mines: Iterable[MineFacts], table: dict[str, Any]
) -> list[tuple[int, str]]:
    """(mine id, basis) of every mine the warning calls an order for, in the given order."""
    out = []
    for mine in mines:
        basis = order_basis(kind, level, mine, table)
        if basis is not None:
            out.append((mine.id, basis))
    return out


def candidate_situation(warning_kind: str | None, table: dict[str, Any]) -> str | None:
    """The 2020-standard situation (e.g. "9(6)") an evacuation failure is proposed as."""
    if not warning_kind:
        return None
    code = table["candidate_situations"].get(warning_kind)
    return str(code) if code else None


# --- who may issue, lift, confirm ---------------------------------------------------------


def check_issue(
    role: str, own_mine_id: int | None, target_ids: Iterable[int], visible_ids: Iterable[int]
) -> None:
    """A :class:`Refusal` naming ``mines`` when ``role`` may not order ``target_ids`` evacuated.

    MON-8: a county/city regulator orders mines of its jurisdiction. EMG-2 (004 task 7 (5)
    "赋予井下班组长、调度员等紧急情况撤人权"): the mine's own staff (the platform's dispatcher
    and manager roles) order their own mine, and only it.
    """
    targets = set(target_ids)
    if not targets:
        raise Refusal("mines", "请至少选择一座煤矿")
    if role in REGULATOR_ROLES or role == Role.ADMIN:
        if not targets <= set(visible_ids):
            raise Refusal("mines", "只能向本辖区煤矿下达撤人指令")
        return
    if role in MINE_ROLES:
        if own_mine_id is None or targets != {own_mine_id}:
            raise Refusal("mines", "煤矿调度员、带班人员只能对本矿下达撤人指令")
        return
    raise Refusal("mines", "您的角色不能下达撤人指令")


def may_lift(role: str, issuer_kind: str, own_mine_id: int | None, mine_ids: Iterable[int]) -> bool:
    """Who lifts an order: the regulator side for its orders; a mine for its own orders (a
    predicate: the order page shows the form only to them, the service refuses the others)."""
    if role == Role.ADMIN:
        return True
    if issuer_kind == "regulator":
        return role in REGULATOR_ROLES
    return role in REGULATOR_ROLES or (role in MINE_ROLES and set(mine_ids) == {own_mine_id})


# --- deadlines ----------------------------------------------------------------------------


def deadline_errors(
    issued_at: dt.datetime, deadline: dt.datetime, table: dict[str, Any]
) -> dict[str, str]:
    """Field errors of an order's deadline (empty when it is acceptable)."""
    if deadline.tzinfo is None or issued_at.tzinfo is None:
        return {"deadline": "撤离期限须带时区"}
    limits = table["deadline"]
    minutes = (deadline - issued_at).total_seconds() / 60
    if minutes < limits["min_minutes"]:
        return {"deadline": f"撤离期限须在下达后至少{limits['min_minutes']}分钟"}
    if minutes > limits["max_minutes"]:
        return {"deadline": f"撤离期限不能超过下达后{limits['max_minutes'] // 60}小时"}
    return {}


def default_deadline(issued_at: dt.datetime, table: dict[str, Any]) -> dt.datetime:
    return issued_at + dt.timedelta(minutes=table["deadline"]["default_minutes"])


def is_late(confirmed_at: dt.datetime, deadline: dt.datetime, table: dict[str, Any]) -> bool:
    """A confirmation after the deadline (plus the grace of the edition) is late."""
    return confirmed_at > deadline + dt.timedelta(seconds=table["grace_seconds"])


def is_overdue(state: str, deadline: dt.datetime, now: dt.datetime) -> bool:
    """MON-8: the deadline has passed and the mine has not confirmed the evacuation."""
    return state in (ISSUED, RECEIVED) and now >= deadline


# --- the states of a mine's answer --------------------------------------------------------


STATE_LABELS = {
    ISSUED: "已下达",
    RECEIVED: "已签收",
    CONFIRMED: "已确认撤离",
    OVERDUE: "逾期未确认",
    MISMATCH: "核查不符",
    UNVERIFIABLE: "无法核查",
    LIFTED: "已解除",
}

RUNNING = frozenset({ISSUED, RECEIVED, CONFIRMED, OVERDUE, MISMATCH, UNVERIFIABLE})
#: Nobody takes these steps by choice: the order, the clock, the positioning check or a spot
#: check takes them, and the history records who or what did.
BY_THE_PLATFORM: frozenset[str] = frozenset()

#: MON-8 (issue 6 §6): one mine's part of an order. The mine's staff sign for it and confirm the
#: evacuation (EMG-2: 004 task 7 (5)); the deadline, the positioning check and spot checks
#: (002:44) move it on; lifting the order ends it.
TARGET_WORKFLOW = Workflow(
    "evacuation_target",
    STATE_LABELS,
    (
        Step("issue", "下达", frozenset(), ISSUED, BY_THE_PLATFORM),
        Step("receive", "签收", frozenset({ISSUED}), RECEIVED, MINE_ROLES | {Role.ADMIN}),
        Step(
            "confirm",
            "确认撤离",
            frozenset({ISSUED, RECEIVED, OVERDUE, MISMATCH}),
            CONFIRMED,
            MINE_ROLES | {Role.ADMIN},
        ),
        Step("overdue", "逾期未确认", frozenset({ISSUED, RECEIVED}), OVERDUE, BY_THE_PLATFORM),
        Step(
            "mismatch",
            "定位核查不符",
            frozenset({CONFIRMED, UNVERIFIABLE}),
            MISMATCH,
            BY_THE_PLATFORM,
        ),
        Step("no_data", "无定位数据", frozenset({CONFIRMED}), UNVERIFIABLE, BY_THE_PLATFORM),
        Step("spot_ok", "抽查确认落实", frozenset({UNVERIFIABLE}), CONFIRMED, BY_THE_PLATFORM),
        Step(
            "spot_failed",
            "抽查发现未撤人",
            frozenset({CONFIRMED, UNVERIFIABLE}),
            MISMATCH,
            BY_THE_PLATFORM,
        ),
        Step("lift", "解除指令", RUNNING, LIFTED, BY_THE_PLATFORM),
    ),
)


def next_state(state: str, event: str) -> str:
    """MON-8: the state after ``event``, or a :class:`Refusal` saying why it cannot happen now."""
    step = TARGET_WORKFLOW.step(event)
    if state not in step.sources:
        current = TARGET_WORKFLOW.label(state)
        raise Refusal("step", f"当前状态为“{current}”，不能{step.label}")
    return step.target


def can(state: str, event: str) -> bool:
    try:
        next_state(state, event)
    except Refusal:
        return False
    return True


# --- confirmation against positioning -----------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One person the positioning system places underground at a moment."""

    card: str
    name: str
    area_code: str = ""
    area_name: str = ""
    entered_at: dt.datetime | None = None
    job: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "card": self.card,
            "name": self.name,
            "area_code": self.area_code,
            "area_name": self.area_name,
            "entered_at": self.entered_at.isoformat() if self.entered_at else None,
            "job": self.job,
        }


@dataclass(frozen=True)
class Exemption:
    """Someone the mine keeps underground with the order's consent (rescue, drainage crew)."""

    card: str
    name: str
    reason: str


@dataclass(frozen=True)
class Reconciliation:
    """What the positioning data says about one mine's evacuation at one moment."""

    result: str
    at: dt.datetime
    unexpected: tuple[Person, ...] = ()
    exempted: tuple[Person, ...] = ()
    underground: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def people_found(self) -> int:
        return len(self.unexpected)

    def evidence(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "at": self.at.isoformat(),
            "underground": self.underground,
            "unexpected": [p.as_dict() for p in self.unexpected],
            "exempted": [p.as_dict() for p in self.exempted],
            "notes": list(self.notes),
        }


def in_scope(person: Person, areas: Sequence[str]) -> bool:
    """Whether ``person`` is in the evacuated part of the mine (all of it when ``areas`` is empty).

    Areas are matched by code, or by name containment (a mine names "3101工作面" while the
    system calls the area "3101综采工作面").
    """
    if not areas:
        return True
    for area in areas:
        if person.area_code and person.area_code == area:
            return True
        if person.area_name and (area in person.area_name or person.area_name in area):
            return True
    return False


def reconcile(
    underground: Sequence[Person] | None,
    at: dt.datetime,
    exemptions: Sequence[Exemption] = (),
    areas: Sequence[str] = (),
    people_remaining: int | None = None,
) -> Reconciliation:
    """MON-8: compare a mine's confirmation with the positioning system at ``at``.

    ``underground`` None means the mine sent no positioning data: the result is NO_DATA, never
    "consistent" (no data is not zero). Anyone in the evacuated areas who is not listed as
    exempt (by card, or by name when the card is blank) is unexpected: the result is MISMATCH.
    A confirmation declaring more people remaining than exemptions is noted.
    """
    if underground is None:
        return Reconciliation(NO_DATA, at, notes=("人员定位系统无该时刻数据",))
    cards = {e.card for e in exemptions if e.card}
    names = {e.name for e in exemptions if not e.card}
    unexpected: list[Person] = []
    exempted: list[Person] = []
    for person in underground:
        if not in_scope(person, areas):
            continue
        if person.card in cards or (person.name in names and person.name):
            exempted.append(person)
        else:
            unexpected.append(person)
    notes: list[str] = []
    if people_remaining is not None and people_remaining > len(exemptions):
        notes.append(f"煤矿申报井下留守{people_remaining}人，多于经同意留守的{len(exemptions)}人")
    if people_remaining is not None and not unexpected and len(exempted) < people_remaining:
        notes.append("定位系统显示的留守人数少于申报数")
    result = MISMATCH if unexpected else CONSISTENT
    return Reconciliation(
        result,
        at,
        unexpected=tuple(unexpected),
        exempted=tuple(exempted),
        underground=len(underground),
        notes=tuple(notes),
    )


def confirmation_errors(
    people_out: int | None, people_remaining: int | None, exemptions: Sequence[Exemption]
) -> dict[str, str]:
    """Field errors of a mine's confirmation: counts present and not negative, exemptions with
    a reason, and remaining people covered by exemptions (others must come out)."""
    errors: dict[str, str] = {}
    if people_out is None or people_out < 0:
        errors["people_out"] = "请填写撤出人数（不能为负数）"
    if people_remaining is None or people_remaining < 0:
        errors["people_remaining"] = "请填写井下剩余人数（不能为负数）"
    for exemption in exemptions:
        if not exemption.name.strip() or not exemption.reason.strip():
            errors["exemptions"] = "留守人员须写明姓名和留守理由（如救护、排水）"
            break
    if (
        people_remaining is not None
        and people_remaining > len(exemptions)
        and "exemptions" not in errors
    ):
        errors["people_remaining"] = (
            f"井下剩余{people_remaining}人，但只列出{len(exemptions)}名经同意留守人员；"
            "其余人员必须撤出"
        )
    return errors


def parse_exemptions(text: str) -> list[Exemption]:
    """Exemptions from the form's text: one a line, ``card,name,reason`` (Chinese comma too)."""
    out = []
    for raw in text.splitlines():
        line = raw.strip().replace("，", ",")
        if not line:
            continue
        parts = [p.strip() for p in line.split(",", 2)]
        while len(parts) < 3:
            parts.append("")
        out.append(Exemption(card=parts[0], name=parts[1], reason=parts[2]))
    return out
