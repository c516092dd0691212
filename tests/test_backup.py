"""Backup and restore (staying up): ``minesafe backup`` of a running platform, ``minesafe
restore`` into an empty database and folder, and the platform answers as before, its evidence
chains and archive files intact. Runs the real commands in subprocesses, on the suite's database
kind (SQLite files, or PostgreSQL databases of their own in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

SEED = """
import datetime as dt, django
django.setup()
from collections import Counter
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from minesafe.testing import make_world
from minesafe.monitoring.sink import CheckpointState, Offsets, Sink
from minesafe.monitoring.tests.test_sink import readings
from minesafe.core import sealing
from django.conf import settings
world = make_world()
names = lambda ref: (world.mine_a.code, "P1")
sink = Sink("seed", archive_dir=settings.VAR_DIR / "archive", names=names)
sink.add_readings(readings([1765000000.0, 1765000010.0], [0.2, 0.4]))
state = CheckpointState(b"s", Offsets(set(), 0), Counter(), 0)
sink.checkpoint(state, dt.datetime.now(dt.UTC), final=True)
sealing.seal(dt.datetime.now(dt.UTC))
"""

ANSWERS = """
import hashlib, json, django
django.setup()
from django.conf import settings
from django.test import Client
from minesafe.testing import load_world
settings.ALLOWED_HOSTS = ["testserver"]
world = load_world()
client = Client()
client.force_login(world.users["regulator_x"])
out = {}
for url in ["/api/mines/", "/api/hazards/", "/api/alarms/", world.mine_a.get_absolute_url()]:
    response = client.get(url)
    page = response.content.decode()
    body = response.json() if url.startswith("/api/") else world.mine_a.name in page
    out[url] = [response.status_code, body]
print(json.dumps(out, ensure_ascii=False, sort_keys=True))
"""


def _database_url(tmp: Path, name: str) -> str:
    """A database of the test's own, of the kind the suite runs on."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp / name}.sqlite3"
    db = settings.DATABASES["default"]
    dbname = f"minesafe_bk_{name}_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {dbname}")
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


def _drop(url: str) -> None:
    if url.startswith("postgres"):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def _run(url: str, var: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "MINESAFE_VAR_DIR": str(var)}
    env.pop("MINESAFE_CLOCK", None)
    return subprocess.run(
        [sys.executable, *argv], env=env, capture_output=True, text=True, timeout=300
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_platform_answers_as_before(tmp_path: Path) -> None:
    source, target = _database_url(tmp_path, "src"), _database_url(tmp_path, "dst")
    try:
        _ok(_run(source, tmp_path / "var-src", "-c", SEED))
        before = json.loads(_ok(_run(source, tmp_path / "var-src", "-c", ANSWERS)))
        assert all(status == 200 for status, _ in before.values()) and before["/api/mines/"][1]
        out = _ok(_run(source, tmp_path / "var-src", "-m", "minesafe", "backup", str(tmp_path)))
        (folder,) = tmp_path.glob("minesafe-backup-*")
        assert str(folder) in out

        # a session cached in front of the database the restore replaces (settings: CACHES)
        stale = tmp_path / "var-dst" / "cache" / "auth" / "stale-session.djcache"
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"")
        restored = _ok(_run(target, tmp_path / "var-dst", "-m", "minesafe", "restore", str(folder)))
        assert "存证链校验完好" in restored and "1 个归档文件" in restored
        assert not stale.exists()
        after = json.loads(_ok(_run(target, tmp_path / "var-dst", "-c", ANSWERS)))
        assert after == before
        archived = list((tmp_path / "var-dst" / "archive").rglob("*.parquet"))
        assert len(archived) == 1

        again = _run(target, tmp_path / "var-dst", "-m", "minesafe", "restore", str(folder))
        assert again.returncode != 0 and "目标数据库已有数据" in again.stderr
        part = folder / json.loads((folder / "manifest.json").read_text())["parts"]["media"]
        part.write_bytes(part.read_bytes() + b"x")
        damaged = _run(target, tmp_path / "var-dst", "-m", "minesafe", "restore", str(folder))
        assert damaged.returncode != 0 and "备份文件缺失或被改动" in damaged.stderr
    finally:
        _drop(source)
        _drop(target)
