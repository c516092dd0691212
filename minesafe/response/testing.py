"""Factories for the response area (STYLE 14): a case for a mine's alarm and a planned-work
declaration, so every response route has an object of mine A to open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minesafe.monitoring.choices import AlarmKind, AlarmLevel
from minesafe.monitoring.models import Alarm
from minesafe.response.choices import CaseState, PlannedWorkKind
from minesafe.response.models import AlarmCase, CaseTransition, PlannedWork


def make_alarm(mine: Any, opened_at: dt.datetime, **extra: Any) -> Alarm:
    """An alarm as the engine's sink writes it (through E3's model fields)."""
    code = extra.pop("point_code", f"{mine.code}01MN{1:012d}"[:28])
    kind = extra.pop("kind", AlarmKind.OVER_LIMIT)
    fields: dict[str, Any] = {
        "level": AlarmLevel.III,
        "closed_at": None,
        "peak": 1.3,
        "last_value": 1.2,
        "details": {"location": "采煤工作面回风隅角甲烷T0"},
        **extra,
    }
    key = f"{mine.code}|{code}|{kind}|{opened_at.timestamp():.3f}"
    return Alarm.objects.create(
        mine=mine, point_code=code, kind=kind, opened_at=opened_at, key=key, **fields
    )


def make_case(alarm: Alarm, state: str = CaseState.NEW, **extra: Any) -> AlarmCase:
    """A case for ``alarm`` without going through the worker (for pages and permissions)."""
    case = AlarmCase.objects.create(
        alarm=alarm,
        mine=alarm.mine,
        kind=alarm.kind,
        point_code=alarm.point_code,
        opened_at=alarm.opened_at,
        level=alarm.level,
        effective_level=extra.pop("effective_level", alarm.level),
        state=state,
        **extra,
    )
    CaseTransition.objects.create(
        case=case,
        step="open",
        label="报警立案",
        to_state=state,
        username="系统",
        at=alarm.opened_at,
    )
    return case


def make_planned_work(mine: Any, starts_at: dt.datetime, **extra: Any) -> PlannedWork:
    fields: dict[str, Any] = {
        "kind": PlannedWorkKind.CALIBRATION,
        "points": f"{mine.code}01MN*",
        "ends_at": starts_at + dt.timedelta(hours=2),
        "reason": "甲烷传感器月度标校",
        "declared_by": f"{mine.code}安全员",
        **extra,
    }
    return PlannedWork.objects.create(mine=mine, starts_at=starts_at, **fields)


def furnish_response(mine: Any, today: dt.date) -> None:
    """Give a mine a case for one of its alarms and a planned-work declaration."""
    alarm = Alarm.objects.filter(mine=mine).order_by("opened_at", "pk").first()
    if alarm is None:
        morning = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
        alarm = make_alarm(mine, morning)
    make_case(alarm, deadline=alarm.opened_at + dt.timedelta(minutes=15))
    tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8)))
    make_planned_work(mine, tomorrow)
