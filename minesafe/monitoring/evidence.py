"""The raw-readings archive in the evidence chains: each Parquet part's digest is recorded when
the part is written, and ``minesafe verify`` hashes the files on disk again (AQ 6201 4.6.6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from minesafe.core.chain import Break, file_digest
from minesafe.core.models import ChainLink
from minesafe.monitoring.history import archive_root
from minesafe.monitoring.models import ArchiveFile

SOURCE = "monitoring.ArchiveFile"


def record_parts(
    root: Path, paths: Iterable[Path], mine_of: Callable[[str], int | None], now: dt.datetime
) -> int:
    """Store the digest of each part just written (inside the checkpoint's transaction); a part
    rewritten after a crash replaces its row, so the chain seals its new version."""
    rows = []
    for path in paths:
        relative = path.relative_to(root)
        rows.append(
            ArchiveFile(
                mine_id=mine_of(relative.parts[0]),
                path=relative.as_posix(),
                sha256=file_digest(path),
                size=path.stat().st_size,
                written_at=now,
            )
        )
    ArchiveFile.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["path"],
        update_fields=["sha256", "size", "written_at", "mine"],
    )
    return len(rows)


def check_files(report: Any, root: Path | None = None) -> None:
    """Hash every recorded part again; a changed or missing file is a break."""
    root = root or archive_root()
    for pk, path, sha in ArchiveFile.objects.order_by("pk").values_list("pk", "path", "sha256"):
        report.files += 1
        target = root / path
        if not target.exists():
            report.breaks.append(_break(pk, f"归档文件缺失：{path}"))
        elif file_digest(target) != sha:
            report.breaks.append(_break(pk, f"归档文件被改：{path}"))


def _break(pk: int, reason: str) -> Break:
    """Name the file's link in its chain (none yet: the file was not sealed)."""
    links = ChainLink.objects.filter(source=SOURCE, object_id=str(pk)).order_by("-id")
    stream, seq = links.values_list("stream", "seq").first() or ("", 0)
    return Break(stream, seq, SOURCE, str(pk), reason)
