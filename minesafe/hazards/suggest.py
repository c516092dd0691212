"""Suggestions of major-hazard situations for a recorded hazard (HAZ-2): from its description
(:mod:`minesafe.hazards.classifier`) and from facts the platform already holds (monitoring
alarms, the register). Each becomes a pending :class:`HazardSuggestion` a person decides."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.apps import apps
from django.utils import timezone

from minesafe.hazards.catalogue import items_in_force
from minesafe.hazards.choices import SuggestionMethod
from minesafe.hazards.classifier import GENERAL, Candidate, Classifier, Situation
from minesafe.hazards.models import Hazard, HazardSuggestion, MajorHazardItem
from minesafe.registry.choices import LicenceKind, MineStatus
from minesafe.ruledata import edition_in_force, load_rule_set

TEXT_SUGGESTIONS = 3


def keyword_set(on: dt.date | None = None) -> dict[str, Any]:
    return edition_in_force("minesafe.hazards", "suggestion_keywords", on)


def load_examples() -> dict[str, list[str]]:
    """The labelled set (``data/labelled_hazards.yaml``) grouped by label."""
    data = load_rule_set("minesafe.hazards", "labelled_hazards")
    grouped: dict[str, list[str]] = {}
    for row in data["editions"][0]["items"]:
        grouped.setdefault(str(row["label"]), []).append(row["text"])
    return grouped


def build_classifier(
    situations: list[Situation], examples: dict[str, list[str]] | None = None
) -> Classifier:
    params = keyword_set()
    return Classifier(
        situations,
        examples or {},
        boost=params["boost"],
        max_boost=params["max_boost"],
        general_threshold=params["general_threshold"],
    )


def situations_of(items: Any) -> list[Situation]:
    keywords = keyword_set()["keywords"]
    return [
        Situation(i.code, i.text, i.category.title, tuple(keywords.get(i.code, ()))) for i in items
    ]


@cache
def _classifier(edition: str) -> Classifier:
    items = MajorHazardItem.objects.filter(edition=edition).select_related("category")
    return build_classifier(situations_of(items), load_examples())


def text_candidates(description: str, on: dt.date) -> list[Candidate]:
    items = items_in_force(on)
    first = items.first()
    if first is None:
        return []
    return _classifier(first.edition).rank(description, TEXT_SUGGESTIONS)


def fact_candidates(hazard: Hazard) -> list[tuple[str, str]]:
    """(code, why) for situations that follow from facts already held about the mine."""
    facts = keyword_set()["facts"]
    found = []
    found.extend(_alarm_facts(hazard, facts))
    mine = hazard.mine
    expired = mine.licences.filter(
        kind=LicenceKind.SAFETY_PRODUCTION, valid_until__lt=hazard.found_on
    )
    valid = mine.licences.filter(
        kind=LicenceKind.SAFETY_PRODUCTION, valid_until__gte=hazard.found_on
    )
    if mine.status == MineStatus.PRODUCING and expired.exists() and not valid.exists():
        found.append((facts["licence_expired"]["code"], facts["licence_expired"]["note"]))
    return found


def _ratio(details: dict[str, Any]) -> float | None:
    """The over-staffing ratio from an alarm's details (ratio, or count over limit)."""
    if isinstance(details.get("ratio"), int | float):
        return float(details["ratio"])
    for count, limit in (("count", "limit"), ("headcount", "approved")):
        if isinstance(details.get(count), int | float) and details.get(limit):
            return float(details[count]) / float(details[limit])
    return None


def _alarm_facts(hazard: Hazard, facts: dict[str, Any]) -> list[tuple[str, str]]:
    """Monitoring alarms around the finding time, if the monitoring app provides them."""
    if not apps.is_installed("minesafe.monitoring"):
        return []
    try:
        alarm_model = apps.get_model("monitoring", "Alarm")
    except LookupError:
        return []
    since = hazard.found_at - dt.timedelta(days=facts["alarm_window_days"])
    alarms = alarm_model.objects.filter(
        mine_id=hazard.mine_id, opened_at__gte=since, opened_at__lte=hazard.found_at
    )
    out: list[tuple[str, str]] = []
    for alarm in alarms.only("kind", "details", "opened_at")[:200]:
        details = alarm.details if isinstance(alarm.details, dict) else {}
        when = timezone.localtime(alarm.opened_at).strftime("%m-%d %H:%M")
        rule = facts["over_staffing"]
        if alarm.kind == "over_staffing" and (_ratio(details) or 0) >= rule["min_ratio"]:
            out.append((rule["code"], f"{rule['note']}（{when}，{_ratio(details):.2f}倍）"))
        elif alarm.kind == "power_off_failed":
            out.append(
                (
                    facts["power_off_failed"]["code"],
                    f"{facts['power_off_failed']['note']}（{when}）",
                )
            )
        elif alarm.kind == "over_limit" and details.get("work_continued"):
            note = facts["methane_work_continued"]["note"]
            out.append((facts["methane_work_continued"]["code"], f"{note}（{when}）"))
        elif alarm.kind in facts["monitoring_down"]["kinds"]:
            out.append(
                (facts["monitoring_down"]["code"], f"{facts['monitoring_down']['note']}（{when}）")
            )
    return out


def make_suggestions(hazard: Hazard) -> list[HazardSuggestion]:
    """Store the text and fact suggestions of a hazard (none if a situation is already set)."""
    if hazard.situation_id:
        return []
    items = {i.code: i for i in items_in_force(hazard.found_on)}
    made: dict[str, HazardSuggestion] = {}
    for code, why in fact_candidates(hazard):
        if code in items and code not in made:
            made[code] = HazardSuggestion(
                hazard=hazard,
                item=items[code],
                method=SuggestionMethod.FACT,
                rank=len(made) + 1,
                score=1.0,
                explanation=why,
            )
    for rank, cand in enumerate(text_candidates(hazard.description, hazard.found_on), 1):
        if cand.code == GENERAL:
            break  # below the threshold: nothing worth a person's time
        if cand.code in items and cand.code not in made:
            made[cand.code] = HazardSuggestion(
                hazard=hazard,
                item=items[cand.code],
                method=SuggestionMethod.TEXT,
                rank=rank,
                score=cand.score,
                explanation=cand.explanation(),
            )
    return HazardSuggestion.objects.bulk_create(made.values())
