"""A mine's current monitoring status: the one source of truth of the board, the mine's live
page and the alarm list (MON-1, MON-2).

An alarm row is *current* while it is open in the database and its condition still holds by
the stored data (:func:`minesafe.monitoring.rules.cleared_at`). An open row whose condition has
ended is *cleared*: no page shows it as current, and the monitoring clock (:func:`tick`) closes
it at the time the data shows it ended, after a grace period that leaves the engine time to
close the episodes it holds itself. The pages never write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from minesafe.core.scoping import VIEW
from minesafe.engine.config import EngineConfig
from minesafe.localtime import local_date
from minesafe.monitoring import rules
from minesafe.monitoring.choices import StatPeriod
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint

#: Recorded in an alarm's details when the platform closed it by its rule.
CLOSED_BY_RULE = "rule"


def closing_rules(on: dt.date | None = None) -> rules.ClosingRules:
    return rules.ClosingRules.of(EngineConfig.load(on).rules)


def limits_of(point: SensorPoint | None) -> rules.Limits:
    if point is None:
        return rules.Limits()
    return rules.Limits(
        alarm_high=point.alarm_high,
        restore_high=point.restore_high,
        alarm_low=point.alarm_low,
        restore_low=point.restore_low,
        power_off_high=point.power_off_high,
        power_on_high=point.power_on_high,
        range_low=point.range_low,
        range_high=point.range_high,
    )


def judge(alarms: Iterable[Alarm], closing: rules.ClosingRules | None = None) -> dict[int, Any]:
    """Alarm pk → the time its condition ended by the stored data, or None while it holds (or
    the data does not tell). Two statistics queries per mine with decided open alarms, however
    many points they are on."""
    closing = closing or closing_rules(local_date())
    verdict: dict[int, dt.datetime | None] = {}
    by_mine: dict[int, list[Alarm]] = defaultdict(list)
    for alarm in alarms:
        verdict[alarm.pk] = None
        if alarm.closed_at is None and alarm.kind in rules.DECIDED_KINDS:
            by_mine[alarm.mine_id].append(alarm)
    if not by_mine:
        return verdict
    codes = {a.point_code for group in by_mine.values() for a in group}
    points = {
        (p.mine_id, p.code): p
        for p in SensorPoint.objects.filter(mine_id__in=list(by_mine), code__in=codes)
    }
    minute = ReadingStat.objects.filter(period=StatPeriod.MINUTE)
    for mine_id, group in by_mine.items():
        since = min(a.opened_at for a in group).replace(second=0, microsecond=0)
        own = [a for a in group if a.kind not in rules.MINE_DATA_BACK_KINDS]
        series: dict[str, list[rules.Minute]] = defaultdict(list)
        if own:
            rows = minute.filter(
                mine_id=mine_id, point_code__in={a.point_code for a in own}, bucket__gte=since
            ).order_by("point_code", "bucket")
            for code, bucket, high, low in rows.values_list("point_code", "bucket", "max", "min"):
                series[code].append(rules.Minute(bucket, high, low))
        for alarm in group:
            if alarm.kind in rules.MINE_DATA_BACK_KINDS:
                first = (
                    minute.filter(mine_id=mine_id, bucket__gte=alarm.opened_at)
                    .order_by("bucket")
                    .values_list("bucket", "max", "min")
                    .first()
                )
                data = [rules.Minute(*first)] if first else []
            else:
                data = series.get(alarm.point_code, [])
            limits = limits_of(points.get((mine_id, alarm.point_code)))
            verdict[alarm.pk] = rules.cleared_at(alarm.kind, alarm.opened_at, data, limits, closing)
    return verdict


@dataclass
class Judged:
    """The open alarms of some mines, split into current ones and cleared ones."""

    current: list[Alarm] = field(default_factory=list)
    cleared: list[tuple[Alarm, dt.datetime]] = field(default_factory=list)

    def by_mine(self) -> dict[int, list[Alarm]]:
        out: dict[int, list[Alarm]] = defaultdict(list)
        for alarm in self.current:
            out[alarm.mine_id].append(alarm)
        return out

    @property
    def cleared_pks(self) -> set[int]:
        return {a.pk for a, _ in self.cleared}


def open_alarms(user: Any, mine_ids: Iterable[int] | None = None) -> QuerySet[Alarm]:
    """The alarm rows open in the database that ``user`` may see (optionally of some mines)."""
    rows = Alarm.objects.restrict(user, VIEW).filter(closed_at__isnull=True)
    if mine_ids is not None:
        rows = rows.filter(mine_id__in=list(mine_ids))
    return rows.select_related("mine").order_by("level", "opened_at", "pk")


def judge_request(request: Any) -> Judged:
    """:func:`judge_open` of the request's user, computed once per request (the alarm list and
    its state filter both need it)."""
    judged = getattr(request, "_monitoring_judged", None)
    if judged is None:
        judged = judge_open(request.user)
        request._monitoring_judged = judged
    return judged


def judge_open(user: Any, mine_ids: Iterable[int] | None = None) -> Judged:
    """The visible open alarms split by their rule: the board, the live page and the alarm list
    all count what this returns as current."""
    alarms = list(open_alarms(user, mine_ids))
    verdict = judge(alarms)
    judged = Judged()
    for alarm in alarms:
        ended = verdict.get(alarm.pk)
        if ended is None:
            judged.current.append(alarm)
        else:
            judged.cleared.append((alarm, ended))
    return judged


@dataclass
class MineStatus:
    """A mine's current status: its current alarms (worst first) and those already cleared."""

    mine_id: int
    current: list[Alarm]
    cleared: list[tuple[Alarm, dt.datetime]]

    @property
    def worst(self) -> int | None:
        return min((a.level for a in self.current), default=None)

    @property
    def oldest(self) -> dt.datetime | None:
        return min((a.opened_at for a in self.current), default=None)

    def levels_by_subject(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for alarm in self.current:
            out[alarm.point_code].append(alarm.level)
        return out


def mine_status(user: Any, mine_id: int) -> MineStatus:
    """One mine's current status (see :func:`judge_open`)."""
    judged = judge_open(user, [mine_id])
    return MineStatus(mine_id, judged.current, judged.cleared)


def statuses(user: Any) -> dict[int, MineStatus]:
    """Every visible mine with a current or cleared open alarm, by mine id."""
    judged = judge_open(user)
    out: dict[int, MineStatus] = {}
    for alarm in judged.current:
        out.setdefault(alarm.mine_id, MineStatus(alarm.mine_id, [], [])).current.append(alarm)
    for alarm, ended in judged.cleared:
        out.setdefault(alarm.mine_id, MineStatus(alarm.mine_id, [], [])).cleared.append(
            (alarm, ended)
        )
    return out


# --- the clock: close what the rule says has ended -----------------------------------------------


@dataclass
class CloseReport:
    checked: int = 0
    closed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def close_cleared(now: dt.datetime, grace: dt.timedelta) -> CloseReport:
    """Close every open alarm whose condition ended at least ``grace`` before ``now``, at the
    time the data shows it ended; the details record that the platform closed it by its rule.
    An alarm the engine holds is normally closed by the engine first (within a checkpoint)."""
    alarms = list(Alarm.objects.filter(closed_at__isnull=True, kind__in=rules.DECIDED_KINDS))
    report = CloseReport(checked=len(alarms))
    verdict = judge(alarms, closing_rules(local_date(now)))
    with transaction.atomic():
        for alarm in alarms:
            ended = verdict.get(alarm.pk)
            if ended is None or ended > now - grace:
                continue
            details = dict(alarm.details or {})
            details["closed_by"] = CLOSED_BY_RULE
            report.closed += Alarm.objects.filter(pk=alarm.pk, closed_at__isnull=True).update(
                closed_at=ended, details=details, updated_at=now
            )
    return report
