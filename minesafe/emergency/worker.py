"""The evacuation clock (MON-8, STYLE 8): one ``tick(now)`` marks targets whose deadline passed
without a confirmation as overdue, checks every target against the positioning data at its
deadline, and notifies. Listed in ``settings.MINESAFE_CLOCKS``; ``minesafe manage
emergency_tick`` runs one step or loops.

Work is claimed with conditional ``UPDATE``s naming what the worker saw (the state, an empty
``deadline_checked_at``), so two workers never mark or check the same target twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction

from minesafe.emergency import rules
from minesafe.emergency.choices import NoticeKind, TargetState
from minesafe.emergency.models import OrderTarget
from minesafe.emergency.services import checks, common, notices

BATCH = 500


@dataclass
class TickReport:
    overdue: int = 0
    checked: int = 0
    mismatches: int = 0
    no_data: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def tick(now: dt.datetime, lookup: common.Lookup | None = None) -> TickReport:
    report = TickReport()
    mark_overdue(now, report)
    check_deadlines(now, lookup or common.positioning_lookup, report)
    return report


def mark_overdue(now: dt.datetime, report: TickReport) -> None:
    due = OrderTarget.objects.filter(
        state__in=[TargetState.ISSUED, TargetState.RECEIVED],
        deadline__lte=now,
        order__lifted_at__isnull=True,
    ).select_related("order", "mine")
    for target in due.order_by("deadline", "pk")[:BATCH]:
        if not rules.is_overdue(target.state, target.deadline, now):
            continue
        old = target.state
        with transaction.atomic():
            claimed = OrderTarget.objects.filter(pk=target.pk, state=old).update(
                state=TargetState.OVERDUE, overdue_at=now
            )
            if not claimed:
                continue  # another worker, or the mine confirmed meanwhile
            target.state, target.overdue_at = TargetState.OVERDUE, now
            common.record(target, "overdue", old, now, reason="撤离期限已到，煤矿未确认撤离")
            notices.notify(
                target, NoticeKind.OVERDUE, notices.regulators(target), now, "逾期未确认撤离"
            )
        report.overdue += 1


def check_deadlines(now: dt.datetime, lookup: common.Lookup, report: TickReport) -> None:
    due = (
        OrderTarget.objects.filter(deadline__lte=now, deadline_checked_at__isnull=True)
        .exclude(state=TargetState.LIFTED)
        .select_related("order", "order__warning", "mine")
    )
    for target in due.order_by("deadline", "pk")[:BATCH]:
        with transaction.atomic():
            claimed = OrderTarget.objects.filter(
                pk=target.pk, deadline_checked_at__isnull=True
            ).update(deadline_checked_at=now)
            if not claimed:
                continue
            target.deadline_checked_at = now
            recon = checks.check(target, now, lookup, at=target.deadline)
        report.checked += 1
        if recon.result == rules.MISMATCH:
            report.mismatches += 1
        elif recon.result == rules.NO_DATA:
            report.no_data += 1
