"""Personnel positioning as pure rules (MON-5, PER-7, issue 6 §5): shifts, overtime,
over-staffing, leaders on shift, several cards, and the three correspondences.

No database, no clock: callers pass ``now`` and local (aware) datetimes. Numbers come from
``data/positioning_rules.yaml``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from minesafe.localtime import LOCAL
from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.positioning"


def policy(on: dt.date | None = None) -> dict[str, Any]:
    """MON-5 / PER-7: the positioning rule set in force on ``on``."""
    return edition_in_force(PACKAGE, "positioning_rules", on)


# --- shifts -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Shift:
    """One shift of one local day: ``index`` counts from the first start of the day (0)."""

    start: dt.datetime
    end: dt.datetime
    index: int
    mode: str

    @property
    def label(self) -> str:
        """Chinese label such as ``11-23 第2班（08:00–16:00）``."""
        return f"{self.start:%m-%d} 第{self.index + 1}班（{self.start:%H:%M}–{self.end:%H:%M}）"

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m-%d}#{self.index}"


def shift_starts(mode: str, modes: Mapping[str, Sequence[str]], default: str) -> list[dt.time]:
    """Start times of the shifts of a labour-organisation mode (三八制, 四六制); an unknown or
    empty mode falls back to ``default`` (the data file's)."""
    texts = modes.get(mode.strip()) or modes[default]
    return sorted(dt.time.fromisoformat(t) for t in texts)


def shift_at(moment: dt.datetime, starts: Sequence[dt.time], mode: str = "") -> Shift:
    """The shift in progress at ``moment`` (aware; shifts start at Beijing-time clock times)."""
    tz = LOCAL
    moment = moment.astimezone(LOCAL)
    day = moment.date()
    candidates: list[dt.datetime] = []
    for offset in (-1, 0, 1):
        d = day + dt.timedelta(days=offset)
        candidates += [dt.datetime.combine(d, t, tzinfo=tz) for t in starts]
    candidates.sort()
    for i in range(len(candidates) - 1):
        if candidates[i] <= moment < candidates[i + 1]:
            start = candidates[i]
            index = list(starts).index(start.time())
            return Shift(start, candidates[i + 1], index, mode)
    raise ValueError("shift starts must not be empty")  # pragma: no cover - candidates cover a day


def shift_of_descent(
    entered: dt.datetime, starts: Sequence[dt.time], early_s: int, mode: str = ""
) -> Shift:
    """PER-7: the shift a descent belongs to: the one in progress, or the next one when the
    descent is at most ``early_s`` before it starts (the crew's shift meeting)."""
    return shift_at(entered + dt.timedelta(seconds=early_s), starts, mode)


# --- overtime, over-staffing ------------------------------------------------------------------


def is_overtime(entered: dt.datetime | None, now: dt.datetime, limit_s: int) -> bool:
    """AQ 1048-2007 4.3.2 a) 超时: underground longer than ``limit_s`` since the descent."""
    return entered is not None and (now - entered).total_seconds() > limit_s


def is_over_limit(count: int | None, approved: int | None) -> bool:
    """PER-7 (000:8; 004 task 10): more people than the approved headcount. An approved count
    of 0 or None means no limit was declared; an unknown count (no data) is never over."""
    return count is not None and bool(approved) and count > int(approved or 0)


# --- leaders on shift -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftLeaders:
    """Who went down in one shift: how many people, which mine leaders."""

    shift: Shift
    people: int
    leaders: tuple[str, ...]
    missing: bool


def leaders_by_shift(
    descents: Iterable[tuple[dt.datetime, bool, str]],
    starts: Sequence[dt.time],
    early_s: int,
    grace_s: int,
    now: dt.datetime,
    mode: str = "",
) -> list[ShiftLeaders]:
    """带班下井 (煤矿安全生产条例 2024 第二十三条; 国务院特别规定 第二十一条): every shift that
    sent people underground must have a mine leader go down with it. ``descents`` are
    (descent time, is leader, name). A shift is *missing* its leader once ``grace_s`` has passed
    since it started with no leader's descent; shifts nobody went down in are not listed."""
    people: Counter[Shift] = Counter()
    leaders: dict[Shift, list[str]] = defaultdict(list)
    for entered, leader, name in descents:
        shift = shift_of_descent(entered, starts, early_s, mode)
        people[shift] += 1
        if leader:
            leaders[shift].append(name)
    out = []
    for shift in sorted(people):
        names = tuple(sorted(set(leaders.get(shift, []))))
        late = now >= shift.start + dt.timedelta(seconds=grace_s)
        out.append(ShiftLeaders(shift, people[shift], names, missing=not names and late))
    return out


# --- several cards ----------------------------------------------------------------------------


def several_cards(cards: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """MON-5 (002:69 一人带多卡的严禁入井): identities carrying more than one card underground.

    ``cards`` are (card, identity) of the people underground; the identity is the ID number
    when the system sends one, else name + job (the caller decides)."""
    by_identity: dict[str, set[str]] = defaultdict(set)
    for card, identity in cards:
        if identity:
            by_identity[identity].add(card)
    return {i: sorted(c) for i, c in sorted(by_identity.items()) if len(c) > 1}


# --- the three correspondences ----------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Names as written by hand and by systems: NFKC, no spaces (full-width included)."""
    return "".join(unicodedata.normalize("NFKC", name).split())


@dataclass(frozen=True)
class Disagreement:
    """A person found in one source and not in another (三对应)."""

    name: str
    present_in: str
    missing_from: str


@dataclass(frozen=True)
class Correspondence:
    """MON-5 (002:69): descent register vs wellhead display vs positioning system.

    Counts of each source (the display's count is what it showed, None when nothing was
    posted), person-level disagreements, and whether everything agrees."""

    register_count: int
    display_count: int | None
    positioning_count: int | None
    disagreements: tuple[Disagreement, ...] = field(default=())

    @property
    def counts_agree(self) -> bool:
        counts = {self.register_count, self.display_count, self.positioning_count}
        return None not in counts and len(counts) == 1

    @property
    def agrees(self) -> bool:
        return self.counts_agree and not self.disagreements


REGISTER, DISPLAY, POSITIONING = "register", "display", "positioning"
SOURCE_LABELS = {REGISTER: "入井记录", DISPLAY: "井口公示", POSITIONING: "人员定位系统"}


def _missing(a: Counter[str], b: Counter[str], a_name: str, b_name: str) -> list[Disagreement]:
    out = []
    for name, n in sorted((a - b).items()):
        out += [Disagreement(name, a_name, b_name)] * n
    return out


def reconcile(
    register: Iterable[str],
    display_names: Iterable[str] | None,
    display_count: int | None,
    positioning: Iterable[str] | None,
) -> Correspondence:
    """MON-5 三对应: compare the people underground by name (names are the one key all three
    sources carry; two people of the same name count twice). ``display_names`` None: the display
    posted only a count, so it is compared by count only; ``positioning`` None: no fresh
    positioning data (never read as nobody underground)."""
    reg = Counter(normalise_name(n) for n in register if normalise_name(n))
    pos = None if positioning is None else Counter(normalise_name(n) for n in positioning)
    shown = None
    if display_names is not None:
        shown = Counter(normalise_name(n) for n in display_names if normalise_name(n))
    found: list[Disagreement] = []
    if pos is not None:
        found += _missing(reg, pos, REGISTER, POSITIONING)
        found += _missing(pos, reg, POSITIONING, REGISTER)
    if shown:
        if pos is not None:
            found += _missing(shown, pos, DISPLAY, POSITIONING)
            found += _missing(pos, shown, POSITIONING, DISPLAY)
        found += _missing(reg, shown, REGISTER, DISPLAY)
        found += _missing(shown, reg, DISPLAY, REGISTER)
    if display_count is None and shown is not None:
        display_count = sum(shown.values())
    return Correspondence(
        register_count=sum(reg.values()),
        display_count=display_count,
        positioning_count=None if pos is None else sum(pos.values()),
        disagreements=tuple(found),
    )


# --- storage ----------------------------------------------------------------------------------


def snapshots_to_keep(
    times: Sequence[dt.datetime], now: dt.datetime, keep_all_s: int, thin_to_s: int, keep_s: int
) -> set[dt.datetime]:
    """Which snapshot times survive thinning: all younger than ``keep_all_s``, then the first of
    each ``thin_to_s`` slot, none older than ``keep_s`` (AQ 1048-2007 4.4.9 a: 3 months)."""
    keep: set[dt.datetime] = set()
    slots: set[int] = set()
    for t in sorted(times):
        age = (now - t).total_seconds()
        if age > keep_s:
            continue
        if age <= keep_all_s:
            keep.add(t)
            continue
        slot = int(t.timestamp() // thin_to_s)
        if slot not in slots:
            slots.add(slot)
            keep.add(t)
    return keep
