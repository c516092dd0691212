"""Three partitioned engine workers on the real NATS JetStream; one is killed mid-stream
(issue 6 §7).

The workers are real ``python -m minesafe engine run --partitions auto`` processes. They share
a database of their own (a SQLite file in WAL mode, or a fresh PostgreSQL database when the
suite runs on PostgreSQL): pytest-django's SQLite test database lives in memory, out of reach
of other processes, so this test does not use it. The same stream is then judged by a single
uninterrupted worker (``--partitions all --once``) in a copy of the same empty database, and
both are compared with plain SQL.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minesafe.engine import brokers
from minesafe.monitoring.tests import brokerutil
from minesafe.simulator.sim import SimConfig, Simulation

ROOT = Path(__file__).resolve().parents[3]
PARTITIONS = 8
MINES = 24
INCIDENTS = (
    "gas_surge@mine=1,at=40,dur=60,peak=2.4,rise=10,fall=10;"
    "gas_surge@mine=5,at=90,dur=40,peak=1.6,rise=5,fall=5;"
    "line_break@mine=3,at=60,dur=80;"
    "gas_surge@mine=9,at=130,dur=50,peak=2.2,rise=5,fall=5,cut=1;"
    "gas_surge@mine=14,at=150,dur=40,peak=1.5,rise=5,fall=5;"
    "line_break@mine=19,at=110,dur=60;"
    "gas_surge@mine=22,at=170,dur=50,peak=1.8,rise=5,fall=5"
)
SETUP = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minesafe.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from bench.engine_nats import register_mines
register_mines(sys.argv[1].split(","))
"""


def simulation() -> Simulation:
    config = SimConfig(
        mines=MINES,
        points_per_mine=20,
        duration_s=240,
        cycle_s=10,
        personnel=False,
        incidents=INCIDENTS,
        region="990101",
    )
    return Simulation(config)


class Database:
    """Where the workers write: a SQLite file or a PostgreSQL database, read with plain SQL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            for attempt in range(20):  # a read racing the writers' WAL checkpoint: try again
                db = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=20)
                try:
                    return db.execute(sql).fetchall()
                except sqlite3.DatabaseError:
                    if attempt == 19:
                        raise
                    time.sleep(0.1)
                finally:
                    db.close()
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as db:
            return db.execute(sql).fetchall()


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    base = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(sql)


@pytest.fixture
def databases(tmp_path: Path, unique: str) -> Iterator[tuple[Database, Database]]:
    """Two empty databases with the simulator's mines registered: the kill run, the reference."""
    codes = ",".join(m.code for m in simulation().mines)
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("postgres"):
        yield from postgres_pair(configured, unique, codes)
        return
    paths = [tmp_path / "kill.sqlite3", tmp_path / "ref.sqlite3"]
    setup(f"sqlite:///{paths[0]}", codes)
    db = sqlite3.connect(paths[0])
    db.execute("PRAGMA journal_mode=DELETE")  # one file to copy, no WAL left behind
    db.close()
    shutil.copy(paths[0], paths[1])
    yield Database(f"sqlite:///{paths[0]}"), Database(f"sqlite:///{paths[1]}")


