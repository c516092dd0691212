"""The graded response as pure rules (MON-4, issue 6 §1–§3): time limits, legal steps,
escalation, severity rising with duration, suppression, grouping and flapping (channels and
delivery retries are the notifications app's).

No database, no clock: callers pass ``now``. Numbers come from ``data/response_rules.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from minesafe.core.roles import GOVERNMENT_ROLES, MINE_ROLES, Party, Role, party_of
from minesafe.core.workflow import REASON, Refusal, Step, Workflow
from minesafe.response.choices import CaseState as _CaseState
from minesafe.ruledata import edition_in_force

#: The states as plain strings (the rules compare values; Django's choice classes stay outside).
NEW, ACKNOWLEDGED, DISPOSED, FED_BACK, VERIFIED, CLOSED, SUPPRESSED = (
    str(_CaseState.NEW),
    str(_CaseState.ACKNOWLEDGED),
    str(_CaseState.DISPOSED),
    str(_CaseState.FED_BACK),
    str(_CaseState.VERIFIED),
    str(_CaseState.CLOSED),
    str(_CaseState.SUPPRESSED),
)
STATE_LABELS: dict[str, str] = {str(v): str(label) for v, label in _CaseState.choices}

PACKAGE = "minesafe.response"

#: The audience of each level (MON-4 / issue 6 §1): IV the mine's dispatcher and safety officer;
#: III the mine manager and the enterprise; II the county regulator; I the city and province.
AUDIENCES = {4: "mine_dispatch", 3: "mine_management", 2: "county", 1: "city_province"}
LEVEL_NAMES = {1: "I级", 2: "II级", 3: "III级", 4: "IV级"}


def policy(on: dt.date | None = None) -> dict[str, Any]:
    """MON-4: the response rule set in force on ``on`` (time limits, escalation, noise control)."""
    return edition_in_force(PACKAGE, "response_rules", on)


def audiences(level: int) -> list[str]:
    """MON-4: who hears of a case at ``level``: its own audience and every one below it, so the
    mine always knows what its regulator was told."""
    return [AUDIENCES[n] for n in range(4, max(1, min(4, level)) - 1, -1)]


# --- the loop ---------------------------------------------------------------------------------

_ENTERPRISE, _ADMIN = frozenset({Role.ENTERPRISE_OFFICER}), frozenset({Role.ADMIN})
#: Who handles a case (the mine and its enterprise) and who checks it (the enterprise and the
#: government, an inspector as much as a regulator, see ``core.roles``).
HANDLERS = MINE_ROLES | _ENTERPRISE | _ADMIN
CHECKERS = _ENTERPRISE | GOVERNMENT_ROLES | _ADMIN

#: The mine side's own work on a case: whoever disposed or fed back may not verify, return or
#: close it (MON-4 "verified by the level above"; nobody verifies their own work).
HANDLING_STEPS = frozenset({"dispose", "feedback"})

#: MON-4 (issue 6 §1): the closed loop of a case: acknowledged by anyone told of it, disposed and
#: fed back by the mine side, verified (or returned with reasons) and closed by the level above,
#: each check by someone other than who disposed or fed back; a case closes once its alarm has
#: ended, or earlier only by the level above's recorded decision with a reason
#: (``override_close``); an alarm during planned work is closed once someone confirms the work.
CASE_WORKFLOW = Workflow(
    "alarm_case",
    STATE_LABELS,
    (
        Step("acknowledge", "确认接警", frozenset({NEW}), ACKNOWLEDGED, HANDLERS | CHECKERS),
        Step("dispose", "处置", frozenset({ACKNOWLEDGED}), DISPOSED, HANDLERS),
        Step("feedback", "反馈处置结果", frozenset({DISPOSED}), FED_BACK, HANDLERS),
        Step(
            "verify",
            "核查",
            frozenset({FED_BACK}),
            VERIFIED,
            CHECKERS,
            not_by_takers_of=HANDLING_STEPS,
        ),
        Step(
            "return",
            "退回重新处置",
            frozenset({FED_BACK}),
            ACKNOWLEDGED,
            CHECKERS,
            needs=frozenset({REASON}),
            not_by_takers_of=HANDLING_STEPS,
        ),
        Step(
            "close",
            "关闭",
            frozenset({VERIFIED}),
            CLOSED,
            CHECKERS,
            not_by_takers_of=HANDLING_STEPS,
        ),
        Step(
            "override_close",
            "上级决定关闭（报警未解除）",
            frozenset({VERIFIED}),
            CLOSED,
            CHECKERS,
            needs=frozenset({REASON}),
            not_by_takers_of=HANDLING_STEPS,
        ),
        Step(
            "close_suppressed",
            "确认计划作业并关闭",
            frozenset({SUPPRESSED}),
            CLOSED,
            HANDLERS | CHECKERS,
        ),
    ),
)

#: The step whose time limit runs while a case is in a state.
STEP_OF_STATE = {
    NEW: "acknowledge",
    ACKNOWLEDGED: "dispose",
    DISPOSED: "feedback",
    FED_BACK: "verify",
}

#: Steps that only the level above the case's may take.
CHECKS = frozenset({"verify", "return", "close", "override_close"})
#: What a step writes besides a reason, and its name on the form.
STEP_INPUTS = {"dispose": ("measures", "处置措施"), "feedback": ("feedback", "处置结果反馈")}


def verifier_parties(level: int) -> frozenset[Party]:
    """MON-4 "verified by the level above": levels III–IV are handled inside the mine, so the
    enterprise or the government verifies; levels I–II only the government."""
    if level >= 3:
        return frozenset({Party.ENTERPRISE, Party.GOVERNMENT})
    return frozenset({Party.GOVERNMENT})


def check_level(name: str, level: int, role: str) -> None:
    """MON-4: a check of a case (verify, return, close) by a party below its level is refused."""
    party = party_of(role)
    if name in CHECKS and party != Party.ADMIN and party not in verifier_parties(level):
        label = CASE_WORKFLOW.step(name).label
        text = f"您的单位不能对{LEVEL_NAMES[level]}报警执行“{label}”"
        raise Refusal("step", text, forbidden=True)


def step_text(name: str, data: Mapping[str, Any]) -> str:
    """MON-4: what a step records in words: the measures, the feedback or the reason; a step
    that writes measures or feedback refuses to go without them."""
    needed = STEP_INPUTS.get(name)
    if needed is None:
        return str(data.get("reason") or "").strip()
    field_name, label = needed
    text = str(data.get(field_name) or "").strip()
    if not text:
        raise Refusal(field_name, f"“{CASE_WORKFLOW.step(name).label}”须填写{label}")
    reading = data.get("current_reading")
    if name == "feedback" and isinstance(reading, int | float):
        text = f"{text}（当前读数：{reading:g}）"
    return text


def offered(steps: Iterable[Step], level: int, role: str, alarm_open: bool = False) -> list[Step]:
    """Of the steps the table opens to a user, those the case's level and its alarm leave them
    (a plain close once the alarm has ended, the level above's decision while it lasts)."""
    out = []
    for step in steps:
        try:
            check_level(step.name, level, role)
            check_alarm_closed(step.name, alarm_open)
        except Refusal:
            continue
        out.append(step)
    return out


# --- closing and feedback against the data -----------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """The newest stored reading of an alarm's point: its value, the spread of the minute it
    was stored in (``low``–``high``), its unit and local time in words."""

    value: float
    low: float
    high: float
    unit: str = ""
    at: str = ""

    def text(self) -> str:
        value = f"{self.value:g}{self.unit}"
        return f"{value}（{self.at}）" if self.at else value


def check_alarm_closed(name: str, alarm_open: bool, reading: Reading | None = None) -> None:
    """MON-4 closed loop: a case closes only after its alarm has ended; while the alarm lasts only
    the level above may close it, as its own recorded decision with a reason
    (``override_close``), which has no purpose once the alarm has ended."""
    if name == "close" and alarm_open:
        now = f"，测点最新读数{reading.text()}" if reading is not None else ""
        override = CASE_WORKFLOW.step("override_close").label
        raise Refusal(
            "step",
            f"报警尚未解除{now}，不能关闭：须待报警解除后关闭，或由上级以“{override}”"
            "作出决定并说明理由",
        )
    if name == "override_close" and not alarm_open:
        raise Refusal("step", "报警已解除，请直接关闭，无需上级决定")


_STATED = re.compile(r"(-?\d+(?:\.\d+)?)\s*[%％]")


def stated_percent(text: str) -> float | None:
    """The value a feedback states as a percentage ("降至0.3%"): the last one written, which is
    where the text ends up ("由1.07%降至0.3%" states 0.3)."""
    found = _STATED.findall(text or "")
    return float(found[-1]) if found else None


def check_stated(stated: float, reading: Reading | None, table: Mapping[str, Any]) -> None:
    """MON-4 "traceable": a feedback's stated reading must agree with the stored data of the
    alarm's point, within the tolerance of ``feedback_check`` (absolute, or relative to the
    reading, whichever is larger), else the feedback is refused naming the actual reading."""
    if reading is None:
        return
    rule = table["feedback_check"]
    allowed = max(float(rule["abs_tolerance"]), float(rule["rel_tolerance"]) * abs(reading.value))
    if reading.low - allowed <= stated <= reading.high + allowed:
        return
    raise Refusal(
        "feedback",
        f"反馈所述读数{stated:g}{reading.unit}与监测数据不符：该测点最新读数为{reading.text()}，"
        "请核实后如实反馈",
    )


def deadline(
    state: str, level: int, since: dt.datetime, table: Mapping[str, Any]
) -> dt.datetime | None:
    """MON-4: when the step running in ``state`` must be done, counted from ``since``."""
    step = STEP_OF_STATE.get(state)
    if step is None:
        return None
    return since + dt.timedelta(minutes=float(table["limits"][level][step]))


def is_backlog(
    opened_at: dt.datetime,
    closed_at: dt.datetime | None,
    now: dt.datetime,
    table: Mapping[str, Any],
) -> bool:
    """Issue 6 §2: an alarm that had ended and was older than the backlog window when the
    worker first saw it is recorded for handling without notification or escalation."""
    age = dt.timedelta(hours=float(table["intake"]["backlog_hours"]))
    return closed_at is not None and opened_at < now - age


def is_overdue(deadline_at: dt.datetime | None, now: dt.datetime) -> bool:
    return deadline_at is not None and deadline_at <= now


@dataclass(frozen=True)
class Escalation:
    """What a missed deadline does: the new effective level and the next deadline."""

    level: int
    deadline: dt.datetime | None
    escalated: bool


def escalate(
    state: str, level: int, escalations: int, now: dt.datetime, table: Mapping[str, Any]
) -> Escalation:
    """MON-4: a case not acknowledged or not disposed in time goes one level up (I stays I) and
    gets a fresh time limit of that level; after ``max_escalations`` it is only notified."""
    new_level = max(1, level - 1)
    more = escalations + 1 < int(table["escalation"]["max_escalations"])
    return Escalation(
        new_level, deadline(state, new_level, now, table) if more else None, new_level != level
    )


def raised_by_duration(
    level: int, since: dt.datetime, now: dt.datetime, table: Mapping[str, Any]
) -> int | None:
    """MON-2/MON-4 (002:40, 002:42): an unhandled case whose alarm lasts longer than the level's
    configured minutes (counted from ``since``: opening or last raise) goes one level up."""
    minutes = table["duration_raise_minutes"].get(level)
    if level <= 1 or minutes is None:
        return None
    return level - 1 if now - since >= dt.timedelta(minutes=float(minutes)) else None


# --- noise control ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkScope:
    """What a planned-work declaration covers: time, points (codes or prefixes), locations and
    kinds; empty points and locations mean the whole mine, empty kinds every kind."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    points: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def split_items(text: str) -> tuple[str, ...]:
    """Codes, prefixes or locations typed one per line or separated by commas."""
    for sep in ("，", "、", ";", "；", "\n"):
        text = text.replace(sep, ",")
    return tuple(item.strip() for item in text.split(",") if item.strip())


