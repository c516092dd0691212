"""Every scripted incident yields exactly its alarms through the engine's replay, and a quiet
stream yields none (issue 3 §5; MON-2, MON-3, MON-5).

Each case simulates a small county into a directory, replays it with
:func:`minesafe.engine.replay.replay` and compares the episodes with the simulator's ground
truth: the same (kind, mine, subject) multiset — no more, no fewer — and open/close times within
what each detector legitimately needs (one polling cycle for value rules, the silence or
flatness a detector waits for, one personnel snapshot).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from minesafe.engine.cli import load_facts
from minesafe.engine.replay import replay
from minesafe.simulator.cli import stream, write_truth
from minesafe.simulator.render import CHINA
from minesafe.simulator.sim import SimConfig, Simulation
from minesafe.simulator.sinks import DirectorySink

CYCLE = 10.0
# How late a detector may report after the evidence starts (seconds), beyond one cycle: the
# engine's own parameters (minesafe/engine/data/rules.yaml) — line_break waits 3 polling
# cycles, network_down 300 s of silence, flat_line an hour of flatness.
DETECT_AFTER = {"line_break": 3 * CYCLE, "network_down": 300.0, "flat_line": 3600.0,
                "long_duration": 1800.0}  # fmt: skip
# How late a close may come: over-limit-like episodes close after a 60 s anti-flapping gap.
CLOSE_AFTER = 60.0 + CYCLE
SNAPSHOT = 60.0


def ts(text: str | None) -> float | None:
    return None if text is None else dt.datetime.fromisoformat(text).timestamp()


def simulate(
    folder: Path, incidents: str, duration: float, start: str = "2026-03-02T00:00"
) -> dict[str, Any]:
    cfg = SimConfig(mines=3, points_per_mine=40, duration_s=duration, seed=7, incidents=incidents,
                    start=dt.datetime.fromisoformat(start).replace(tzinfo=CHINA))  # fmt: skip
    sim = Simulation(cfg)
    stream(sim, DirectorySink(folder))
    write_truth(sim, folder)
    truth: dict[str, Any] = json.loads((folder / "incidents.json").read_text("utf-8"))
    return truth


def replayed(folder: Path) -> list[dict[str, Any]]:
    result = replay(folder, load_facts(folder / "mines.json"))
    assert result.quarantine == []
    return [ep.as_json() for ep in result.episodes]


def expected(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for inc in truth["incidents"] for a in inc["expected"]] + truth["combined"]


def assert_exactly(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """Same alarms (kind, mine, subject), no more, no fewer; times within each detector's due."""

    def key(a: dict[str, Any]) -> tuple[str, str, str]:
        return a["kind"], a["mine_code"], a.get("point_code", a.get("subject", ""))

    extra = Counter(map(key, got)) - Counter(map(key, want))
    missing = Counter(map(key, want)) - Counter(map(key, got))
    assert not extra and not missing, f"unexpected {dict(extra)}; missing {dict(missing)}"
    by_time = sorted(want, key=lambda a: (key(a), a["opened_at"]))
    pairs = zip(by_time, sorted(got, key=lambda a: (key(a), a["opened_at"])), strict=True)
    for w, g in pairs:
        late = DETECT_AFTER.get(w["kind"], 0.0) + CYCLE
        w_open, g_open = ts(w["opened_at"]), ts(g["opened_at"])
        assert w_open is not None and g_open is not None
        assert w_open - CYCLE <= g_open <= w_open + late, (w, g)
        w_close, g_close = ts(w["closed_at"]), ts(g["closed_at"])
        if w_close is None:
            assert g_close is None, (w, g)
        else:
            assert g_close is not None, (w, g)
            assert w_close - late <= g_close <= w_close + CLOSE_AFTER + late, (w, g)


