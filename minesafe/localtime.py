"""The platform's calendar: every date a user sees or enters is a Beijing-time date.

Users enter dates and deadlines in local terms, and rule editions take effect on local dates, so
"today" is never the UTC date (between 00:00 and 08:00 Beijing time it is still yesterday in UTC).
Pure: no Django import, so the engine, the simulator and every ``rules.py`` can use it too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The zone of every calendar date on the platform (settings.TIME_ZONE is this name).
TIME_ZONE_NAME = "Asia/Shanghai"
LOCAL = ZoneInfo(TIME_ZONE_NAME)


def local_date(moment: dt.datetime | None = None) -> dt.date:
    """The Beijing-time date of ``moment`` (now when None); a naive moment is already local."""
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LOCAL).date()
