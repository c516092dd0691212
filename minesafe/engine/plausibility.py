"""Plausibility of incoming times and values: what no real reading can be (MON-1, MON-3).

A record dated before networked monitoring existed, far ahead of its arrival, or with a value
no sensor reports is quarantined by the parsers with its reason instead of being stored (a
``0001-01-01`` reading used to stop a mine's whole feed). The limits are data
(``data/plausibility.yaml``, each row citing why); :func:`bounds_at` turns them into absolute
:class:`Bounds` for one arrival time. Pure: the caller passes "now".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from minesafe.engine.model import F64
from minesafe.engine.timeutil import iso_local, parse_local
from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.engine"


@dataclass(frozen=True, slots=True)
class Bounds:
    """Absolute limits of one arrival: times in [earliest, latest], |value| ≤ max_abs_value.

    The default bounds nothing (the replay CLI and the benchmarks judge files as they are)."""

    earliest: float = -math.inf
    latest: float = math.inf
    max_abs_value: float = math.inf

    def time_problem(self, t: float) -> str | None:
        """Why ``t`` (POSIX seconds) is not a plausible record time, or None."""
        if t < self.earliest:
            return f"time {_show(t)} is before the earliest plausible {_show(self.earliest)}"
        if t > self.latest:
            return f"time {_show(t)} is after the latest plausible {_show(self.latest)}"
        return None

    def value_problem(self, value: float) -> str | None:
        if abs(value) > self.max_abs_value:
            return f"value {value!r} exceeds the plausible magnitude {self.max_abs_value:g}"
        return None

    def all_plausible(self, t: F64, value: F64) -> bool:
        """True when every (time, value) pair of the columns is within the bounds."""
        if not t.shape[0]:
            return True
        return bool(
            (t >= self.earliest).all()
            and (t <= self.latest).all()
            and (np.abs(value) <= self.max_abs_value).all()
        )


UNBOUNDED = Bounds()


def _show(t: float) -> str:
    """A time as local ISO text; one outside the calendar (year 0, 10000) as its seconds."""
    try:
        return str(iso_local(t))
    except (ValueError, OverflowError, OSError):
        return f"{t:.0f} s"


def bounds_at(now: float, on: dt.date | None = None) -> Bounds:
    """The limits in force on ``on`` (newest when None) for records arriving at ``now``."""
    rules = edition_in_force(PACKAGE, "plausibility", on)
    earliest = parse_local(str(rules["earliest_time"]["value"]))
    if earliest is None:
        raise ValueError("plausibility.yaml: earliest_time is not yyyy-MM-dd HH:mm:ss")
    ahead = float(rules["max_ahead_seconds"]["value"])
    return Bounds(earliest, now + ahead, float(rules["max_abs_value"]["value"]))
