"""The major-hazard catalogue as versioned data (HAZ-2): editions of 《煤矿重大事故隐患判定标准》
loaded from ``data/major_hazard_standard.yaml``; a hazard is judged by the edition in force on
its finding date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from minesafe.hazards.models import MajorHazardCategory, MajorHazardItem
from minesafe.ruledata import load_rule_set


def sync_catalogue(data: dict[str, Any] | None = None, using: str = "default") -> int:
    """Load every edition not yet in the database; returns how many items were added.

    ``data`` defaults to the committed data file; a later edition in the same shape loads the
    same way. Editions already present are left alone (hazards point at their items)."""
    data = data or load_rule_set("minesafe.hazards", "major_hazard_standard")
    added = 0
    with transaction.atomic(using=using):
        present = set(
            MajorHazardCategory.objects.using(using).values_list("edition", flat=True).distinct()
        )
        for edition in data["editions"]:
            code = str(edition["edition"])
            if code not in present:
                added += _load_edition(edition, code, using)
    return added


def _load_edition(edition: dict[str, Any], code: str, using: str) -> int:
    effective = edition["effective_from"]
    items: list[MajorHazardItem] = []
    for cat in edition["categories"]:
        category = MajorHazardCategory.objects.using(using).create(
            edition=code,
            effective_from=effective,
            number=cat["number"],
            article=cat["article"],
            title=cat["title"],
        )
        items.extend(
            MajorHazardItem(
                category=category,
                edition=code,
                code=f"{cat['article']}({s['number']})",
                number=s["number"],
                text=s["text"],
                unverified=bool(s.get("unverified", False)),
            )
            for s in cat["situations"]
        )
    MajorHazardItem.objects.using(using).bulk_create(items)
    return len(items)


def edition_on(on: dt.date) -> str | None:
    """The edition in force on ``on`` (None before the first one took effect)."""
    if not MajorHazardCategory.objects.exists():
        sync_catalogue()
    return (
        MajorHazardCategory.objects.filter(effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("edition", flat=True)
        .first()
    )


def items_in_force(on: dt.date) -> QuerySet[MajorHazardItem]:
    """The situations a hazard found on ``on`` is judged against."""
    edition = edition_on(on)
    return MajorHazardItem.objects.filter(edition=edition or "").select_related("category")


def resolve_item(situation: Any, on: dt.date) -> MajorHazardItem | None:
    """A situation given as an item or as its code ("4(6)") in the edition in force on ``on``."""
    if situation is None or situation == "":
        return None
    if isinstance(situation, MajorHazardItem):
        return situation
    return items_in_force(on).filter(code=str(situation)).first()
