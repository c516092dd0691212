"""The checkpoint is written off the consuming path (issue 6 §7): while one is being stored,
the engine goes on judging the next batches, and nothing is acknowledged before it commits."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

import pytest

from minesafe.monitoring import runner
from minesafe.monitoring.models import ReadingStat
from minesafe.monitoring.sink import Sink
from minesafe.monitoring.sources import DirectorySource
from minesafe.monitoring.tests import files
from minesafe.testing import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_mon2_engine_consumes_while_a_checkpoint_is_written(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    episode = files.episode(world.mine_a.code, cycles=20)
    for name, data in episode:
        (folder / name).write_bytes(data)
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--once", "--worker", "w", "--batch", "1", "--no-archive",
         "--quarantine", str(tmp_path / "q.jsonl")]
    )  # fmt: skip
    built = runner.build_runner(args)
    for pool in {built._pool, built._writer}:
        pool.shutdown()
    run = runner.Runner(
        built.pipeline,
        built.sink,
        built.sources,
        dataclasses.replace(built.options, separate_writer=True),
        built.quarantine,
        state=built.state,
    )
    (source,) = run.sources
    assert isinstance(source, DirectorySource)
    real = Sink.checkpoint
    during: list[tuple[int, int]] = []

    def slow_checkpoint(self: Sink, *a: Any, **kw: Any) -> Any:
        if not during:  # the first one: hold it until the engine has judged everything
            end = time.monotonic() + 20
            while run.stats.files < len(episode) and time.monotonic() < end:
                time.sleep(0.01)
            during.append((run.stats.files, len(source.processed)))
        return real(self, *a, **kw)

    monkeypatch.setattr(Sink, "checkpoint", slow_checkpoint)
    stats = asyncio.run(run.run())
    judged, acknowledged = during[0]
    assert judged == len(episode)  # every batch judged while the first checkpoint was written
    assert acknowledged == 0  # … and none acknowledged before a checkpoint committed
    assert stats.files == len(episode) and len(source.processed) == len(episode)
    minute = ReadingStat.objects.filter(mine=world.mine_a, period=60)
    assert sum(minute.values_list("count", flat=True)) == 20
