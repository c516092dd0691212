"""Run the positioning clock (snapshot thinning and expiry): one step or a loop (``--loop``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.core.clock import TickCommand
from minesafe.positioning.worker import tick


class Command(TickCommand):
    help = "人员定位：快照抽稀与过期数据清理（一次或循环）"
    interval = 3600.0

    def tick(self, now: dt.datetime) -> Any:
        return tick(now)
