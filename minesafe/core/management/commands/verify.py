"""``minesafe verify``: check every evidence chain, every sealed record and the archive's files;
export or compare the published chain heads. Exit status 1 when anything is broken."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minesafe.core import sealing
from minesafe.localtime import local_date


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value!r}") from exc


class Command(BaseCommand):
    help = "校验存证链：逐条核对链环、记录与归档文件，指出第一处断裂"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--against", type=Path, help="a heads file exported earlier: its heads must still hold"
        )
        parser.add_argument(
            "--export-heads", type=Path, help="write the chain heads of --from … --to to this file"
        )
        parser.add_argument("--from", dest="first", type=_day, help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last", type=_day, help="last day (default: today)")
        parser.add_argument("--seal", action="store_true", help="seal pending records first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seal"]:
            sealing.seal(dt.datetime.now(dt.UTC))
        if options["export_heads"]:
            self._export(options)
            return
        published: list[dict[str, Any]] = []
        if options["against"]:
            try:
                published = json.loads(options["against"].read_text("utf-8"))["heads"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"无法读取链头文件：{exc}") from exc
        report = sealing.verify(published)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(report)
        if not report.ok:
            raise SystemExit(1)

    def _export(self, options: dict[str, Any]) -> None:
        last = options["last"] or local_date()
        first = options["first"] or last
        heads = sealing.heads(first, last)
        body = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "root": sealing.root_of(first, last),
            "heads": heads,
        }
        options["export_heads"].write_text(json.dumps(body, ensure_ascii=False, indent=1), "utf-8")
        self.stdout.write(f"已导出 {len(heads)} 条链头，总摘要 {body['root']}")

    def _print(self, report: sealing.VerifyReport) -> None:
        self.stdout.write(
            f"链 {report.streams} 条，链环 {report.links} 个，记录 {report.records} 条，"
            f"归档文件 {report.files} 个"
        )
        for broken in report.breaks:
            self.stdout.write(f"断裂：{broken}")
        self.stdout.write("全部完好" if report.ok else f"发现 {len(report.breaks)} 处断裂")