def work_covers(
    scope: WorkScope, point_code: str, location: str, kind: str, at: dt.datetime
) -> bool:
    """Issue 6 §2: an alarm opened during declared planned work, inside its scope, is recorded but
    neither notified nor escalated. A point entry ending in ``*`` is a prefix."""
    if not scope.starts_at <= at < scope.ends_at:
        return False
    if scope.kinds and kind not in scope.kinds:
        return False
    if not scope.points and not scope.locations:
        return True
    for entry in scope.points:
        prefix = entry.rstrip("*")
        if point_code == entry or (entry.endswith("*") and point_code.startswith(prefix)):
            return True
    return any(loc in location for loc in scope.locations if location)


def check_work_window(
    starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime, table: Mapping[str, Any]
) -> dict[str, str]:
    """Issue 6 §2: planned work is declared in advance and bounded; errors by field name."""
    rules = table["planned_work"]
    errors: dict[str, str] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = "结束时间必须晚于开始时间"
    elif ends_at - starts_at > dt.timedelta(hours=float(rules["max_hours"])):
        errors["ends_at"] = f"计划作业时长不得超过{rules['max_hours']}小时"
    if starts_at < now - dt.timedelta(minutes=float(rules["start_grace_minutes"])):
        errors["starts_at"] = "计划作业须提前申报，开始时间不能早于当前时间"
    return errors


