"""Run the evacuation clock (MON-8): one step (``--now`` to replay a moment) or ``--loop``.

``minesafe serve`` runs it with the other clocks from ``settings.MINESAFE_CLOCKS``; several may
run at once, since every piece of work is claimed by a conditional ``UPDATE``
(:mod:`minesafe.emergency.worker`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.core.clock import TickCommand
from minesafe.emergency.worker import tick


class Command(TickCommand):
    help = "撤人指令：逾期未确认标记、撤离期限人员定位核查、通知（一次或循环）"
    interval = 60.0

    def tick(self, now: dt.datetime) -> Any:
        return tick(now)
