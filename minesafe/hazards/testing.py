"""Hazard factories for the test world (STYLE 14): every pk-model of this app gets an object of
each mine, so the permission walk has something to open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minesafe.hazards import services
from minesafe.hazards.choices import HazardSource
from minesafe.hazards.models import Hazard, HazardPhoto

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

FIXES = {
    "responsible_unit": "综采一队",
    "responsible_person": "王队长",
    "measure": "更换损坏托辊并加强巡检",
    "funds": "1.50",
    "deadline": dt.date(2026, 11, 30),
}


def make_hazard(mine: Any, **extra: Any) -> Hazard:
    """A general hazard of ``mine`` recorded by its own safety department."""
    fields: dict[str, Any] = {
        "source": HazardSource.MINE_SELF_CHECK,
        "description": "胶带机机尾托辊损坏未更换",
        "found_at": NOW,
        "finder": "李检查",
        "signer": "李检查",
        "place": f"{mine.code}-1201运输顺槽",
        "profession": "electromechanical",
        **extra,
    }
    now = fields.pop("now", fields["found_at"])
    return services.record_hazard(mine=mine, **fields, now=now)


def furnish_hazards(mine: Any, today: dt.date | None = None) -> None:
    """One general hazard with a photo, and one major hazard with a suggestion and a case."""
    hazard = make_hazard(mine, fixes=FIXES)
    HazardPhoto.objects.create(hazard=hazard, image="hazards/sample.png", caption="现场照片")
    major = make_hazard(
        mine,
        source=HazardSource.INSPECTORATE,
        description="矿井为单回路供电，另一回路电源线路停运",
        profession="electromechanical",
        grade="major",
    )
    services.open_responsibility_case(major, ["赵监管"], ["2026-09-01 县局检查"], timezone.now())
