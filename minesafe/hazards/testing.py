"""Hazard factories for the test world (STYLE 14): every pk-model of this app gets an object of
each mine, so the permission walk has something to open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from minesafe.hazards import services
from minesafe.hazards.choices import HazardSource, ProposalKind
from minesafe.hazards.models import (
    Hazard,
    HazardPhoto,
    HazardProposal,
    HazardSuggestion,
    MajorHazardItem,
)

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

#: A 1×1 transparent PNG, for photo routes that must serve a real file.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

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
    photo = HazardPhoto(hazard=hazard, caption="现场照片")
    photo.image.save("sample.png", ContentFile(TINY_PNG), save=True)
    major = make_hazard(
        mine,
        source=HazardSource.INSPECTORATE,
        description="矿井为单回路供电，另一回路电源线路停运",
        profession="electromechanical",
        grade="major",
    )
    if not major.suggestions.exists():
        item = MajorHazardItem.objects.get(edition="2020", code="14(1)")
        HazardSuggestion.objects.create(hazard=major, item=item, method="text", score=0.5)
    services.open_responsibility_case(major, ["赵监管"], ["2026-09-01 县局检查"], timezone.now())
    HazardProposal.objects.create(
        mine=mine,
        hazard=major,
        kind=ProposalKind.PENALTY,
        basis="重大违法必罚（测试）",
        time=timezone.now(),
    )
