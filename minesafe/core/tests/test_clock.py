"""The clocks that run the regulation's deadlines (HAZ-2 time limits, MON-4 escalation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management.base import CommandError

from minesafe.core.clock import Stopper, eventful, parse_now, run_clocks

NOW = dt.datetime(2026, 1, 31, 23, 59, tzinfo=dt.UTC)


@dataclass
class Report:
    name: str

    def as_dict(self) -> dict[str, Any]:
        return {"clock": self.name}


def test_run_clocks_runs_every_clock_and_survives_a_failing_one() -> None:
    """One clock raising must not stop the others (a hazard bug must not stop alarm escalation)."""
    stopper, calls, lines = Stopper(), [], []

    def good(now: dt.datetime) -> Report:
        calls.append(now)
        if len(calls) == 3:
            stopper.stop()
        return Report("good")

    def bad(now: dt.datetime) -> Report:
        raise RuntimeError("boom")

    run_clocks([(good, 0.0), (bad, 0.0)], stopper, now=lambda: NOW, log=lines.append)
    assert calls == [NOW] * 3
    assert sum('"clock": "good"' in line for line in lines) == 3
    assert sum("boom" in line for line in lines) == 3


def test_run_clocks_stops_when_the_parent_is_gone() -> None:
    calls: list[dt.datetime] = []
    alive = iter([True, False])
    run_clocks(
        [(lambda now: calls.append(now) or Report("x"), 0.0)],
        Stopper(),
        now=lambda: NOW,
        alive=lambda: next(alive),
        log=lambda line: None,
    )
    assert calls == [NOW]


def test_parse_now_reads_local_time_and_refuses_garbage() -> None:
    assert parse_now("2026-02-28T08:00:00+08:00").utcoffset() == dt.timedelta(hours=8)
    assert parse_now("2026-02-28T08:00:00").tzinfo is not None
    with pytest.raises(CommandError, match="--now"):
        parse_now("yesterday")


def test_a_tick_that_did_nothing_is_not_logged() -> None:
    assert not eventful({"cases": 0, "escalated": 0})
    assert eventful({"cases": 0, "escalated": 2})
    assert eventful({"clock": "good"})
