"""Personnel alarms raised outside the engine: MON-5's three correspondences (三对应) judged on
every newest personnel snapshot the positioning store keeps (its ``snapshot_stored`` signal),
so a person who went down without a card is alarmed as it happens, not only listed afterwards.
Here rather than in positioning: alarms are monitoring's, and monitoring already reads the
positioning store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from minesafe.localtime import local_date
from minesafe.monitoring.choices import AlarmKind
from minesafe.monitoring.models import Alarm
from minesafe.positioning import rules as positioning_rules
from minesafe.positioning import services
from minesafe.positioning.models import DescentRecord


def on_snapshot_stored(sender: Any, mine_id: int, at: dt.datetime, **kwargs: Any) -> None:
    """The positioning store kept a mine's newest snapshot: judge its correspondences."""
    raise_missing_cards(mine_id, at)


def raise_missing_cards(mine: Any, now: dt.datetime) -> tuple[int, int]:
    """MON-5 三对应 as an alarm, not only a listing: a person in the descent register whom
    fresh positioning data does not show underground (went down without a card, or with a dead
    one) opens a ``no_card_underground`` alarm once ``missing_card_grace_s`` has passed since
    the registered descent; it closes when the card shows up or the register says they came up.
    Stale positioning data judges nothing (open alarms stay open). Returns (opened, closed)."""
    policy = positioning_rules.policy(local_date(now))
    grace = dt.timedelta(seconds=int(policy["missing_card_grace_s"]))
    mine_id = int(getattr(mine, "pk", mine))
    kind = AlarmKind.NO_CARD_UNDERGROUND
    held = {
        a.point_code: a
        for a in Alarm.objects.filter(mine_id=mine_id, kind=kind, closed_at__isnull=True)
    }
    back = now - dt.timedelta(seconds=int(policy["lookback_s"]))
    registered = DescentRecord.objects.filter(
        mine_id=mine_id, went_down_at__lte=now - grace, went_down_at__gt=back
    ).filter(Q(came_up_at__isnull=True) | Q(came_up_at__gt=now))
    # Most snapshots (a mine without register lines past their grace, nothing open) stop here:
    # two small reads instead of the whole correspondence.
    if not held and not registered.exists():
        return 0, 0
    report = services.correspondence(mine, now)
    if report.positioning is None:
        return 0, 0
    down_at: dict[str, dt.datetime] = {}
    for record in report.register:
        name = positioning_rules.normalise_name(record.name)
        if name and (name not in down_at or record.went_down_at < down_at[name]):
            down_at[name] = record.went_down_at
    missing = {
        d.name: down_at[d.name]
        for d in report.result.disagreements
        if d.present_in == positioning_rules.REGISTER
        and d.missing_from == positioning_rules.POSITIONING
        and d.name in down_at
        and down_at[d.name] <= now - grace
    }
    opened = 0
    for name, went_down in missing.items():
        if name in held:
            continue
        since = went_down + grace
        Alarm.objects.create(
            mine_id=mine_id,
            point_code=name[:64],
            kind=kind,
            level=int(policy["missing_card_level"]),
            opened_at=since,
            details={
                "name": name,
                "went_down_at": went_down.isoformat(),
                "register_count": report.result.register_count,
                "positioning_count": report.result.positioning_count,
                "source": policy["missing_card_source"],
            },
            key=f"positioning:{mine_id}|{name}|{kind.value}|{since.timestamp():.3f}"[:200],
        )
        opened += 1
    gone = [a.pk for subject, a in held.items() if subject not in missing]
    closed = Alarm.objects.filter(pk__in=gone).update(closed_at=now) if gone else 0
    return opened, closed