def postgres_pair(configured: str, unique: str, codes: str) -> Iterator[tuple[Database, Database]]:
    """The two databases on the PostgreSQL server of ``configured``, dropped afterwards."""
    base = configured.rsplit("/", 1)[0]
    names = [f"msk_{unique}_kill", f"msk_{unique}_ref"]
    _pg_admin(configured, f"CREATE DATABASE {names[0]}")
    urls = [f"{base}/{n}" for n in names]
    setup(urls[0], codes)
    _pg_admin(configured, f"CREATE DATABASE {names[1]} TEMPLATE {names[0]}")
    yield Database(urls[0]), Database(urls[1])
    for name in names:
        _pg_admin(configured, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def env(db: Database) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": db.url, "PYTHONPATH": str(ROOT)}


def setup(url: str, codes: str) -> None:
    subprocess.run(
        [sys.executable, "-c", SETUP, codes],
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=True,
        timeout=120,
    )


def engine(names: dict[str, str], db: Database, tmp: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "minesafe", "engine", "run",
        "--nats", names["url"], "--stream", names["stream"], "--subjects", names["subjects"],
        "--partition-count", str(PARTITIONS), "--clock", "data", "--no-archive",
        "--quarantine", str(tmp / "q.jsonl"), "--batch", "100", *extra,
    ]  # fmt: skip


def publish(names: dict[str, str], files: list[Any]) -> None:
    import asyncio

    async def send() -> None:
        import nats

        nc = await nats.connect(names["url"])
        js = nc.jetstream()
        await brokers.ensure_stream(js, names["stream"], [names["subjects"]], PARTITIONS)
        prefix = names["prefix"]
        for f in files:
            subject = brokers.subject(f.mine_code, PARTITIONS, prefix)
            await js.publish(subject, f.data, headers={"Nats-Msg-Id": f.name})
        await nc.close()

    asyncio.run(send())


def lease_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def running(events: list[dict[str, Any]]) -> dict[int, str]:
    """Partition → worker of the partitions started and not stopped, per the lease log."""
    now: dict[int, str] = {}
    for e in sorted(events, key=lambda e: e["t"]):
        if e["event"] == "start":
            now[e["partition"]] = e["worker"]
        elif now.get(e["partition"]) == e["worker"]:
            del now[e["partition"]]
    return now


def wait_for(what: str, check: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def readings_per_point(files: list[Any]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for f in files:
        if f.file_type != "CDSS":
            continue
        for record in f.data.decode().removesuffix("||").split("~")[1:]:
            if record:
                counts[(f.mine_code, record.split(";")[0])] += 1
    return counts


ALARMS = (
    "SELECT a.key, a.kind, a.level, a.opened_at FROM monitoring_alarm a "
    "JOIN registry_mine m ON m.id = a.mine_id ORDER BY a.key"
)
STATS = (
    "SELECT m.code, s.point_code, SUM(s.count) FROM monitoring_readingstat s "
    "JOIN registry_mine m ON m.id = s.mine_id WHERE s.period = 60 GROUP BY m.code, s.point_code"
)


def test_mon1_three_workers_one_killed_lose_no_reading_and_duplicate_no_alarm(
    nats_stream: dict[str, str], databases: tuple[Database, Database], tmp_path: Path, unique: str
) -> None:
    killed_db, reference_db = databases
    sim = simulation()
    definitions = list(sim.definitions())
    cycles = [list(sim.cycle_files(k)) for k in range(sim.cycles)]
    everything = definitions + [f for cycle in cycles for f in cycle]
    expected = readings_per_point(everything)
    bucket = f"LEASES_{unique}"
    log_path = tmp_path / "leases.jsonl"
    workers = {
        name: subprocess.Popen(
            engine(
                nats_stream,
                killed_db,
                tmp_path,
                "--partitions",
                "auto",
                "--worker",
                name,
                "--group",
                "kill",
                "--lease-bucket",
                bucket,
                "--lease-ttl",
                "3",
                "--lease-log",
                str(log_path),
                "--checkpoint-every",
                "0.5",
            ),
            env=env(killed_db),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"{name}.log").open("wb"),
        )
        for name in ("w1", "w2", "w3")
    }
    killed_at = 0.0
    try:
        wait_for(
            "every partition to be running on the three workers",
            lambda: (
                len(running(lease_log(log_path))) == PARTITIONS
                and len(set(running(lease_log(log_path)).values())) == 3
            ),
            40,
        )
        publish(nats_stream, definitions)
        for k, cycle in enumerate(cycles):
            publish(nats_stream, cycle)
            time.sleep(0.15)
            if k == len(cycles) // 2:
                victim = running(lease_log(log_path))
                assert "w1" in victim.values()
                workers["w1"].send_signal(signal.SIGKILL)
                killed_at = time.time()
        workers["w1"].wait(10)
        # Done: every partition running on a live worker, every message committed and acked.
        wait_for(
            "every message to be committed and acknowledged",
            lambda: (
                len(running(lease_log(log_path))) == PARTITIONS
                and "w1" not in running(lease_log(log_path)).values()
                and brokerutil.run(_all_acked(nats_stream, "kill"))
            ),
            40,
        )
    finally:
        for proc in workers.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in workers.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGUSR1)  # its stacks into the log, then gone
                time.sleep(1)
                proc.kill()
                proc.wait(5)
        brokerutil.run(_drop_bucket(nats_stream["url"], bucket))
    for name in ("w2", "w3"):
        assert workers[name].returncode == 0, (tmp_path / f"{name}.log").read_text()[-3000:]

    # Statistics of buckets still open travel in a partition's checkpoint until a stop writes
    # them; a stop that lost its lease on this loaded machine leaves them to the next owner.
    # Be that owner once, for every partition: it resumes from the checkpoints and stops.
    subprocess.run(
        engine(nats_stream, killed_db, tmp_path, "--partitions", "all", "--once",
               "--worker", "last", "--group", "kill"),
        env=env(killed_db), cwd=ROOT, check=True, timeout=120, capture_output=True,
    )  # fmt: skip

    # The reference: one uninterrupted worker over the whole stream.
    subprocess.run(
        engine(nats_stream, reference_db, tmp_path, "--partitions", "all", "--once",
               "--worker", "ref", "--group", "ref"),
        env=env(reference_db), cwd=ROOT, check=True, timeout=120, capture_output=True,
    )  # fmt: skip

    # No reading lost, none counted twice: per point, the statistics count what was published.
    for db in (killed_db, reference_db):
        counts = {(code, point): n for code, point, n in db.rows(STATS)}
        assert counts == dict(expected)
    # The same alarm episodes as the uninterrupted run, each key once.
    alarms, reference = killed_db.rows(ALARMS), reference_db.rows(ALARMS)
    kinds = Counter(kind for _, kind, _, _ in reference)
    assert kinds["over_limit"] >= 4 and kinds["line_break"] >= 1, kinds
    assert [(*a[:3], str(a[3])) for a in alarms] == [(*a[:3], str(a[3])) for a in reference]
    assert len({a[0] for a in alarms}) == len(alarms)

    # Each partition had one owner at a time: start/stop intervals never overlap, epochs grow.
    spans: dict[int, list[list[Any]]] = defaultdict(list)  # [start, stop, worker, epoch]
    for e in sorted(lease_log(log_path), key=lambda e: e["t"]):
        now = spans[e["partition"]]
        running_span = now[-1] if now and now[-1][1] is None else None
        if e["event"] == "start":
            if running_span is not None:  # only the killed worker may not have logged its stop
                assert running_span[2] == "w1" and killed_at <= e["t"], (running_span, e)
                running_span[1] = killed_at
            assert not now or now[-1][3] < e["epoch"]  # each owner a newer epoch
            now.append([e["t"], None, e["worker"], e["epoch"]])
        else:
            assert running_span is not None and running_span[2] == e["worker"], (now, e)
            running_span[1] = e["t"]
    moved = [
        p
        for p, intervals in spans.items()
        for before, after in itertools.pairwise(intervals)
        if before[2] == "w1" and after[0] >= killed_at
    ]
    assert moved  # the killed worker's partitions went on with the others
    owners = killed_db.rows("SELECT worker, epoch, owner FROM monitoring_enginecheckpoint")
    assert len(owners) == PARTITIONS and all(owner == "last" for _, _, owner in owners)


async def _all_acked(names: dict[str, str], group: str) -> bool:
    """Every partition's consumer has delivered everything and had it all acknowledged (acks
    come only after the checkpoint covering a message committed)."""
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(names["url"])
    try:
        js = nc.jetstream()
        for p in range(PARTITIONS):
            try:
                info = await js.consumer_info(names["stream"], f"{group}-p{p:02d}")
            except NotFoundError:
                return False
            if info.num_pending or info.num_ack_pending:
                return False
        return True
    finally:
        await nc.close()


async def _drop_bucket(url: str, bucket: str) -> None:
    import contextlib

    import nats

    nc = await nats.connect(url)
    try:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_key_value(bucket)
    finally:
        await nc.close()
