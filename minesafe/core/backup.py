"""Backup and restore of everything the platform stores: the database, the raw-readings archive
and the uploaded files, in one folder with a manifest of digests.

The database is copied with its own tools, so a backup is consistent while the platform runs:
SQLite's online backup API, PostgreSQL's ``pg_dump`` (custom format, restored with
``pg_restore``). The archive and the uploads are tar files. ``manifest.json`` holds the SHA-256
of each part (a damaged or edited backup is refused), the migrations it was taken at and the
evidence chains' root, which ``minesafe verify`` checks again after a restore.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from minesafe.core import sealing
from minesafe.core.chain import file_digest
from minesafe.core.models import ChainHead

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup cannot be taken or restored; the message says why (in Chinese, for the CLI)."""


@dataclass(frozen=True)
class Folders:
    """The folders a backup carries beside the database."""

    archive: Path
    media: Path

    @classmethod
    def current(cls) -> Folders:
        return cls(Path(settings.VAR_DIR) / "archive", Path(settings.MEDIA_ROOT))


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump / pg_restore from the settings."""
    db = settings.DATABASES["default"]
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    args += ["-U", str(db.get("USER") or "postgres"), "-d", str(db["NAME"])]
    env = {"PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} 失败：{done.stderr.strip()[-500:]}")


def _dump_database(target: Path) -> str:
    """Copy the database into ``target``'s folder; returns the file's name."""
    if connection.vendor == "sqlite":
        name = "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target / name) as copy:
            connection.connection.backup(copy)
        return name
    if connection.vendor == "postgresql":
        name = "database.pgdump"
        args, env = _pg_env()
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(target / name), *args], env)
        return name
    raise BackupError(f"不支持的数据库：{connection.vendor}")


def _tar(folder: Path, target: Path) -> None:
    with tarfile.open(target, "w") as tar:
        if folder.exists():
            tar.add(folder, arcname=".")


def backup(destination: Path, now: dt.datetime | None = None) -> Path:
    """Take a backup into a new folder under ``destination``; returns that folder."""
    now = now or dt.datetime.now(dt.UTC)
    folder = destination / f"minesafe-backup-{now:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=False)
    folders = Folders.current()
    parts = {"database": _dump_database(folder), "archive": "archive.tar", "media": "media.tar"}
    _tar(folders.archive, folder / parts["archive"])
    _tar(folders.media, folder / parts["media"])
    days = ChainHead.objects.order_by("day").values_list("day", flat=True)
    first, last = days.first(), days.last()
    manifest = {
        "format": FORMAT,
        "taken_at": now.isoformat(),
        "vendor": connection.vendor,
        "parts": parts,
        "sha256": {name: file_digest(folder / name) for name in parts.values()},
        "migrations": _migrations(),
        "chain_root": sealing.root_of(first, last) if first and last else "",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return folder


def _migrations() -> dict[str, str]:
    """The newest applied migration of each app."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("id").values_list("app", "name"):
        latest[app] = name
    return latest


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, with every part checked against its digest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        parts, digests = manifest["parts"], manifest["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"不是有效的备份（{MANIFEST}）：{exc}") from exc
    for name in parts.values():
        path = folder / name
        if not path.exists() or file_digest(path) != digests.get(name):
            raise BackupError(f"备份文件缺失或被改动：{name}")
    return dict(manifest)


def _database_is_empty() -> bool:
    tables = set(connection.introspection.table_names())
    if "registry_mine" not in tables:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM registry_mine LIMIT 1")
        return cursor.fetchone() is None


def _restore_database(folder: Path, manifest: dict[str, Any]) -> None:
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"备份来自 {manifest['vendor']}，不能恢复到 {connection.vendor}")
    source = folder / manifest["parts"]["database"]
    if connection.vendor == "sqlite":
        connection.close()
        shutil.copyfile(source, settings.DATABASES["default"]["NAME"])
        return
    args, env = _pg_env()
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", *args, str(source)], env)


def _untar(source: Path, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with tarfile.open(source) as tar:
        tar.extractall(folder, filter="data")  # no links out, no absolute paths


def restore(folder: Path, force: bool = False) -> dict[str, Any]:
    """Restore a backup taken by :func:`backup`; refuses a database that holds mines unless
    ``force``. Returns the manifest."""
    manifest = read_manifest(folder)
    if not force and not _database_is_empty():
        raise BackupError("目标数据库已有数据；确需覆盖时加 --force")
    _restore_database(folder, manifest)
    # Sessions and signed-in users cached in front of the replaced database (settings: CACHES)
    # must not outlive it.
    caches[settings.SESSION_CACHE_ALIAS].clear()
    folders = Folders.current()
    _untar(folder / manifest["parts"]["archive"], folders.archive)
    _untar(folder / manifest["parts"]["media"], folders.media)
    return manifest
