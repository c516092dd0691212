"""Staying up: an engine worker outlives a NATS restart, resuming from its checkpoint with no
reading lost and none counted twice, and the same alarms as a worker that ran without
interruption (MON-1). The real server is restarted with the command line it runs with.

The worker is a real ``minesafe engine run`` process on a database of its own (see
``test_scaleout``); the stream is published in two halves, the restart between them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minesafe.monitoring.tests import brokerutil
from minesafe.monitoring.tests.conftest import require_service
from minesafe.monitoring.tests.test_scaleout import (
    ALARMS,
    ROOT,
    STATS,
    Database,
    databases,  # noqa: F401  (a fixture)
    env,
    postgres_pair,
    publish,
    readings_per_point,
    simulation,
    wait_for,
)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def restart_nats() -> None:
    """Stop the NATS server and start it again with the same command line (its JetStream
    store on disk survives)."""
    pid = int(
        subprocess.run(
            ["pgrep", "-o", "nats-server"], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    os.kill(pid, signal.SIGTERM)
    wait_for("NATS to stop", lambda: not _port_open(4222), 20)
    time.sleep(1.0)  # the worker notices the broker gone
    subprocess.Popen(
        [a.decode() for a in argv],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for("NATS to start", lambda: _port_open(4222), 30)
    wait_for("JetStream to answer again", _jetstream_ready, 60)


def _jetstream_ready() -> bool:
    """The restarted server has recovered its streams (the next tests lease through its KV)."""

    async def ask() -> None:
        import nats

        nc = await nats.connect(
            "nats://127.0.0.1:4222", connect_timeout=2, max_reconnect_attempts=0
        )
        try:
            await nc.jetstream().account_info()
        finally:
            await nc.close()

    try:
        brokerutil.run(ask())
    except Exception:
        return False
    return True


def worker(names: dict[str, str], db: Database, tmp: Path, name: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "minesafe", "engine", "run",
        "--nats", names["url"], "--stream", names["stream"], "--subjects", names["subjects"],
        "--worker", name, "--clock", "data", "--no-archive", "--checkpoint-every", "0.5",
        "--quarantine", str(tmp / f"{name}.q.jsonl"), "--batch", "100", *extra,
    ]  # fmt: skip


def settled(names: dict[str, str], durable: str) -> bool:
    """The worker has committed and acknowledged everything published."""
    try:
        info = brokerutil.run(brokerutil.consumer_info(names["url"], names["stream"], durable))
    except Exception:  # the broker or the consumer not there yet
        return False
    return bool(info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq)


def counted(db: Database) -> Counter[tuple[str, str]]:
    return Counter({(code, point): int(n) for code, point, n in db.rows(STATS)})


def run_through_a_restart(
    names: dict[str, str], db: Database, reference: Database, tmp: Path, restart: Any
) -> str:
    """Half the stream, the restart, the other half: every reading stored once, and the alarms
    of an uninterrupted worker."""
    sim = simulation()
    files = list(sim.definitions()) + [f for k in range(sim.cycles) for f in sim.cycle_files(k)]
    half = len(files) // 2
    expected = readings_per_point(files)
    log = (tmp / "worker.log").open("wb")
    proc = subprocess.Popen(
        worker(names, db, tmp, "survivor"), env=env(db), cwd=ROOT, stdout=log, stderr=log
    )
    try:
        publish(names, files[:half])
        first = readings_per_point(files[:half])
        wait_for("the first half stored", lambda: sum(counted(db).values()) > 0, 120)
        restart()
        publish(names, files[half:])
        wait_for("every message acknowledged", lambda: settled(names, "survivor"), 240)
        assert proc.poll() is None, (tmp / "worker.log").read_text()[-3000:]
        assert sum(first.values()) < sum(expected.values())
    finally:
        proc.send_signal(signal.SIGTERM)  # the final checkpoint writes the minutes still open
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a hung worker consuming beside the next tests
            proc.wait(10)
            raise
    assert counted(db) == expected  # nothing lost, nothing twice, after the final checkpoint
    subprocess.run(
        worker(names, reference, tmp, "reference", "--once"),
        env=env(reference),
        cwd=ROOT,
        check=True,
        timeout=300,
        capture_output=True,
    )
    assert db.rows(ALARMS) == reference.rows(ALARMS) and db.rows(ALARMS)
    return (tmp / "worker.log").read_text()


def test_mon1_a_worker_outlives_a_nats_restart(
    nats_stream: dict[str, str],
    databases: tuple[Database, Database],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    db, reference = databases
    run_through_a_restart(nats_stream, db, reference, tmp_path, restart_nats)


def restart_postgresql() -> None:
    """Restart the PostgreSQL cluster the suite runs on, as an operator would (every open
    connection is cut; the test process's own are dropped and reopen on next use)."""
    from django.db import connections

    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        timeout=120,
        capture_output=True,
    )
    wait_for("PostgreSQL to answer", lambda: _port_open(5432), 60)
    connections.close_all()


#: The PostgreSQL server the restart test's workers write to, whichever database the suite is on.
POSTGRES_URL = os.environ.get("MINESAFE_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def postgres(unique: str) -> Iterator[tuple[Database, Database]]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    codes = ",".join(m.code for m in simulation().mines)
    yield from postgres_pair(POSTGRES_URL, unique, codes)


@pytest.mark.xfail(
    strict=False,
    reason="known defect: a restart that lands while the worker idles can leave it waiting "
    "without consuming, and deaf to SIGTERM (seen once in four runs); see docs/monitoring.md",
)
def test_mon1_a_worker_outlives_a_postgresql_restart(
    nats_stream: dict[str, str], postgres: tuple[Database, Database], tmp_path: Path
) -> None:
    db, reference = postgres
    # The dropped connection is replaced by the health check, or the worker starts again from
    # its checkpoint: either way nothing is lost or doubled (checked inside).
    run_through_a_restart(nats_stream, db, reference, tmp_path, restart_postgresql)