@dataclass(frozen=True)
class AlarmFacts:
    """What grouping needs to know of an alarm."""

    kind: str
    point_code: str
    opened_at: dt.datetime
    details: Mapping[str, Any] = field(default_factory=dict)


def substation_of(facts: AlarmFacts, table: Mapping[str, Any]) -> str:
    """The substation (分站编码) of an alarm: the engine's ``details.substation`` when it gives
    one, else the code's 17-character prefix (AQ 6201 附录 A.2: a point code begins with its
    substation's code)."""
    given = str(facts.details.get("substation") or "")
    if given:
        return given
    length = int(table["grouping"]["substation_prefix_length"])
    return facts.point_code[:length] if len(facts.point_code) > length else ""


def is_mine_wide(facts: AlarmFacts, table: Mapping[str, Any]) -> bool:
    return facts.kind in table["grouping"]["mine_wide_kinds"] or not facts.point_code


def groups_under(child: AlarmFacts, parent: AlarmFacts, table: Mapping[str, Any]) -> bool:
    """Issue 6 §2 root-cause grouping: outage alarms of one mine (the caller keeps the mine)
    opened within the window go under a network-down parent, or under the first outage alarm of
    the same substation — one case, not 200."""
    kinds = table["grouping"]["kinds"]
    if child.kind not in kinds or parent.kind not in kinds:
        return False
    window = dt.timedelta(minutes=float(table["grouping"]["window_minutes"]))
    if not parent.opened_at - window <= child.opened_at <= parent.opened_at + window:
        return False
    if is_mine_wide(parent, table):
        return True
    if is_mine_wide(child, table):
        return False
    sub = substation_of(child, table)
    return bool(sub) and sub == substation_of(parent, table)


def is_flapping(
    previous_closed_at: dt.datetime | None, opened_at: dt.datetime, table: Mapping[str, Any]
) -> bool:
    """Issue 6 §2 flapping: the same subject and kind opening again within the minimum gap after
    the previous episode ended (or while it is still open) joins the previous case."""
    if previous_closed_at is None:
        return True
    gap = dt.timedelta(minutes=float(table["flapping"]["min_gap_minutes"]))
    return opened_at - previous_closed_at <= gap


def pick_parent(
    child: AlarmFacts, candidates: Iterable[tuple[Any, AlarmFacts]], table: Mapping[str, Any]
) -> Any | None:
    """The first candidate (in the caller's order) the child groups under, else None."""
    for ident, facts in candidates:
        if groups_under(child, facts, table):
            return ident
    return None
