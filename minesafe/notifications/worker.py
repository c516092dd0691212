"""The delivery clock: one ``tick(now)`` sends the notifications that are due through their
transports, retries retryable failures with backoff and logs every attempt.

A delivery is claimed by an ``UPDATE`` that names the attempt count it saw, so several workers
may run at once and none sends a notification twice. ``minesafe manage notifications_tick`` runs
one step or loops until SIGTERM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import F

from minesafe.localtime import local_date
from minesafe.notifications import rules
from minesafe.notifications.choices import DeliveryStatus
from minesafe.notifications.models import DeliveryAttempt, Notification
from minesafe.notifications.transports import (
    PermanentError,
    RetryableError,
    Transport,
    configured,
)

BATCH = 1000
#: How long a claimed delivery is hidden from other workers while it is being sent.
LEASE = dt.timedelta(seconds=120)


@dataclass
class TickReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def tick(now: dt.datetime, transports: Mapping[str, Transport] | None = None) -> TickReport:
    """One step of the delivery clock at ``now`` (aware)."""
    report = TickReport()
    deliver(now, configured() if transports is None else transports, report)
    return report


def deliver(now: dt.datetime, transports: Mapping[str, Transport], report: TickReport) -> None:
    """Send what is due; retryable failures come back with backoff, permanent ones and
    exhausted retries are recorded as failed, channels without a transport as skipped."""
    table = rules.policy(local_date(now))
    due = Notification.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=now
    )
    rows = due.select_related("mine", "recipient").order_by("next_attempt_at", "pk")[:BATCH]
    for note in rows:
        claimed = Notification.objects.filter(
            pk=note.pk, attempts=note.attempts, status=note.status
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        if claimed:
            note.attempts += 1
            _send(note, now, transports.get(note.channel), table, report)


def _attempt(
    note: Notification,
    transport: Transport | None,
    now: dt.datetime,
    table: Mapping[str, Any],
    report: TickReport,
) -> tuple[str, str, dt.datetime | None]:
    """Try once: the outcome, the error and when to try again."""
    if transport is None:
        report.skipped += 1
        return DeliveryStatus.SKIPPED, "该渠道未配置", None
    try:
        transport.send(note)
    except RetryableError as exc:
        again = rules.retry_at(note.attempts, now, table)
        report.retried += again is not None
        report.failed += again is None
        return (DeliveryStatus.RETRYING if again else DeliveryStatus.FAILED), str(exc), again
    except PermanentError as exc:
        report.failed += 1
        return DeliveryStatus.FAILED, str(exc), None
    report.sent += 1
    return DeliveryStatus.SENT, "", None


def _send(
    note: Notification,
    now: dt.datetime,
    transport: Transport | None,
    table: Mapping[str, Any],
    report: TickReport,
) -> None:
    outcome, error, again = _attempt(note, transport, now, table, report)
    fields: dict[str, Any] = {
        "status": outcome,
        "last_error": error[:500],
        "next_attempt_at": again,
    }
    if outcome == DeliveryStatus.SENT:
        fields["sent_at"] = now
    Notification.objects.filter(pk=note.pk).update(**fields)
    DeliveryAttempt.objects.create(
        notification=note,
        at=now,
        channel=note.channel,
        address=note.address,
        outcome=outcome,
        error=error[:500],
    )
