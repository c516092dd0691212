"""Register services (REG-3): flag a producing mine without valid licences and propose it to the
hazard ledger as a major hazard (002:34), once per mine and missing licence.

``check_licences`` runs when a licence or the status changes; ``tick`` is the daily clock that
catches licences expiring with nobody touching the register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from minesafe.citations import cite
from minesafe.hazards.choices import ProposalKind
from minesafe.hazards.models import HazardProposal
from minesafe.localtime import local_date
from minesafe.registry import rules
from minesafe.registry.choices import LicenceKind, MineStatus
from minesafe.registry.models import Licence, Mine

SOURCE = "002:34"
_CHECKED_STATUSES = (MineStatus.PRODUCING, MineStatus.TRIAL)


@dataclass(frozen=True)
class LicenceFlag:
    kind: str
    label: str
    basis: str


def _evidence_id(kind: str) -> str:
    return f"licence:{kind}"


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


def _open_proposal_kinds(mine: Mine) -> set[str]:
    """Licence kinds that already have an open (not yet ledgered) proposal for this mine."""
    ids: set[str] = set()
    for evidence in HazardProposal.objects.filter(
        mine=mine, kind=ProposalKind.UNLICENSED_PRODUCTION, hazard__isnull=True
    ).values_list("evidence", flat=True):
        ids.update(str(item.get("id", "")) for item in evidence or [] if isinstance(item, dict))
    return ids


def check_licences(mine: Mine, now: dt.datetime) -> list[LicenceFlag]:
    """Flag the mine and propose each missing licence to the hazard ledger at most once."""
    flags = licence_flags(mine, local_date(now))
    if not flags:
        return flags
    with transaction.atomic():
        Mine.objects.select_for_update().filter(pk=mine.pk).first()  # one writer per mine
        existing = _open_proposal_kinds(mine)
        for flag in flags:
            if _evidence_id(flag.kind) in existing:
                continue
            HazardProposal.objects.create(
                mine=mine,
                kind=ProposalKind.UNLICENSED_PRODUCTION,
                addressee=str(mine.supervisor),
                basis=flag.basis,
                evidence=[{"id": _evidence_id(flag.kind), "label": flag.label}],
                time=now,
            )
    return flags


def tick(now: dt.datetime) -> int:
    """Daily clock: check every producing or trial-producing mine; returns how many are flagged."""
    flagged = 0
    for mine in Mine.objects.filter(status__in=_CHECKED_STATUSES).prefetch_related("licences"):
        flagged += bool(check_licences(mine, now))
    return flagged