CASES = {
    "gas_surge": ("gas_surge@mine=2,at=600,dur=300,peak=2.4", 1800,
                  ["over_limit", "high_value"]),
    "gas_surge_power_cut_failed": ("gas_surge@mine=1,at=600,dur=300,peak=2.4,cut=0", 1800,
                                   ["over_limit", "high_value", "power_off_failed"]),
    "gas_surge_below_high_value": ("gas_surge@mine=3,at=900,dur=400,peak=1.3", 1800,
                                   ["over_limit"]),
    "long_gas_surge": ("gas_surge@mine=1,at=600,dur=2400,peak=1.2", 3600,
                       ["over_limit", "long_duration"]),
    "flat_line": ("flat_line@mine=2,at=600,dur=4200", 6000, ["flat_line"]),
    "high_frequency": ("gas_surge@mine=2,at=600,dur=120,peak=1.3;gas_surge@mine=2,at=1200,"
                       "dur=120,peak=1.3;gas_surge@mine=2,at=1800,dur=120,peak=1.3", 2700,
                       ["over_limit"] * 3 + ["high_frequency"]),
    "line_break": ("line_break@mine=3,at=600,dur=300", 1800, ["line_break"]),
    "network_down": ("network_down@mine=1,at=1800,dur=900", 3600, ["network_down"]),
    "air_blown": ("air_blown@mine=2,at=600,dur=300", 1800, ["air_blown"]),
    "over_staffing": ("over_staffing@mine=2,area=2,factor=1.3,at=3600,dur=600", 5400,
                      ["over_staffing"]),
    "multi_card": ("multi_card@mine=3,person=4,at=3600,dur=600", 5400, ["multi_card"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_mon2_mon3_mon5_incident_yields_exactly_its_alarms(case: str, tmp_path: Path) -> None:
    spec, duration, kinds = CASES[case]
    truth = simulate(tmp_path, spec, duration)
    want = expected(truth)
    assert sorted(a["kind"] for a in want) == sorted(kinds)  # the script did what it says
    assert_exactly(replayed(tmp_path), want)


def test_over_staffing_marks_a_major_hazard_candidate(tmp_path: Path) -> None:
    truth = simulate(tmp_path, "over_staffing@mine=1,area=3,factor=1.3,at=3600,dur=600", 5400)
    (alarm,) = expected(truth)
    assert alarm["major_hazard_candidate"] and alarm["peak"] >= 1.2 * alarm["approved"]
    (got,) = replayed(tmp_path)
    assert got["kind"] == "over_staffing" and got["level"] == 1  # ≥ 1.2× ⇒ level I


def test_mon3_quiet_stream_across_midnight_yields_no_alarm(tmp_path: Path) -> None:
    truth = simulate(tmp_path, "", 4 * 3600, start="2026-03-02T22:00")
    assert expected(truth) == []
    assert replayed(tmp_path) == []


def test_several_incidents_in_one_county_end_to_end_through_both_clis(tmp_path: Path) -> None:
    out = tmp_path / "files"
    spec = ("gas_surge@mine=1,at=600,dur=300,peak=2.6,cut=0;line_break@mine=2,at=900,dur=200;"
            "network_down@mine=3,at=1200,dur=600;over_staffing@mine=2,at=2400,dur=300")  # fmt: skip
    sim = [sys.executable, "-m", "minesafe", "simulate", "--mines", "3", "--duration", "1h",
           "--seed", "11", "--out", str(out), "--incidents", spec]  # fmt: skip
    done = subprocess.run(sim, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    alarms = tmp_path / "alarms.jsonl"
    rep = [sys.executable, "-m", "minesafe", "engine", "replay", str(out), "--out", str(alarms),
           "--mines", str(out / "mines.json")]  # fmt: skip
    done = subprocess.run(rep, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    got = [json.loads(line) for line in alarms.read_text("utf-8").splitlines()]
    truth = json.loads((out / "incidents.json").read_text("utf-8"))
    assert len(expected(truth)) == 6
    assert_exactly(got, expected(truth))
