"""``minesafe rules …`` (issue 2 §5): JSON on stdout, exit 0; bad arguments exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from minesafe.citations import cite
from minesafe.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minesafe", "rules", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_reg8_project_approval_command_prints_json() -> None:
    done = run(
        "project-approval",
        "--kind",
        "new",
        "--capacity",
        "100",
        "--depth",
        "500",
        "--gas-grade",
        "high",
        "--rock-burst",
        "no",
        "--hydro-type",
        "medium",
        "--size",
        "medium",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["allowed"] is False
    assert result["reasons"][0] == {
        "rule": "REG-8",
        "text": "停止审批新建和改扩建后产能低于120万吨/年的煤矿",
        "source": cite("002:55"),
        "id": "min_capacity_general",
    }


def test_acc2_accident_grade_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "rules",
                "accident-grade",
                "--deaths",
                "0",
                "--serious-injuries",
                "12",
                "--direct-loss",
                "100",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == {"grade": "serious", "by": ["serious_injuries"]}


@pytest.mark.parametrize(
    "args",
    [
        ["accident-grade", "--deaths", "-1", "--serious-injuries", "0", "--direct-loss", "0"],
        ["accident-grade", "--deaths", "x", "--serious-injuries", "0", "--direct-loss", "0"],
        ["accident-grade", "--deaths", "1"],
        [
            "project-approval",
            "--kind",
            "rebuild",
            "--capacity",
            "1",
            "--depth",
            "1",
            "--gas-grade",
            "low",
            "--rock-burst",
            "no",
            "--hydro-type",
            "simple",
            "--size",
            "small",
        ],
        ["nonsense"],
    ],
)
def test_bad_arguments_exit_2_with_a_message(args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert "error:" in done.stderr
    assert done.stdout == ""
