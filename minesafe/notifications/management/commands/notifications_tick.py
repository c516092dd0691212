"""Run the delivery clock: one step (``--now`` to replay a moment) or a loop (``--loop``).

Embedded default: ``minesafe serve`` runs it with the other clocks (``MINESAFE_CLOCKS``);
several may run at once, since every delivery is claimed by a conditional ``UPDATE``
(:mod:`minesafe.notifications.worker`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.core.clock import TickCommand
from minesafe.notifications.worker import tick


class Command(TickCommand):
    help = "通知发送：电子邮件、短信、Webhook，失败重试（一次或循环）"
    interval = 5.0

    def tick(self, now: dt.datetime) -> Any:
        return tick(now)
