"""``minesafe manage scheduler``: every area's clock in one process (the embedded default).

Production may run the same command as one service, or each area's ``*_tick --loop`` on its own;
work is claimed by conditional updates, so several schedulers may run at once.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from minesafe.core.clock import Stopper, run_clocks


class Command(BaseCommand):
    help = "运行全部定时任务（隐患期限、报警处置等），直到收到 SIGTERM"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--exit-with-parent",
            action="store_true",
            help="stop when the process that started it ends (used by minesafe serve)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clocks = [(import_string(path), float(every)) for path, every in settings.MINESAFE_CLOCKS]
        parent = os.getppid()
        alive = (lambda: os.getppid() == parent) if options["exit_with_parent"] else (lambda: True)
        run_clocks(clocks, Stopper(), alive=alive, log=self.stdout.write)
