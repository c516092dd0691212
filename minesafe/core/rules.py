"""Regulation shared by several areas, as pure functions: one definition each, so that the hazard
loop and enforcement give the same answer for the same facts.

- what counts as a producing mine (a mine in joint trial operation is extracting coal);
- HAZ-5 / ENF-6 (002:34): major hazards found twice or more within 3 calendar months at a mine
  that keeps producing ⇒ propose closure;
- ENF-5 (000:37, 001:18): the penalty policy.

No database, no clock: callers pass plain facts and the day. The numbers live in
``core/data/sanctions.yaml`` (each with its source).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.core"
D = TypeVar("D", dt.date, dt.datetime)


def sanctions(on: dt.date | None = None) -> dict[str, Any]:
    """The shared rule set in force on ``on``."""
    return edition_in_force(PACKAGE, "sanctions", on)


def add_months(value: D, months: int) -> D:
    """Calendar months, clamped to the month's last day: Jan 31 + 1 → Feb 28/29."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


# --- producing, and repeated major hazards (HAZ-5, ENF-6) -----------------------------------


def counts_as_producing(status: str, on: dt.date | None = None) -> bool:
    """Whether a mine in ``status`` (a registry MineStatus value) is producing: normal production
    and joint trial operation (联合试运转) both extract coal."""
    return str(status) in set(sanctions(on)["producing_statuses"])


def repeat_window_start(today: dt.date) -> dt.date:
    """The first day of the window of 002:34 "3个月内" ending on ``today``: the same day three
    calendar months back (clamped to the month's end), that day included."""
    return add_months(today, -int(sanctions(today)["repeat_major"]["window_months"]))


def in_repeat_window(found_on: dt.date, today: dt.date) -> bool:
    """Whether a major hazard found on ``found_on`` counts toward the closure rule on ``today``."""
    return repeat_window_start(today) <= found_on <= today


@dataclass(frozen=True)
class RepeatMajor:
    """The closure rule's answer: how many findings of major hazards the window holds (this one
    included), since when, and whether closure is due."""

    due: bool
    count: int
    since: dt.date
    window_months: int
    text: str
    source: str
    consequences: tuple[str, ...]

    @property
    def basis(self) -> str:
        """One line for the user: the count, the window and the source."""
        return (
            f"{self.window_months}个月内{self.count}次发现重大事故隐患且仍在生产"
            f"（{self.source}：{self.text}）"
        )


def repeat_major(
    earlier_found_on: Iterable[dt.date], today: dt.date, *, found_major: bool, status: str
) -> RepeatMajor:
    """HAZ-5 / ENF-6 (002:34 "对3个月内2次或2次以上发现重大事故隐患仍然进行生产的，依法提请关闭").

    ``earlier_found_on`` holds the day of each earlier finding of a major hazard at the mine
    (one per finding, this one excluded); ``found_major`` says whether the finding being judged
    today is a major hazard. Closure is due only when today's finding is major, the window of
    3 calendar months back to today holds at least two findings with today's, and the mine is
    producing (trial production included); earlier findings alone never make it due.
    """
    rule = sanctions(today)["repeat_major"]
    since = repeat_window_start(today)
    count = sum(1 for d in earlier_found_on if since <= d <= today) + int(found_major)
    due = found_major and count >= int(rule["at_least"]) and counts_as_producing(status, today)
    return RepeatMajor(
        due=due,
        count=count,
        since=since,
        window_months=int(rule["window_months"]),
        text=str(rule["text"]),
        source=str(rule["source"]),
        consequences=tuple(rule["consequences"]),
    )


# --- the penalty policy (ENF-5) -------------------------------------------------------------

NOT_PENALISED = "not_penalised"
EXEMPT = "exempt"
PENALISE = "penalise"
HEAVIER = "heavier"


@dataclass(frozen=True)
class PenaltyFacts:
    """What the penalty policy needs to know about one finding or hazard."""

    major: bool = False
    #: Found by the mine's own check and reported by it (自查上报).
    self_reported: bool = False
    #: Nothing like it at the mine before (轻微违法首次).
    first_offence: bool = False
    #: Found by verifying a tip-off (举报核实).
    tip_off_verified: bool = False
    #: The same kind of hazard again, or a fake rectification (屡改屡犯).
    repeated: bool = False


@dataclass(frozen=True)
class PenaltyOutcome:
    """``not_penalised``, ``exempt``, ``penalise`` or ``heavier``, with the row that decided."""

    outcome: str
    rule: str
    text: str
    source: str

    @property
    def basis(self) -> str:
        return f"{self.text}（{self.source}）"


def penalty_policy(facts: PenaltyFacts, on: dt.date | None = None) -> PenaltyOutcome:
    """ENF-5, the one penalty policy of the platform. The sources say, and no more:
    "建立轻微违法免罚、自查上报不罚、重大违法必罚、举报核实和重复违法重罚的执法工作机制"
    (000:37, 001:18). So a hazard the mine found by its own check and reported is not penalised,
    major ones included (the text limits 自查上报不罚 to no grade); a repeated hazard and a
    verified tip-off are penalised more and come first; otherwise a major violation is always
    penalised and a minor first offence is exempt. The rows and their order are data."""
    values = asdict(facts)
    for row in sanctions(on)["penalty_policy"]:
        if all(values.get(k) == v for k, v in row["when"].items()):
            return PenaltyOutcome(
                str(row["outcome"]), str(row["id"]), str(row["text"]), str(row["source"])
            )
    raise ValueError("the penalty policy has no default row")  # pragma: no cover - data error


def hazard_penalty_facts(
    source: str, major: bool, prior_hazards: int, repeated: bool, on: dt.date | None = None
) -> PenaltyFacts:
    """The facts of a hazard record for :func:`penalty_policy`: who found it (a hazard source
    value), its grade, how many hazards the mine had before it, and whether it recurred."""
    rule = sanctions(on)
    return PenaltyFacts(
        major=major,
        self_reported=source in rule["self_reported_sources"],
        first_offence=prior_hazards == 0,
        tip_off_verified=source in rule["tip_off_sources"],
        repeated=repeated,
    )
