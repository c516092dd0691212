"""The simulator's own guarantees: determinism, valid family-A files, realistic quiet values,
a clear error for every bad incident spec (MON-1, issue 3 §5). No database, no broker."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minesafe.engine.familya import parse_cdss_many, parse_family_a
from minesafe.simulator.catalogue import make_mines, make_points, mine_layout
from minesafe.simulator.cli import duration, stream
from minesafe.simulator.incidents import SpecError, parse_spec
from minesafe.simulator.render import CHINA
from minesafe.simulator.signals import quiet_values
from minesafe.simulator.sim import SimConfig, SimFile, Simulation


def digest(sim: Simulation) -> str:
    h = hashlib.sha256()
    for f in sim.files():
        h.update(f.name.encode() + b"\0" + f.data)
    return h.hexdigest()


def test_mon1_same_seed_same_bytes_other_seed_other_bytes() -> None:
    cfg = SimConfig(mines=2, points_per_mine=30, duration_s=900, incidents="gas_surge@at=100")
    assert digest(Simulation(cfg)) == digest(Simulation(cfg))
    other = SimConfig(**{**cfg.__dict__, "seed": 2})
    assert digest(Simulation(other)) != digest(Simulation(cfg))


def test_mon1_every_file_parses_without_quarantine() -> None:
    sim = Simulation(SimConfig(mines=3, points_per_mine=60, duration_s=1800))
    files = list(sim.files())
    kinds = {f.file_type for f in files}
    assert kinds == {"CDDY", "CDSS", "RYQY", "RYXX", "RYSS"}
    points = 0
    for f in files:
        parsed = parse_family_a(f.name, f.data)
        assert parsed.quarantine == [], (f.name, parsed.quarantine[:3])
        assert parsed.mine_code == f.mine_code and parsed.file_type == f.file_type
        points += len(parsed.points)
    assert points == 3 * 60
    readings, quarantine = parse_cdss_many((f.name, f.data) for f in files if f.file_type == "CDSS")
    assert quarantine == []
    assert len(readings) == 3 * 60 * sim.cycles


def test_mon1_file_names_and_codes_follow_the_national_format() -> None:
    sim = Simulation(SimConfig(mines=2, points_per_mine=40, duration_s=60))
    f = next(f for f in sim.files() if f.file_type == "CDSS")
    assert f.name == f"{f.mine_code}_CDSS_20260302000000.txt"
    assert len(f.mine_code) == 12 and f.mine_code.isdigit()
    assert f.data.endswith(b"~||")
    record = f.data.decode().split("~")[1].split(";")
    assert len(record[0]) == 28 and record[0].startswith(f.mine_code)
    assert record[6] == "2026-03-02 00:00:00"
    cddy = next(f for f in sim.files() if f.file_type == "CDDY")
    first = cddy.data.decode().split("~")[1].split(";")
    assert len(first) == 24 and len(first[2]) == 17


def test_mon1_layout_keeps_whole_faces_within_the_regulation_limits() -> None:
    slots = mine_layout(300)
    assert len(slots) == 300
    corners = [s for s in slots if s.position == "coal_face_corner_ch4"]
    headings = [s for s in slots if s.position == "dev_face_ch4"]
    assert len(corners) == 3 and len(headings) == 9  # 第五十三条
    for face in corners:
        returns = [s for s in slots if s.prefix == face.prefix and s.position.startswith("coal")]
        assert {s.position for s in returns} >= {"coal_face_ch4", "coal_face_return_ch4"}
    assert len(mine_layout(5)) == 5


def test_mon1_quiet_values_stay_inside_alarm_thresholds_day_and_night() -> None:
    mines = make_mines(50, seed=3)
    points = make_points(mines, 120, seed=3)
    t0 = dt.datetime(2026, 3, 2, tzinfo=CHINA).timestamp()
    seen = []
    for k, t in enumerate(np.arange(t0, t0 + 7 * 86400, 3 * 3600)):
        v = quiet_values(points, float(t), k, seed=3)
        for name in ("alarm", "power_off"):
            th = points.thresholds[name]
            assert not (v[~np.isnan(th)] >= th[~np.isnan(th)]).any()
        low = points.thresholds["lower_alarm"]
        assert not (v[~np.isnan(low)] <= low[~np.isnan(low)]).any()
        seen.append(v[points.kind == "methane"])
    methane = np.array(seen)
    assert methane.min() > 0.05  # never "near zero": no false air-blown evidence
    assert np.ptp(methane, axis=0).min() > 0.05  # diurnal swing: no false flat line


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("boom@mine=1", "unknown incident kind"),
        ("gas_surge@mine=1,colour=red", "unknown parameter 'colour'"),
        ("gas_surge@peak=high", "peak='high' is not a number"),
        ("flat_line@dur=0", "dur > 0"),
        ("gas_surge@mine=9", "mine must be 1..2"),
        ("gas_surge@point=2", "not a methane sensor"),
        ("flat_line@point=4", "is a switch"),
        ("line_break@point=99", "point must be 1..40"),
    ],
)
def test_bad_incident_specs_are_refused_with_the_part_named(spec: str, message: str) -> None:
    with pytest.raises((SpecError, ValueError), match=message):
        Simulation(SimConfig(mines=2, points_per_mine=40, incidents=spec))


def test_incident_spec_defaults_and_several_incidents() -> None:
    out = parse_spec(" gas_surge@mine=2,peak=3 ; network_down ;")
    assert [i.kind for i in out] == ["gas_surge", "network_down"]
    assert out[0].mine == 1 and out[0].params["peak"] == 3.0 and out[0].at == 600.0
    assert out[1].dur == 300.0


def test_duration_option_units() -> None:
    assert duration("90") == 90 and duration("10m") == 600 and duration("2h") == 7200
    with pytest.raises(argparse.ArgumentTypeError):
        duration("soon")


class Recorder:
    def __init__(self) -> None:
        self.files: list[SimFile] = []

    def write(self, f: SimFile) -> None:
        self.files.append(f)

    def close(self) -> None:
        return None


def test_speed_paces_cycles_against_an_injected_clock() -> None:
    sim = Simulation(SimConfig(mines=1, points_per_mine=10, duration_s=60, personnel=False))
    now = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        now[0] += s

    sent = stream(sim, Recorder(), speed=10.0, clock=lambda: now[0], sleep=sleep)
    assert sent == 1 + 6
    assert sleeps == pytest.approx([1.0] * 5)  # 10 s cycles at 10× real time


def test_cli_writes_files_truth_and_mines(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "minesafe", "simulate", "--mines", "2", "--duration", "5m",
           "--out", str(out), "--incidents", "line_break@at=60,dur=120", "--seed", "4"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (out / "incidents.json").exists() and (out / "mines.json").exists()
    assert len(list(out.glob("*_CDSS_*.txt"))) == 2 * 30
    bad = subprocess.run([*cmd[:-2], "--incidents", "boom"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown incident kind" in bad.stderr


def test_mon1_mqtt_payload_round_trips_through_the_adapter_and_parser() -> None:
    from minesafe.engine.brokers import mqtt_to_family_a
    from minesafe.simulator.sinks import cdss_json

    sim = Simulation(SimConfig(mines=1, points_per_mine=20, duration_s=20, personnel=False))
    f = next(f for f in sim.files() if f.file_type == "CDSS")
    payload = json.dumps(cdss_json(f), ensure_ascii=False).encode()
    name, data = mqtt_to_family_a(payload)
    assert name == f.name
    readings, quarantine = parse_cdss_many([(name, data)])
    original, _ = parse_cdss_many([(f.name, f.data)])
    assert quarantine == [] and len(readings) == len(original) == 20
    assert readings.value.tolist() == original.value.tolist()
    assert readings.status.tolist() == original.status.tolist()


def test_an_incident_leaves_the_rest_of_the_county_untouched() -> None:
    base = SimConfig(mines=2, points_per_mine=40, duration_s=5400)
    spiced = SimConfig(**{**base.__dict__, "incidents": "over_staffing@mine=2,at=3600,dur=600"})
    quiet = {f.name: f.data for f in Simulation(base).files()}
    busy = {f.name: f.data for f in Simulation(spiced).files()}
    assert quiet.keys() == busy.keys()
    changed = {n for n in quiet if quiet[n] != busy[n]}
    mine2 = Simulation(base).mines[1].code
    assert changed and all(n.startswith(mine2) for n in changed)
    assert {n.split("_")[1] for n in changed} == {"RYXX", "RYSS"}
