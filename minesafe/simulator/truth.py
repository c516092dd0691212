"""The ground truth of a run: for each scripted incident, the alarms it must raise (MON-2, MON-3,
MON-5).

Derived from what the simulator actually wrote (each point incident's trace of time, value,
status and whether the record was sent; the headcounts of the personnel snapshots), never from
the script alone: a surge whose peak stays under the alarm threshold expects no over-limit.
Times are approximate by nature for the detectors that need a stretch of evidence
(flat line, line break, network down); ``opened_at`` is then when the evidence starts and
``detect_after_s`` in the incident record says how long a detector may wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minesafe.simulator.catalogue import PointTable
from minesafe.simulator.incidents import (
    HIGH_FREQUENCY,
    HIGH_VALUE,
    HIGH_VALUE_RESTORE,
    LONG_DURATION_S,
    Incident,
)
from minesafe.simulator.render import CHINA


def iso(t: float | None) -> str | None:
    return None if t is None else dt.datetime.fromtimestamp(t, CHINA).isoformat()


def episodes(
    trace: Iterable[tuple[float, float, int, bool]],
    starts: Callable[[float, int], bool],
    holds: Callable[[float, int], bool],
) -> list[tuple[float, float | None, float]]:
    """(opened, closed, peak) of each stretch of sent readings that ``starts`` opens and that
    lasts while ``holds``; closed is the time of the first sent reading that no longer holds."""
    out: list[tuple[float, float | None, float]] = []
    opened: float | None = None
    peak = 0.0
    for t, v, st, sent in trace:
        if not sent:
            continue
        if opened is None and starts(v, st):
            opened, peak = t, v
        elif opened is not None and holds(v, st):
            peak = max(peak, v)
        elif opened is not None:
            out.append((opened, t, peak))
            opened = None
    if opened is not None:
        out.append((opened, None, peak))
    return out


def own(
    inc: Incident, starts: Callable[[float, int], bool], holds: Callable[[float, int], bool]
) -> list[tuple[float, float | None, float]]:
    """The episodes of the incident point's trace that open within the incident's window."""
    return [e for e in episodes(inc.trace, starts, holds) if inc.at <= e[0] < inc.until]


def expected_alarm(
    kind: str, mine: str, subject: str, opened: float, closed: float | None, **more: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "mine_code": mine,
        "subject": subject,
        "opened_at": iso(opened),
        "closed_at": iso(closed),
        **more,
    }


def point_expectations(inc: Incident, points: PointTable, mine: str) -> list[dict[str, Any]]:
    """Expected alarms of a point incident from its trace (the point's every cycle; only the
    episodes that open within this incident's window are its own)."""
    p = inc.point
    code = str(points.code[p])
    th = {k: float(v[p]) for k, v in points.thresholds.items()}
    out: list[dict[str, Any]] = []
    if inc.kind == "gas_surge":
        alarm, restore = th["alarm"], th["restore"]
        last = inc.trace[-1][0] if inc.trace else inc.until
        for o, c, peak in own(inc, lambda v, s: v >= alarm, lambda v, s: v >= restore):
            out.append(expected_alarm("over_limit", mine, code, o, c, peak=peak))
            if (last if c is None else c) - o >= LONG_DURATION_S:
                out.append(expected_alarm("long_duration", mine, code, o, c, peak=peak))
        for o, c, peak in own(
            inc, lambda v, s: v >= HIGH_VALUE, lambda v, s: v >= HIGH_VALUE_RESTORE
        ):
            out.append(expected_alarm("high_value", mine, code, o, c, peak=peak))
        off, on = th["power_off"], th["power_on"]
        if not np.isnan(off):
            # power must stay cut from the power-off threshold until below power-on (复电)
            on = off if np.isnan(on) else on

            def failed(v: float, s: int) -> bool:
                return v >= off and not s & 2

            def still(v: float, s: int) -> bool:
                return v >= on and not s & 2

            for o, c, peak in own(inc, failed, still):
                out.append(expected_alarm("power_off_failed", mine, code, o, c, peak=peak))
    elif inc.kind == "air_blown":
        # evidence from the drop to near zero until the sensor reads normally again
        out.append(expected_alarm("air_blown", mine, code, inc.at + inc.params["rise"], inc.until))
    else:
        out.append(expected_alarm(inc.kind, mine, code, inc.at, inc.until))
    return out


def incident_record(
    inc: Incident, mine: str, subject: str, alarms: list[dict[str, Any]]
) -> dict[str, Any]:
    """One entry of ``incidents.json``: what was scripted and what it must raise."""
    return {
        "kind": inc.kind,
        "mine_code": mine,
        "subject": subject,
        "at": iso(inc.at),
        "until": iso(inc.until),
        "params": {k: v for k, v in inc.params.items() if v is not None},
        "expected": alarms,
    }


def high_frequency(records: list[dict[str, Any]], end: float) -> list[dict[str, Any]]:
    """MON-2 "high frequency": several scripted surges of one point raise, beyond their own
    alarms, one ``high_frequency`` at the N-th over-limit within the window; it ends when the
    first of those leaves the window (still open if that is after the end of the run)."""
    n, window = HIGH_FREQUENCY
    opens: dict[tuple[str, str], list[float]] = {}
    for rec in records:
        for a in rec["expected"]:
            if a["kind"] == "over_limit":
                t = dt.datetime.fromisoformat(a["opened_at"]).timestamp()
                opens.setdefault((a["mine_code"], a["subject"]), []).append(t)
    out = []
    for (mine, subject), times in sorted(opens.items()):
        times.sort()
        for i in range(n - 1, len(times)):
            if times[i] - times[i - n + 1] <= window:
                closes = times[i - n + 1] + window
                out.append(expected_alarm("high_frequency", mine, subject, times[i],
                                          None if closes > end else closes))  # fmt: skip
                break
    return out
