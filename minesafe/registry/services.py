"""Register services (REG-3): flag a producing mine without valid licences (002:34). The
register only flags; the hazard ledger listens (``signals.licences_flagged``) and proposes each
missing licence as a major hazard once, so the register stays below the areas built on it.

``check_licences`` runs when a licence or the status changes; ``tick`` is the clock that catches
licences expiring with nobody touching the register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from minesafe.citations import cite
from minesafe.localtime import local_date
from minesafe.registry import rules
from minesafe.registry.choices import LicenceKind, MineStatus
from minesafe.registry.models import Licence, Mine
from minesafe.registry.signals import licences_flagged

SOURCE = "002:34"
_CHECKED_STATUSES = (MineStatus.PRODUCING, MineStatus.TRIAL)


@dataclass(frozen=True)
class LicenceFlag:
    kind: str
    label: str
    basis: str


def licence_flags(
    mine: Mine, today: dt.date | None = None, licences: Iterable[Licence] | None = None
) -> list[LicenceFlag]:
    """REG-3: the required licences this mine lacks a valid one of today (empty when lawful).

    ``licences`` are the mine's licences when the caller already has them (saves a query).
    """
    today = today or local_date()
    rows = mine.licences.all() if licences is None else licences
    held = [(lic.kind, lic.valid_until) for lic in rows]
    return [
        LicenceFlag(
            kind=kind,
            label=LicenceKind(kind).label,
            basis=(
                f"{mine.get_status_display()}状态下无有效{LicenceKind(kind).label}"
                f"（缺失或已过期），属无证生产重大隐患（{cite(SOURCE)}）"
            ),
        )
        for kind in rules.missing_licences(mine.status, held, today)
    ]


def check_licences(mine: Mine, now: dt.datetime) -> list[LicenceFlag]:
    """Flag the mine; the hazard ledger proposes each missing licence at most once."""
    flags = licence_flags(mine, local_date(now))
    if flags:
        licences_flagged.send(sender=Mine, mine=mine, flags=flags, now=now)
    return flags


def tick(now: dt.datetime) -> int:
    """Daily clock: check every producing or trial-producing mine; returns how many are flagged."""
    flagged = 0
    for mine in Mine.objects.filter(status__in=_CHECKED_STATUSES).prefetch_related("licences"):
        flagged += bool(check_licences(mine, now))
    return flagged
