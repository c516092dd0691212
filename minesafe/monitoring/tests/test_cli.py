"""``minesafe engine run`` is the monitoring app's: the pure engine's command group never reaches
Django, the runner gets every argument."""

from __future__ import annotations

import pytest


def test_mon1_engine_run_hands_everything_to_the_monitoring_runner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from minesafe import cli
    from minesafe.monitoring import cli as monitoring_cli

    seen: list[list[str]] = []
    monkeypatch.setattr(monitoring_cli, "django_setup", lambda: None)
    monkeypatch.setattr(monitoring_cli, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["engine", "run", "--dir", "x", "--once"]) == 0
    assert seen == [["--dir", "x", "--once"]]
