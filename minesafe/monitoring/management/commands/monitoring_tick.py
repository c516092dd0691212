"""Run the monitoring clock (close alarms whose condition has ended): one step or a loop."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.core.clock import TickCommand
from minesafe.monitoring.worker import tick


class Command(TickCommand):
    help = "实时监测：关闭数据显示报警条件已解除的报警（一次或循环）"
    interval = 60.0

    def tick(self, now: dt.datetime) -> Any:
        return tick(now)
