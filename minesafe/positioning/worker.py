"""The positioning clock: thin and expire stored snapshots and trajectory points (issue 6 §5).

Volume rule (``positioning_rules.yaml``): one :class:`~.models.Snapshot` per RYSS is kept for
``keep_all_days``; as snapshots cross that age they are thinned to the first of every
``thin_to_s`` slot per mine; snapshots and trajectory points older than ``keep_days`` are
deleted (AQ 1048-2007 4.4.9 a: records kept 3 months or more). Each tick thins the last
``window`` of snapshots to cross the line, so an hourly clock sees every snapshot at least once.

Rows are deleted with a raw delete: they are the mine system's data (no audit row per deleted
snapshot), and nothing points to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from minesafe.localtime import local_date
from minesafe.positioning import rules
from minesafe.positioning.models import Snapshot, TrackPoint

WINDOW = dt.timedelta(hours=3)


@dataclass
class PruneReport:
    thinned: int = 0
    expired_snapshots: int = 0
    expired_points: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _raw_delete(queryset: Any) -> int:
    return int(queryset._raw_delete(queryset.db) or 0)


def tick(now: dt.datetime) -> PruneReport:
    """One pruning step at ``now`` (aware)."""
    policy = rules.policy(local_date(now))
    keep_all = dt.timedelta(days=int(policy["keep_all_days"]))
    keep = dt.timedelta(days=int(policy["keep_days"]))
    thin_to = int(policy["thin_to_s"])
    report = PruneReport()
    with transaction.atomic():
        report.expired_snapshots = _raw_delete(Snapshot.objects.filter(at__lt=now - keep))
        report.expired_points = _raw_delete(TrackPoint.objects.filter(seen_at__lt=now - keep))
        line = now - keep_all
        crossing = Snapshot.objects.filter(at__lte=line, at__gt=line - WINDOW)
        by_mine: dict[int, list[tuple[int, dt.datetime]]] = {}
        for pk, mine_id, at in crossing.values_list("pk", "mine_id", "at").order_by("at"):
            by_mine.setdefault(mine_id, []).append((pk, at))
        # The slot's first snapshot may be just older than the window: count it as kept.
        before = dict(
            Snapshot.objects.filter(
                at__lte=line - WINDOW, at__gt=line - WINDOW - dt.timedelta(seconds=thin_to)
            )
            .order_by("mine_id", "at")
            .values_list("mine_id", "at")
        )
        drop: list[int] = []
        for mine_id, rows in by_mine.items():
            times = [at for _, at in rows]
            if mine_id in before:
                times.append(before[mine_id])
            kept = rules.snapshots_to_keep(times, now, int(keep_all.total_seconds()) - 1, thin_to,
                                           int(keep.total_seconds()))  # fmt: skip
            drop += [pk for pk, at in rows if at not in kept]
        for start in range(0, len(drop), 1000):
            report.thinned += _raw_delete(
                Snapshot.objects.filter(pk__in=drop[start : start + 1000])
            )
    return report
