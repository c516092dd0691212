"""``minesafe backup DIR``: the database, the readings archive and the uploads, with a manifest
(docs/deploy.md, "Backup and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minesafe.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库、原始数据归档和上传文件到指定目录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, help="folder to create the backup in")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup(options["destination"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"备份完成：{folder}")
