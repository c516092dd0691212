"""Run the response clock: one step (``--now`` to replay a moment) or a loop (``--loop``).

Embedded default: ``minesafe manage response_tick --loop --interval 5`` next to the web server
and the engine runner (no broker needed: it reads the alarms the sink wrote). Production: the
same loop as a systemd service (``Restart=always``); several may run at once, since every piece
of work is claimed by a conditional insert or ``UPDATE`` (:mod:`minesafe.response.worker`).
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minesafe.response.worker import tick


class Command(BaseCommand):
    help = "报警分级处置：新报警立案、超时升级、通知发送（一次或循环）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO time to run at (default: the clock)")
        parser.add_argument("--loop", action="store_true", help="keep running until SIGTERM")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between steps")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        if not options["loop"]:
            self._step(self._parse(options["now"]))
            return
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while not self.stopping:
            self._step(timezone.now())
            deadline = time.monotonic() + options["interval"]
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, options["interval"]))

    def _stop(self, *args: Any) -> None:
        self.stopping = True

    def _parse(self, value: str | None) -> dt.datetime:
        if not value:
            return timezone.now()
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"--now: 无法解析的时间 {value!r}") from exc
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def _step(self, now: dt.datetime) -> None:
        report = tick(now)
        self.stdout.write(json.dumps({"now": now.isoformat(), **report.as_dict()}))
