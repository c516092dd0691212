"""Run the response clock: one step (``--now`` to replay a moment) or a loop (``--loop``).

Embedded default: ``minesafe manage response_tick --loop --interval 5`` next to the web server
and the engine runner (no broker needed: it reads the alarms the sink wrote). Production: the
same loop as a systemd service (``Restart=always``); several may run at once, since every piece
of work is claimed by a conditional insert or ``UPDATE`` (:mod:`minesafe.response.worker`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.core.clock import TickCommand
from minesafe.response.worker import tick


class Command(TickCommand):
    help = "报警分级处置：新报警立案、超时升级、决定通知（一次或循环）"
    interval = 5.0

    def tick(self, now: dt.datetime) -> Any:
        return tick(now)
