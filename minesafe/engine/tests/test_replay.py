"""Replay's cost: timers once per reading time or definition batch, never once per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from minesafe.engine.engine import Engine
from minesafe.engine.replay import replay
from minesafe.engine.tests.helpers import T0, write_cddy, write_cdss


def test_mon1_replay_runs_timers_once_per_definition_batch_not_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many definition files, each at its own time (as national data sends one per mine), then
    readings: the timer count is bounded by the reading times, not by the definition files."""
    definition_files, reading_times = 300, 5
    for k in range(definition_files):
        write_cddy(tmp_path, [(f"P{k}", "采煤工作面回风隅角", 1.0, 1.5)], at=T0 + k)
    start = T0 + definition_files + 10
    for k in range(reading_times):
        write_cdss(tmp_path, start + 30 * k, {"P0": 0.3, f"P{definition_files - 1}": 0.3})
    calls: list[float] = []
    real = Engine.on_timer

    def counting(self: Engine, now: float) -> list:  # type: ignore[type-arg]
        calls.append(now)
        return real(self, now)

    monkeypatch.setattr(Engine, "on_timer", counting)
    result = replay(tmp_path)
    assert result.counts["files"] == definition_files + reading_times
    assert result.counts["readings"] == 2 * reading_times
    # One timer after the definition batch, one per reading time (the last one at the end).
    assert len(calls) == reading_times + 1
    assert calls == sorted(calls) and calls[-1] == start + 30 * (reading_times - 1)
