"""What the engine emits: alarm events (issue 3 §1–§2, MON-2, MON-3, MON-5).

This module is the contract between the pure core and everything around it (the replay CLI,
the database sink of :mod:`minesafe.monitoring`, the simulator's tests, the benchmark). An alarm
is one *episode* of one kind at one subject (a point, an area, a card, a whole mine); the engine
reports its life as events:

- ``open`` when the episode starts, exactly once;
- ``update`` when something a handler cares about changes (a new peak, a higher level);
- ``close`` when it ends, exactly once, with ``closed_at`` set.

``key`` identifies the episode (mine, subject, kind, opened_at): a sink that stores events keyed
on it is idempotent, so a restart that replays readings never duplicates an alarm.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class AlarmKind(enum.StrEnum):
    """Every rule kind, with the exact names of issue 3 §1."""

    OVER_LIMIT = "over_limit"
    THRESHOLD_LOOSER_THAN_REGULATION = "threshold_looser_than_regulation"
    POWER_OFF_FAILED = "power_off_failed"
    HIGH_VALUE = "high_value"
    LONG_DURATION = "long_duration"
    HIGH_FREQUENCY = "high_frequency"
    LINE_BREAK = "line_break"
    NETWORK_DOWN = "network_down"
    FLAT_LINE = "flat_line"
    AIR_BLOWN = "air_blown"
    MISSING_POINT = "missing_point"
    OUT_OF_RANGE = "out_of_range"
    NEGATIVE_VALUE = "negative_value"
    CALIBRATION_OUTSIDE_WINDOW = "calibration_outside_window"
    OVER_STAFFING = "over_staffing"
    OVERTIME_UNDERGROUND = "overtime_underground"
    IMPOSSIBLE_MOVE = "impossible_move"
    MULTI_CARD = "multi_card"
    RESTRICTED_AREA = "restricted_area"
    LEADER_ON_SHIFT = "leader_on_shift"
    CARD_NO_MOVEMENT = "card_no_movement"
    NO_CARD_UNDERGROUND = "no_card_underground"


class Level(enum.IntEnum):
    """Alarm level I (most severe, red) … IV (blue), MON-4."""

    I = 1  # noqa: E741 - the regulation's own numeral
    II = 2
    III = 3
    IV = 4


class Action(enum.StrEnum):
    OPEN = "open"
    UPDATE = "update"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One step in the life of one alarm episode.

    Times are POSIX seconds (UTC, float) so the core never handles time zones; adapters convert.
    ``subject`` is the point code for point rules, the area code, card code or person for the
    personnel rules, and ``""`` for a whole-mine alarm (``network_down``, mine over-staffing).
    ``details`` carries what a handler needs and is JSON-serialisable (thresholds, location,
    counts, the article of the regulation the rule cites).
    """

    action: Action
    kind: AlarmKind
    level: Level
    mine_code: str
    subject: str
    opened_at: float
    closed_at: float | None
    peak: float | None
    value: float | None
    at: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The episode's identity: a sink keyed on it stays idempotent across restarts."""
        return f"{self.mine_code}|{self.subject}|{self.kind.value}|{self.opened_at:.3f}"

    @property
    def duration_s(self) -> float | None:
        return None if self.closed_at is None else self.closed_at - self.opened_at
