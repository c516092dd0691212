"""Factories of the emergency area (STYLE 14): a weather warning over a mine's county, an order to
the mine with its target and history, so every route has an object of mine A to open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minesafe.emergency.choices import (
    IssuerKind,
    OrderReason,
    TargetState,
    WarningKind,
    WarningLevel,
)
from minesafe.emergency.models import EvacuationOrder, OrderTarget, TargetEvent, WeatherWarning


def make_warning(divisions: list[Any], start: dt.datetime, **extra: Any) -> WeatherWarning:
    fields: dict[str, Any] = {
        "issuer": "测试县气象台",
        "kind": WarningKind.RAINSTORM,
        "level": WarningLevel.RED,
        "valid_to": start + dt.timedelta(hours=12),
        "text": "预计未来6小时降雨量将达100毫米以上。",
        **extra,
    }
    warning = WeatherWarning.objects.create(valid_from=start, **fields)
    warning.divisions.set(divisions)
    return warning


def make_order(
    mines: list[Any], issued_at: dt.datetime, warning: WeatherWarning | None = None, **extra: Any
) -> EvacuationOrder:
    """An order with one target per mine, written directly (no notices, no checks)."""
    fields: dict[str, Any] = {
        "issuer_kind": IssuerKind.REGULATOR,
        "issued_by_name": "测试监管员",
        "reason": OrderReason.WEATHER if warning else OrderReason.OTHER,
        "text": "立即停产撤人。",
        "deadline": issued_at + dt.timedelta(hours=1),
        **extra,
    }
    order = EvacuationOrder.objects.create(warning=warning, issued_at=issued_at, **fields)
    order.number = f"CR{issued_at:%Y%m%d}-{order.pk:05d}"
    order.save(update_fields=["number"])
    for mine in mines:
        target = OrderTarget.objects.create(order=order, mine=mine, deadline=order.deadline)
        TargetEvent.objects.create(
            target=target, step="issue", to_state=TargetState.ISSUED, username="测试", at=issued_at
        )
    return order


def furnish(mine: Any, today: dt.date) -> None:
    """Give a mine a warning over its county and an order with its target."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(6, 0)))
    warning = make_warning([mine.county], start)
    make_order([mine], start + dt.timedelta(minutes=30), warning)
