"""Self-inspection rules (HAZ-8, source 003) as pure functions: no database, no clock.

Each rule cites its requirement and source in its docstring's first line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from minesafe.core.roles import REGULATOR_ROLES, Role
from minesafe.core.workflow import REASON, SIGNATURE, Step, Workflow
from minesafe.ruledata import edition_in_force
from minesafe.selfinspection.choices import AnswerResult, ReportStatus

PACKAGE = "minesafe.selfinspection"

EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})

#: HAZ-8 (003: 由矿长牵头 … 不认真的推倒重来): the mine's own manager signs a report drafted or
#: returned; a regulator with jurisdiction accepts it or returns it with reasons.
REPORT_WORKFLOW = Workflow(
    "self_inspection_report",
    dict(ReportStatus.choices),
    (
        Step(
            "sign",
            "签字上报",
            EDITABLE,
            ReportStatus.SIGNED,
            frozenset({Role.MINE_MANAGER}),
            needs=frozenset({SIGNATURE}),
            own_mine=True,
        ),
        Step(
            "accept",
            "审核通过",
            frozenset({ReportStatus.SIGNED}),
            ReportStatus.ACCEPTED,
            REGULATOR_ROLES,
        ),
        Step(
            "return",
            "退回重做",
            frozenset({ReportStatus.SIGNED}),
            ReportStatus.RETURNED,
            REGULATOR_ROLES,
            needs=frozenset({REASON}),
        ),
    ),
)
#: The review form's decision → the step it takes.
REVIEW_STEPS = {ReportStatus.ACCEPTED: "accept", ReportStatus.RETURNED: "return"}


def answer_problem(result: str, finding: str) -> str | None:
    """HAZ-8 (003: 逐项写实): a hazard found or n/a answer must say what was seen, in words."""
    if result not in AnswerResult.values:
        return "请选择检查结果"
    if result in (AnswerResult.HAZARD, AnswerResult.NOT_APPLICABLE) and not finding.strip():
        label = AnswerResult(result).label
        return f"检查结果为“{label}”时须填写现状描述"
    return None


@dataclass(frozen=True)
class Completeness:
    """How far a report is answered: counts and the items still missing or invalid."""

    total: int
    answered: int
    hazards: int
    missing: tuple[Any, ...]
    invalid: tuple[Any, ...]

    @property
    def complete(self) -> bool:
        return self.total > 0 and not self.missing and not self.invalid

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def completeness(item_ids: Iterable[Any], answers: Mapping[Any, tuple[str, str]]) -> Completeness:
    """HAZ-8 (003: 对照检查表逐项检查): a report is complete when every item has a valid answer.

    ``answers`` maps an item id to ``(result, finding)``.
    """
    items = list(item_ids)
    missing, invalid, answered, hazards = [], [], 0, 0
    for item in items:
        answer = answers.get(item)
        if answer is None or not answer[0]:
            missing.append(item)
            continue
        if answer_problem(*answer):
            invalid.append(item)
            continue
        answered += 1
        hazards += answer[0] == AnswerResult.HAZARD
    return Completeness(len(items), answered, hazards, tuple(missing), tuple(invalid))


def is_overdue(status: str, deadline: dt.date, today: dt.date) -> bool:
    """HAZ-8: a report not signed by the campaign's deadline is overdue."""
    return status in EDITABLE and today > deadline


def frequency_months(on: dt.date | None = None) -> int:
    """HAZ-8 (003: 今后每半年至少开展一次): the longest gap between two self-inspections."""
    return int(edition_in_force(PACKAGE, "frequency", on)["max_interval_months"])


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def lacks_recent_inspection(last_signed: dt.date | None, today: dt.date) -> bool:
    """HAZ-8 (003: 每半年至少开展一次): flag a mine whose last signed self-inspection report is
    older than the interval in force (or that never signed one)."""
    if last_signed is None:
        return True
    return last_signed < months_before(today, frequency_months(today))
