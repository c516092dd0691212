"""Notifications as pure rules: which channels a person is reached through and when a failed
delivery is tried again.

No database, no clock: callers pass ``now``. Numbers come from ``data/notification_rules.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.notifications"
IN_APP, EMAIL, SMS, WEBHOOK = "in_app", "email", "sms", "webhook"
#: Channels a person may choose (in-app is always kept: the inbox is the record).
PERSONAL = (EMAIL, SMS)


def policy(on: dt.date | None = None) -> dict[str, Any]:
    """The notification rule set in force on ``on`` (default channels, retries)."""
    return edition_in_force(PACKAGE, "notification_rules", on)


def default_channels(level: int, table: Mapping[str, Any]) -> list[str]:
    """The channels people who set no preference are notified through at ``level``."""
    return list(table["channels"][max(1, min(4, level))])


def channels_for(level: int, defaults: list[str], reach: Mapping[str, int]) -> list[str]:
    """The channels one person gets a notification of ``level`` through.

    ``reach`` is the person's preference for the topic: channel → the least severe level they
    want it for (0 never, 1 only level I, … 4 every level); a channel without a preference
    follows ``defaults``. In-app is always included.
    """
    out = [IN_APP]
    for channel in PERSONAL:
        wanted = level <= reach[channel] if channel in reach else channel in defaults
        if wanted:
            out.append(channel)
    return out


def retry_at(attempts: int, now: dt.datetime, table: Mapping[str, Any]) -> dt.datetime | None:
    """When to try a retryable failure again after ``attempts`` tries; None when the attempts
    are spent (the notification is then recorded as failed)."""
    delivery = table["delivery"]
    if attempts >= int(delivery["max_attempts"]):
        return None
    backoff = delivery["backoff_seconds"]
    return now + dt.timedelta(seconds=float(backoff[min(attempts, len(backoff)) - 1]))
