"""``minesafe demo`` / ``manage load_demo``: load the demo county and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minesafe.registry.demo import PASSWORD, load_bulk_mines, load_demo

LOGINS = [
    ("regulator", "青川县应急管理局（县级监管）"),
    ("regulator2", "石岭县应急管理局（县级监管）"),
    ("city", "云岭市应急管理局（市级监管）"),
    ("inspector", "国家矿山安全监察局河东局云岭监察执法处"),
    ("enterprise", "河东能源集团（企业安全管理员）"),
    ("mine1", "煤矿安全管理员（河东能源集团下属煤矿）"),
    ("mine2", "煤矿安全管理员（民营煤矿）"),
    ("admin", "系统管理员"),
]


class Command(BaseCommand):
    help = "Load the fictional demo county (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--mines", type=int, default=40)
        parser.add_argument(
            "--bulk", type=int, default=0, help="add this many extra mines for benchmarks"
        )

    def handle(self, *args: Any, seed: int, mines: int, bulk: int, **options: Any) -> None:
        summary = load_demo(seed=seed, mines=mines)
        state = "已载入" if summary.created else "已存在，未重复载入"
        self.stdout.write(f"演示县{state}：{summary.mines} 座煤矿，{summary.enterprises} 家企业")
        if bulk:
            self.stdout.write(f"另载入基准测试煤矿 {load_bulk_mines(bulk)} 座")
        self.stdout.write(f"\n演示账号（密码均为 {PASSWORD}）：")
        for username, who in LOGINS:
            self.stdout.write(f"  {username:<11} {who}")
        self.stdout.write("\n访问 http://127.0.0.1:8000")
