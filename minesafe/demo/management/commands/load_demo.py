"""``minesafe demo`` / ``manage load_demo``: load the demo county, stage by stage with the time
each took, then print what the pages show and every demo login (minesafe.demo.printout).

Idempotent (see :mod:`minesafe.demo.registry`): a second run prints what is there.
``--bulk N`` then adds N plain mines for the web benchmark (each run adds N more).
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minesafe.accounts.choices import Role
from minesafe.demo.printout import demo_logins, figures, pad
from minesafe.demo.registry import (
    MAX_MINES,
    MIN_MINES,
    PASSWORD,
    load_bulk_mines,
    load_demo,
)

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


#: The name each area's stage is announced by.
AREAS = {
    "minesafe.demo.hazards": "隐患排查治理",
    "minesafe.demo.selfinspection": "自查自改",
    "minesafe.demo.violations": "三违管理",
    "minesafe.demo.enforcement": "监管执法",
    "minesafe.demo.monitoring": "安全监控（测点、读数与报警）",
    "minesafe.demo.response": "报警处置",
    "minesafe.demo.positioning": "人员定位",
    "minesafe.demo.emergency": "应急撤人",
    "minesafe.demo.video": "视频监控",
}


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
        stages = len(DEMO_EXTENSIONS) + 1 + (1 if bulk else 0)
        self._stage(1, stages, "煤矿档案、企业、机构与账号")
        summary = load_demo(seed=seed, mines=mines, today=today)
        if summary.created:
            self._done(started, f"已载入（种子 {seed}）")
        else:
            self._done(started, "已存在，未重复载入")
        for number, module in enumerate(_extensions(), start=2):
            self._stage(number, stages, AREAS.get(module.__name__, module.__name__))
            begun = time.perf_counter()
            line = module.load_demo(seed=seed, today=today)
            self._done(begun, line)
        if bulk:
            self._stage(stages, stages, f"基准测试煤矿 {bulk} 座")
            begun = time.perf_counter()
            added = load_bulk_mines(bulk, seed=seed, today=today)
            self._done(begun, f"另载入 {added} 座")
        self._say(
            self.style.SUCCESS(f"演示数据就绪，共用时 {time.perf_counter() - started:.0f} 秒")
        )
        logins = demo_logins(PASSWORD)
        self._print_figures(logins)
        self._say(f"\n演示账号（密码均为 {PASSWORD}）：")
        self._say(
            f"  {pad('账号', 12)}  {pad('姓名', 10)}  {pad('角色', 16)}  所属单位（可见煤矿）"
        )
        for login in logins:
            self._say(
                f"  {pad(login.username, 12)}  {pad(login.name, 10)}  {pad(login.role, 16)}  "
                f"{login.unit}（{login.mines} 座）"
            )
        self._say(
            "\n启动：minesafe serve，然后访问 http://127.0.0.1:8000"
            "（换地址：MINESAFE_BIND=主机:端口，例如 MINESAFE_BIND=0.0.0.0:8080）"
        )

    def _say(self, text: str) -> None:
        """One line, shown at once (``make run`` pipes the output: it would wait otherwise)."""
        self.stdout.write(text)
        self.stdout.flush()

    def _stage(self, number: int, total: int, name: str) -> None:
        self._say(f"[{number}/{total}] {name} …")

    def _done(self, begun: float, line: str) -> None:
        self._say(f"        {line}（{time.perf_counter() - begun:.1f} 秒）")

    def _print_figures(self, logins: list[Any]) -> None:
        """The figures the pages show, for the first county regulator and for the whole platform."""
        viewers = [
            next((x for x in logins if x.user.role == Role.COUNTY_REGULATOR), None),
            next((x for x in logins if x.user.role == Role.ADMIN), None),
        ]
        for login in viewers:
            if login is None:
                continue
            self._say(f"\n以 {login.username} 登录（{login.unit}）页面所见：")
            for line in figures(login.user):
                self._say(f"  {line}")
