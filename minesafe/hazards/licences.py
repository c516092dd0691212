"""REG-3 in the hazard ledger: a producing mine the register flags for missing or expired
licences is proposed as a major hazard (unlicensed production), at most once per mine and
missing licence while the proposal is not yet in the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from minesafe.hazards.choices import ProposalKind
from minesafe.hazards.models import HazardProposal
from minesafe.registry.models import Mine


def _evidence_id(kind: str) -> str:
    return f"licence:{kind}"


def _open_proposal_kinds(mine: Mine) -> set[str]:
    """Licence kinds that already have an open (not yet ledgered) proposal for this mine."""
    ids: set[str] = set()
    for evidence in HazardProposal.objects.filter(
        mine=mine, kind=ProposalKind.UNLICENSED_PRODUCTION, hazard__isnull=True
    ).values_list("evidence", flat=True):
        ids.update(str(item.get("id", "")) for item in evidence or [] if isinstance(item, dict))
    return ids


def propose_unlicensed(
    sender: Any, mine: Mine, flags: Sequence[Any], now: dt.datetime, **kwargs: Any
) -> None:
    """Receiver of ``registry.signals.licences_flagged``: one proposal per missing licence."""
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
