"""``minesafe engine replay`` end to end on a temporary directory (issue 3 §5)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from minesafe.engine.tests.helpers import MINE, T0, write_cddy, write_cdss


def main(argv: list[str]) -> Any:
    """The ``minesafe`` console entry point (imported by name: it pulls in every app)."""
    return importlib.import_module("minesafe.cli").main(argv)


def _scenario(directory: Path) -> None:
    write_cddy(
        directory, [("P1", "采煤工作面回风隅角", 1.0, 1.5), ("P2", "1301采煤工作面", 1.0, 1.5)]
    )
    p1 = [0.3] * 5 + [1.2, 1.4, 0.5] + [0.3] * 12
    for k, v in enumerate(p1):
        values = {"P1": v}
        if k < 10:
            values["P2"] = 0.2 + 0.01 * (k % 3)
        write_cdss(directory, T0 + 30 * (k + 1), values, "BAD;record~" if k == 3 else "")


def test_mon2_replay_writes_one_line_per_episode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _scenario(tmp_path)
    out, quarantine = tmp_path / "alarms.jsonl", tmp_path / "q.jsonl"
    mines = tmp_path / "mines.json"
    mines.write_text(json.dumps({MINE: {"gas_grade": "high"}}))
    rc = main(
        [
            "engine",
            "replay",
            str(tmp_path),
            "--out",
            str(out),
            "--mines",
            str(mines),
            "--quarantine",
            str(quarantine),
        ]
    )
    assert rc == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_kind = {(r["kind"], r["point_code"]): r for r in rows}
    over = by_kind[("over_limit", "P1")]
    assert over["opened_at"] == "2026-03-02T10:03:00+08:00"
    assert over["closed_at"] == "2026-03-02T10:04:00+08:00"
    assert over["peak"] == 1.4 and over["duration_s"] == 60.0
    assert over["level"] == 2  # high-gas mine
    lb = by_kind[("line_break", "P2")]
    assert lb["closed_at"] is None and lb["level"] == 3
    # 第五百三十七条（一）: a coal face with no CH4 sensor in its return airway
    assert by_kind[("missing_point", "required:ch4:face_return")]["closed_at"] is None
    assert len(rows) == 3
    bad = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert bad == [
        {
            "file": f"{MINE}_CDSS_20260302100200.txt",
            "record": 3,
            "reason": "expected 7 fields, got 2",
            "raw": "BAD;record",
        }
    ]
    err = capsys.readouterr().err
    assert "readings: 30" in err and "quarantined: 1" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["engine", "replay"],
        ["engine", "replay", "/nonexistent-dir", "--out", "x.jsonl"],
        ["engine", "replay", ".", "--out", "/nonexistent-dir/x.jsonl"],
    ],
)
def test_mon1_replay_bad_arguments_exit_2(argv: list[str]) -> None:
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = int(exc.code or 0)
    assert rc == 2


def test_mon1_replay_bad_mines_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "mines.json"
    bad.write_text("[1, 2]")
    assert (
        main(["engine", "replay", str(tmp_path), "--out", str(tmp_path / "o"), "--mines", str(bad)])
        == 2
    )
