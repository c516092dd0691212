"""Run the hazard clock: one step (``--now`` to replay a moment) or a loop (``--loop``).

Embedded default: ``minesafe manage hazard_tick --loop`` next to the web server (no broker, no
extra service). Production: the same loop as a systemd service, or one step from cron every few
minutes; several workers may run at once (work is claimed by conditional updates).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.core.clock import TickCommand
from minesafe.hazards.worker import tick


class Command(TickCommand):
    help = "隐患整改期限提醒、逾期标记与升级督办（一次或循环）"
    interval = 300.0

    def tick(self, now: dt.datetime) -> Any:
        return tick(now)
