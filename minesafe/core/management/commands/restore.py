"""``minesafe restore FOLDER``: a backup back into an empty platform, then the migrations of the
running version and a check of the evidence chains (docs/deploy.md, "Backup and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minesafe.core import sealing
from minesafe.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份目录恢复数据库、原始数据归档和上传文件（平台须先停止）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="a folder made by minesafe backup")
        parser.add_argument(
            "--force", action="store_true", help="overwrite a database that already holds mines"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["folder"], force=options["force"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        call_command("migrate", interactive=False, verbosity=0)
        report = sealing.verify()
        self.stdout.write(f"已恢复 {manifest['taken_at']} 的备份")
        if not report.ok:
            raise CommandError(
                f"恢复后存证链校验发现 {len(report.breaks)} 处断裂，请运行 minesafe verify"
            )
        self.stdout.write(f"存证链校验完好（{report.links} 个链环，{report.files} 个归档文件）")
