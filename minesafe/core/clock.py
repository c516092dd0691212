"""Clock workers: the regulation's deadlines run as small steps with an injected ``now``.

Each area exposes a ``tick(now) -> report`` (report has ``as_dict()``); a :class:`TickCommand`
runs one step (``--now`` replays a moment) or loops until SIGTERM (STYLE 8, 10). ``minesafe
manage scheduler`` runs every area's tick from ``settings.MINESAFE_CLOCKS`` in one process, which
``minesafe serve`` starts beside the web server, so the embedded default needs no extra service.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


def parse_now(value: str | None) -> dt.datetime:
    """``--now`` as an aware datetime (naive means Asia/Shanghai); the clock when empty."""
    if not value:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now: 无法解析的时间 {value!r}") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Stopper:
    """Set by SIGTERM / SIGINT; sleeps end early when it is set."""

    def __init__(self) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def stop(self, *args: Any) -> None:
        self.stopping = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


class TickCommand(BaseCommand):
    """One area's clock as a management command: subclasses give ``tick`` and ``interval``."""

    interval = 60.0

    def tick(self, now: dt.datetime) -> Any:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO time to run at (default: the clock)")
        parser.add_argument("--loop", action="store_true", help="keep running until SIGTERM")
        parser.add_argument(
            "--interval", type=float, default=self.interval, help="seconds between steps"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            self.step(parse_now(options["now"]))
            return
        stopper = Stopper()
        while not stopper.stopping:
            self.step(timezone.now())
            stopper.sleep(options["interval"])

    def step(self, now: dt.datetime) -> None:
        report = self.tick(now)
        self.stdout.write(json.dumps({"now": now.isoformat(), **report.as_dict()}))


def eventful(entry: dict[str, Any]) -> bool:
    """Whether a tick's report says something happened (a clock ticking every 5 s stays quiet)."""
    counts = [v for v in entry.values() if isinstance(v, int | float) and not isinstance(v, bool)]
    return not counts or any(counts)


def run_clocks(
    clocks: list[tuple[Callable[[dt.datetime], Any], float]],
    stopper: Stopper,
    now: Callable[[], dt.datetime] = timezone.now,
    alive: Callable[[], bool] = lambda: True,
    log: Callable[[str], None] = print,
) -> None:
    """Run each tick when its interval has passed, until stopped or ``alive()`` turns false."""
    due = [0.0] * len(clocks)
    while not stopper.stopping and alive():
        for i, (tick, interval) in enumerate(clocks):
            if time.monotonic() >= due[i]:
                moment = now()
                try:
                    entry = tick(moment).as_dict()
                    if eventful(entry):
                        log(json.dumps({"now": moment.isoformat(), **entry}))
                except Exception as exc:  # one failing clock must not stop the others
                    log(f"{getattr(tick, '__module__', tick)}: {exc!r}")
                due[i] = time.monotonic() + interval
        stopper.sleep(max(0.0, min(due) - time.monotonic()))
