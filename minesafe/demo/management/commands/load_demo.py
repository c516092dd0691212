"""``minesafe demo`` / ``manage load_demo``: load the demo county and print the logins.

Idempotent (see :mod:`minesafe.demo.registry`): a second run prints what is there.
``--bulk N`` then adds N plain mines for the web benchmark (each run adds N more).
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minesafe.accounts.models import User
from minesafe.demo.registry import (
    DEMO_USERNAMES,
    MAX_MINES,
    MIN_MINES,
    PASSWORD,
    load_bulk_mines,
    load_demo,
)
from minesafe.registry.models import Mine

# Areas that add their own history to the demo county: each module's
# ``load_demo(seed=..., today=...) -> str`` is idempotent and returns a one-line summary.
DEMO_EXTENSIONS = (
    "minesafe.demo.hazards",
    "minesafe.demo.selfinspection",
    "minesafe.demo.violations",
    "minesafe.demo.enforcement",
    "minesafe.demo.monitoring",
    "minesafe.demo.response",
    "minesafe.demo.positioning",
    "minesafe.demo.emergency",
    "minesafe.demo.video",
)


def _extensions() -> list[Any]:
    """The areas' demo modules, in the order they build on each other."""
    return [importlib.import_module(name) for name in DEMO_EXTENSIONS]


def _pad(text: str, width: int) -> str:
    """Pad to a display width, counting a Chinese character as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def _anchor(user: User) -> str:
    """Whom the login acts for, and how many mines it sees."""
    if user.organization_id:
        body = user.organization.name
    elif user.enterprise_id:
        body = user.enterprise.name
    elif user.mine_id:
        body = f"{user.mine.name}（{user.mine.enterprise.name}）"
    else:
        body = "全部数据"
    return f"{body}，可见煤矿 {Mine.objects.restrict(user).count()} 座"


class Command(BaseCommand):
    help = "载入虚构的演示县（固定随机种子，可重复执行）并列出演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025, help="随机种子（默认 2025）")
        parser.add_argument(
            "--mines",
            type=int,
            default=40,
            help=f"演示煤矿数量（默认 40，{MIN_MINES}–{MAX_MINES}）",
        )
        parser.add_argument(
            "--bulk",
            type=int,
            default=0,
            metavar="N",
            help="另外批量添加 N 座基准测试煤矿（供性能测试，不记变更记录）",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="基准日期 YYYY-MM-DD（默认今天），证照有效期据此推算",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seed: int = options["seed"]
        mines: int = options["mines"]
        bulk: int = options.get("bulk") or 0
        today: dt.date | None = options.get("today")
        if not MIN_MINES <= mines <= MAX_MINES:
            raise CommandError(f"--mines 须在 {MIN_MINES} 至 {MAX_MINES} 之间")
        if bulk < 0:
            raise CommandError("--bulk 不能为负数")
        started = time.perf_counter()
        summary = load_demo(seed=seed, mines=mines, today=today)
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示县已载入（种子 {seed}，用时 {time.perf_counter() - started:.1f} 秒）"
                )
            )
        else:
            self.stdout.write(self.style.WARNING("演示县已存在，未重复载入"))
        self.stdout.write(
            f"  煤矿 {summary.mines} 座，企业 {summary.enterprises} 家，"
            f"工作面 {summary.working_faces} 个，证照 {summary.licences} 件，"
            f"灾害鉴定 {summary.appraisals} 份，状态变更 {summary.status_changes} 条，"
            f"监管责任 {summary.assignments} 条"
        )
        for module in _extensions():
            self.stdout.write(f"  {module.load_demo(seed=seed, today=today)}")
        if bulk:
            started = time.perf_counter()
            added = load_bulk_mines(bulk, seed=seed, today=today)
            self.stdout.write(
                f"另载入基准测试煤矿 {added} 座（用时 {time.perf_counter() - started:.1f} 秒）"
            )
        users = User.objects.filter(username__in=DEMO_USERNAMES).select_related(
            "organization", "enterprise", "mine__enterprise"
        )
        by_name = {user.username: user for user in users}
        self.stdout.write(f"\n演示账号（密码均为 {PASSWORD}）：")
        self.stdout.write(f"  {_pad('账号', 12)}  {_pad('角色', 18)}  所属单位")
        for username in DEMO_USERNAMES:
            user = by_name.get(username)
            if user is not None:
                role = user.get_role_display()
                self.stdout.write(f"  {_pad(username, 12)}  {_pad(role, 18)}  {_anchor(user)}")
        self.stdout.write("\n启动：minesafe serve，然后访问 http://127.0.0.1:8000")
