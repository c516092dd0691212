"""The monitoring clock: close the open alarms whose condition the stored data shows has ended
(:func:`minesafe.monitoring.services.close_cleared`), so an alarm the engine does not hold —
one loaded with the demo, or one whose engine state was lost — ends by the same rule as a live
one instead of staying open for ever."""

from __future__ import annotations

import datetime as dt

from minesafe.localtime import local_date
from minesafe.monitoring.live import live_settings
from minesafe.monitoring.services import CloseReport, close_cleared


def tick(now: dt.datetime) -> CloseReport:
    """One step at ``now`` (aware)."""
    grace = dt.timedelta(minutes=live_settings(local_date(now)).close_grace_minutes)
    return close_cleared(now, grace)
