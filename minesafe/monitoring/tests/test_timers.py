"""Timers: the runner sleeps until the engine's next deadline; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest

from minesafe.monitoring import runner
from minesafe.monitoring.models import Alarm, EngineCheckpoint
from minesafe.monitoring.tests import files
from minesafe.testing import World

pytestmark = pytest.mark.django_db(transaction=True)


def live_files(code: str, now: float) -> list[tuple[str, bytes]]:
    """Two points polled every second; point 1 falls silent at ``now + 3``, point 2 goes on
    to ``now + 8``: point 1's line_break is due at ``now + 6`` (3 polling cycles). The files
    are all there at the start; the timer alone must wake the runner at the deadline."""
    base = int(now)
    start = dt.datetime.fromtimestamp(base - 8, dt.UTC)
    out = [files.cddy(code, points=2, at=start)]
    for i in range(1, 17):
        at = start + dt.timedelta(seconds=i)
        value = 0.3 + (i % 3) / 10
        values = {1: value, 2: value} if i <= 11 else {2: value}
        out.append(files.cdss(code, at, values))
    return out


def build(folder: Path, tmp: Path, *extra: str) -> runner.Runner:
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--worker", "live", "--no-archive", "--poll", "0.2",
         "--quarantine", str(tmp / "q.jsonl"), *extra]
    )  # fmt: skip
    return runner.build_runner(args)


def test_mon3_line_break_raised_at_its_deadline_by_a_timer(world: World, tmp_path: Path) -> None:
    """MON-3: 3 silent polling cycles ⇒ line_break, stored within a second of the deadline."""
    folder = tmp_path / "in"
    folder.mkdir()
    started = time.time()
    for name, data in live_files(world.mine_a.code, started):
        (folder / name).write_bytes(data)
    live = build(folder, tmp_path, "--max-seconds", "11")
    asyncio.run(live.run())
    alarm = Alarm.objects.get(mine=world.mine_a, kind="line_break")
    assert alarm.point_code == files.point(world.mine_a.code, 1)
    last_reading = dt.datetime.fromtimestamp(int(started) + 3, dt.UTC)
    deadline = last_reading + dt.timedelta(seconds=3)
    assert alarm.opened_at >= last_reading
    lag = (alarm.created_at - deadline).total_seconds()
    assert -0.1 <= lag < 1.0, lag


def test_mon1_sigterm_stops_the_runner_with_a_final_checkpoint(world, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in files.episode(world.mine_a.code):
        (folder / name).write_bytes(data)
    live = build(folder, tmp_path, "--checkpoint-every", "3600", "--max-seconds", "30")

    async def main() -> runner.Stats:
        asyncio.get_running_loop().call_later(1.5, os.kill, os.getpid(), signal.SIGTERM)
        return await runner.serve(live)

    # A safety net: should the runner not install its handler, SIGTERM must not kill pytest.
    previous = signal.signal(signal.SIGTERM, lambda *args: None)
    try:
        started = time.monotonic()
        stats = asyncio.run(main())
        assert time.monotonic() - started < 20  # stopped by the signal, not by --max-seconds
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stats.files == 13
    checkpoint = EngineCheckpoint.objects.get(worker="live")
    assert len(checkpoint.processed_files) == 13 and checkpoint.snapshot
