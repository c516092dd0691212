"""三违 rules (VIO-1, source 000:29-31) as pure functions: no database, no clock.

Statistics and the repeat-offender list work on :class:`Act` tuples that the views read from
the database, so every rule is tested without it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from minesafe.localtime import local_date
from minesafe.ruledata import edition_in_force
from minesafe.violations.choices import Severity

PACKAGE = "minesafe.violations"


@dataclass(frozen=True)
class Act:
    """What the rules need of one 三违 record."""

    mine_id: int
    person_name: str
    team: str
    kind: str
    severity: str
    found_on: dt.date
    pk: int = 0


@dataclass(frozen=True)
class RepeatParams:
    """The repeat-offender threshold in force: ``min_count`` weighted acts in ``window_days``."""

    min_count: int
    window_days: int
    serious_counts_as: int
    source: str


@dataclass(frozen=True)
class Offender:
    """A person at a mine whose weighted acts in the window reach the threshold."""

    mine_id: int
    person_name: str
    team: str
    count: int
    serious: int
    weight: int
    last_on: dt.date
    acts: tuple[int, ...]


def repeat_params(on: dt.date | None = None) -> RepeatParams:
    """VIO-1 (000:30, 从重处罚): the repeat-offender threshold of the edition in force on ``on``."""
    edition = edition_in_force(PACKAGE, "repeat_offenders", on)
    return RepeatParams(
        int(edition["min_count"]),
        int(edition["window_days"]),
        int(edition.get("serious_counts_as", 1)),
        str(edition["source"]),
    )


def weight(act: Act, params: RepeatParams) -> int:
    """VIO-1 (000:30): a serious act (严重三违) weighs more than an ordinary one."""
    return params.serious_counts_as if act.severity == Severity.SERIOUS else 1


def repeat_offenders(acts: Iterable[Act], today: dt.date, params: RepeatParams) -> list[Offender]:
    """VIO-1 (000:30): people with ≥ ``min_count`` weighted acts in the last ``window_days``
    (today included), heaviest first. A person is a name at a mine."""
    start = today - dt.timedelta(days=params.window_days - 1)
    grouped: dict[tuple[int, str], list[Act]] = {}
    for act in acts:
        if start <= act.found_on <= today:
            grouped.setdefault((act.mine_id, act.person_name.strip()), []).append(act)
    out = []
    for (mine_id, name), own in grouped.items():
        total = sum(weight(a, params) for a in own)
        if total < params.min_count:
            continue
        own.sort(key=lambda a: a.found_on)
        out.append(
            Offender(
                mine_id=mine_id,
                person_name=name,
                team=own[-1].team,
                count=len(own),
                serious=sum(a.severity == Severity.SERIOUS for a in own),
                weight=total,
                last_on=own[-1].found_on,
                acts=tuple(a.pk for a in own),
            )
        )
    return sorted(out, key=lambda o: (-o.weight, -o.count, o.person_name))


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_months(today: dt.date, n: int = 12) -> list[str]:
    """The ``n`` calendar months ending with today's, oldest first ("YYYY-MM")."""
    out = []
    year, month = today.year, today.month
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly_counts(
    acts: Iterable[Act], months: list[str], series: Callable[[Act], Hashable]
) -> dict[Hashable, list[int]]:
    """VIO-1 (000:30, 每月查三违、定期通报): per series value, the count of acts in each month."""
    index = {m: i for i, m in enumerate(months)}
    table: dict[Hashable, list[int]] = {}
    for act in acts:
        i = index.get(month_key(act.found_on))
        if i is None:
            continue
        table.setdefault(series(act), [0] * len(months))[i] += 1
    return table


def top(acts: Iterable[Act], key: Callable[[Act], Hashable], n: int = 10) -> list[tuple[Any, int]]:
    """VIO-1: the ``n`` mines, teams or persons with the most acts."""
    return Counter(key(a) for a in acts).most_common(n)


def notification_order(act: Act) -> tuple[int, int, int]:
    """VIO-1 (000:30, 定期通报典型三违情形): serious acts first, then newest."""
    return (0 if act.severity == Severity.SERIOUS else 1, -act.found_on.toordinal(), act.pk)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of a "YYYY-MM" month; ValueError for anything else."""
    year, mon = (int(p) for p in month.split("-"))
    first = dt.date(year, mon, 1)
    following = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


# Leaders' monthly underground checks (VIO-1, 000:30) -------------------------------------


@dataclass(frozen=True)
class LeaderCheckParams:
    """Who must go underground how often, at which mines (data/leader_checks.yaml)."""

    required_posts: tuple[str, ...]
    checks_per_month: int
    mine_statuses: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Check:
    """What the rule needs of one leader's underground check."""

    mine_id: int
    post: str
    went_down_at: dt.datetime
    pk: int = 0


def leader_check_params(on: dt.date | None = None) -> LeaderCheckParams:
    """VIO-1 (000:30): the leader-check rule of the edition in force on ``on``."""
    edition = edition_in_force(PACKAGE, "leader_checks", on)
    return LeaderCheckParams(
        tuple(str(p) for p in edition["required_posts"]),
        int(edition.get("checks_per_month", 1)),
        tuple(str(s) for s in edition["mine_statuses"]),
        str(edition["source"]),
    )


def check_month(check: Check) -> str:
    """The local (Beijing-time) calendar month a check counts for: a descent at 23:30 UTC on
    the last day of a month is 07:30 on the 1st of the next month locally."""
    return month_key(local_date(check.went_down_at))


def missing_posts(
    checks: Iterable[Check], mine_id: int, month: str, params: LeaderCheckParams
) -> list[str]:
    """VIO-1 (000:30, 每月带头深入井下现场查三违): the required posts of ``mine_id`` with fewer
    than ``checks_per_month`` checks in the local calendar ``month`` ("YYYY-MM"), in the
    order the rule lists them."""
    counts = Counter(c.post for c in checks if c.mine_id == mine_id and check_month(c) == month)
    return [p for p in params.required_posts if counts[p] < params.checks_per_month]


def missed_checks(
    mine_ids: Iterable[int], checks: Iterable[Check], month: str, params: LeaderCheckParams
) -> list[tuple[int, list[str]]]:
    """VIO-1: every mine of ``mine_ids`` (kept in order) with the posts it missed in ``month``;
    mines that missed nothing are left out."""
    own = list(checks)
    out = []
    for mine_id in mine_ids:
        missing = missing_posts(own, mine_id, month, params)
        if missing:
            out.append((mine_id, missing))
    return out


def default_missed_month(today: dt.date) -> str:
    """The month the missed list opens on: the last complete month (the current one is still
    open until its last day, so nobody has missed it yet)."""
    return month_key(month_bounds(month_key(today))[0] - dt.timedelta(days=1))
