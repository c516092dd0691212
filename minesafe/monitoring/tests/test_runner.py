"""The runner over a directory: alarms in the database, checkpoints, restart without loss or
duplicates, malformed input quarantined (issue 3 §3–§5)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from minesafe.monitoring import cli as monitoring_cli
from minesafe.monitoring import runner
from minesafe.monitoring.models import Alarm, EngineCheckpoint, ReadingStat, SensorPoint
from minesafe.monitoring.quarantine import QuarantineFile
from minesafe.monitoring.sources import order_key
from minesafe.monitoring.tests import files
from minesafe.testing import World

pytestmark = pytest.mark.django_db(transaction=True)


def write(folder: Path, items: list[tuple[str, bytes]]) -> None:
    for name, data in items:
        (folder / name).write_bytes(data)


def run_once(folder: Path, tmp: Path, worker: str = "w", *extra: str) -> runner.Stats:
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--once", "--worker", worker, "--archive", str(tmp / "archive"),
         "--quarantine", str(tmp / "q.jsonl"), *extra]
    )  # fmt: skip
    return asyncio.run(runner.build_runner(args).run())


def alarm_rows(mine_code: str) -> list[tuple]:
    return sorted(
        # Before noon: the test world's own alarm of the same point is at noon.
        Alarm.objects.filter(
            mine__code=mine_code,
            kind="over_limit",
            opened_at__lt=files.START + dt.timedelta(hours=1),
        ).values_list("point_code", "opened_at", "closed_at", "peak")
    )


def test_mon2_directory_run_stores_the_episode_points_and_stats(world: World, tmp_path: Path):
    code = world.mine_a.code
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, files.episode(code, cycles=20))  # the close comes 60 s after the last high
    stats = run_once(folder, tmp_path)
    assert stats.files == 21 and stats.readings == 20
    (row,) = alarm_rows(code)
    assert row[0] == files.point(code)
    assert row[1] == files.START + dt.timedelta(seconds=40)
    assert row[2] is not None and row[3] == pytest.approx(1.36)
    assert SensorPoint.objects.filter(mine=world.mine_a, code=files.point(code)).exists()
    minute = ReadingStat.objects.filter(mine=world.mine_a, period=60).order_by("bucket")
    assert sum(minute.values_list("count", flat=True)) == 20
    checkpoint = EngineCheckpoint.objects.get(worker="w")
    assert len(checkpoint.processed_files) == 21 and checkpoint.counters["readings"] == 20
    assert list((tmp_path / "archive" / code).glob("*/*.parquet"))


def test_mon1_malformed_records_are_quarantined_and_the_good_ones_kept(world, tmp_path: Path):
    code = world.mine_a.code
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, [files.cddy(code), files.cdss(code, files.START, {1: 0.3}, bad=2)])
    (folder / f"{code}_CDSS_2026112208x.txt").write_bytes(b"garbage")  # not a networking name
    (folder / f"{code}_CDSS_20261122080100.txt").write_bytes(b"\xff\xfe not utf-8")
    stats = run_once(folder, tmp_path)
    assert stats.readings == 1
    rows = QuarantineFile(tmp_path / "q.jsonl").read()
    assert [r["record"] for r in rows if "not-a-number" in r["raw"]] == [2, 3]
    assert any(r["record"] == 0 and r["file"].endswith("080100.txt") for r in rows)
    assert EngineCheckpoint.objects.get(worker="w").counters["quarantined"] == stats.quarantined


def test_mon2_restart_resumes_without_loss_or_duplicates(world: World, tmp_path: Path):
    """Stop mid-stream, restart from the checkpoint: the same alarms as one uninterrupted run."""
    code_a, code_b = world.mine_a.code, world.mine_b.code
    whole = files.episode(code_a, cycles=20, high=range(5, 12))
    first, second = whole[:9], whole[9:]
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, first)
    run_once(folder, tmp_path, "split")
    assert alarm_rows(code_a) and alarm_rows(code_a)[0][2] is None  # still open at the stop
    write(folder, second)
    run_once(folder, tmp_path, "split")
    # The uninterrupted run, on mine B with the same data.
    ref = tmp_path / "ref"
    ref.mkdir()
    write(ref, [(n.replace(code_a, code_b), d.replace(code_a.encode(), code_b.encode()))
                for n, d in whole])  # fmt: skip
    run_once(ref, tmp_path, "whole")
    split, uninterrupted = alarm_rows(code_a), alarm_rows(code_b)
    assert [r[1:] for r in split] == [r[1:] for r in uninterrupted] and len(split) == 1
    counts = [
        sum(ReadingStat.objects.filter(mine=m, period=60).values_list("count", flat=True))
        for m in (world.mine_a, world.mine_b)
    ]
    assert counts == [20, 20]


def test_mon2_rerun_after_crash_before_checkpoint_does_not_duplicate(world, tmp_path: Path):
    """Alarms committed, checkpoint lost: the replayed files change nothing."""
    code = world.mine_a.code
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, files.episode(code))
    run_once(folder, tmp_path)
    before = alarm_rows(code)
    EngineCheckpoint.objects.filter(worker="w").delete()  # as if the checkpoint never committed
    run_once(folder, tmp_path)
    assert alarm_rows(code) == before


def test_mon1_definitions_before_data_of_the_same_second() -> None:
    names = ["610000000001_CDSS_20260101000000.txt", "610000000001_CDDY_20260101000000.txt",
             "610000000001_CDSS_20251231235950.txt"]  # fmt: skip
    ordered = sorted(names, key=order_key)
    assert ordered[0].endswith("20251231235950.txt") and "CDDY" in ordered[1]


def test_mon1_runner_needs_a_source() -> None:
    with pytest.raises(SystemExit):
        monitoring_cli.main(["--once"])


def test_mon1_quarantine_reads_back_raw_text_with_unicode_line_separators(tmp_path: Path) -> None:
    quarantine = QuarantineFile(tmp_path / "q.jsonl")
    raw = "a\u2028b\x85c\x1cd"
    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    quarantine.write("runner", [{"file": "f.txt", "record": 1, "reason": "x", "raw": raw}], now)
    quarantine.write("runner", [{"file": "f.txt", "record": 2, "reason": "y", "raw": ""}], now)
    assert [(row["record"], row["raw"]) for row in quarantine.read()] == [(1, raw), (2, "")]


def test_an_idle_runner_sleeps_instead_of_spinning(world: World, tmp_path: Path, monkeypatch):
    """With no input and nothing to checkpoint the loop waits for input or a timer: over two
    seconds with a checkpoint period of 0.1 s it turns a few dozen times at most (it used to
    spin, every turn with a zero timeout, at a whole core)."""
    folder = tmp_path / "in"
    folder.mkdir()
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--worker", "idle", "--checkpoint-every", "0.1",
         "--max-seconds", "2", "--archive", str(tmp_path / "archive"),
         "--quarantine", str(tmp_path / "q.jsonl")]
    )  # fmt: skip
    worker = runner.build_runner(args)
    budgets: list[float] = []
    measure = worker._sleep_budget
    monkeypatch.setattr(worker, "_sleep_budget", lambda: budgets.append(measure()) or budgets[-1])
    asyncio.run(worker.run())
    assert budgets and len(budgets) < 60, len(budgets)
    assert min(budgets) > 0
