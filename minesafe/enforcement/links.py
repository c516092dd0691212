"""Where enforcement meets the other areas: hazards (H4), violations and checklists (H4b),
monitoring alarms. Each link is guarded: an area that is not installed, or has no rows, simply
contributes nothing (a missing model weighs 0 in the draw, ENF-2).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from minesafe.core.workflow import Refusal

log = logging.getLogger(__name__)


def _model(label: str) -> Any | None:
    """The model ``app.Model`` if that area is installed and defines it, else None."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _function(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def open_major_hazards(mine_ids: Iterable[int]) -> dict[int, int]:
    """ENF-2: open major hazards per mine (hazards.Hazard)."""
    hazard = _model("hazards.Hazard")
    if hazard is None:
        return {}
    from minesafe.hazards.choices import OPEN_STATUSES, HazardGrade

    rows = (
        hazard.objects.filter(mine_id__in=list(mine_ids), grade=HazardGrade.MAJOR)
        .filter(status__in=OPEN_STATUSES)
        .values_list("mine_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def recent_alarms(mine_ids: Iterable[int], since: dt.datetime) -> dict[int, tuple[int, int]]:
    """ENF-2: (alarms, data anomalies) per mine since ``since`` (monitoring.Alarm)."""
    alarm = _model("monitoring.Alarm")
    if alarm is None:
        return {}
    try:
        from minesafe.monitoring.choices import DATA_QUALITY_KINDS
    except ImportError:
        DATA_QUALITY_KINDS = frozenset()
    rows = (
        alarm.objects.filter(mine_id__in=list(mine_ids), opened_at__gte=since)
        .values("mine_id")
        .annotate(n=Count("pk"), anomalies=Count("pk", filter=Q(kind__in=DATA_QUALITY_KINDS)))
    )
    return {r["mine_id"]: (r["n"] - r["anomalies"], r["anomalies"]) for r in rows}


def record_hazard(finding: Any, user: Any) -> int | None:
    """ENF-3: hand a finding to the hazard loop (hazards.services.record_hazard); the hazard's id
    is kept on the finding so the loop's state shows on the record."""
    record = _function("minesafe.hazards.services", "record_hazard")
    if record is None or finding.kind == "illegal_act":
        return None
    inspection = finding.inspection
    source = "regulator_inspection" if inspection.organization.is_regulator else "inspectorate"
    leader = inspection.leader or user
    hazard = record(
        mine=inspection.mine,
        source=source,
        description=finding.description,
        found_at=inspection.started_at or inspection.finished_at,
        finder=str(leader) if leader else inspection.organization.name,
        signer=str(inspection.signed_by) if inspection.signed_by_id else "",
        place=finding.place,
        grade="major" if finding.major else "general",
        situation=finding.situation,
        user=user,
        origin=finding,
    )
    if finding.rectify_by and hasattr(hazard, "deadline") and not hazard.deadline:
        hazard.deadline = finding.rectify_by
        hazard.save(update_fields=["deadline"])
    return int(hazard.pk)


def hazard_states(ids: Iterable[int]) -> dict[int, Any]:
    hazard = _model("hazards.Hazard")
    if hazard is None:
        return {}
    return {h.pk: h for h in hazard.objects.filter(pk__in=[i for i in ids if i])}


def close_hazard(hazard_id: int, user: Any, now: dt.datetime, note: str) -> bool:
    """Follow-up: whether a re-check may close a finding whose hazard is ``hazard_id``.

    A hazard the loop already verified or closed counts as done; one the mine reported rectified
    is verified and closed here through H4's transitions; one still open in the loop is not (the
    mine has not rectified it yet, or the loop's rules refuse this user) and stays open."""
    hazard_model = _model("hazards.Hazard")
    transition = _function("minesafe.hazards.services", "transition")
    if hazard_model is None or transition is None:
        return True
    hazard = hazard_model.objects.filter(pk=hazard_id).first()
    if hazard is None:
        return True
    for name, done in (("verify", ("verified", "closed")), ("close", ("closed",))):
        if hazard.status in done:
            continue
        try:
            hazard = transition(hazard, name, user, reason=note, now=now)
        except (ValidationError, Refusal) as exc:
            log.debug("hazard %s: %s refused on re-check: %s", hazard_id, name, exc)
            return hazard.status in ("verified", "closed")
    return True


def record_violation(inspection: Any, data: dict[str, Any], user: Any) -> Any | None:
    """ENF-3: an on-site 三违 goes through the violations area (violations.services)."""
    record = _function("minesafe.violations.services", "record_violation")
    if record is None:
        raise LookupError("三违记录功能未安装")
    return record(mine=inspection.mine, user=user, origin=inspection, **data)


def violations_of(inspection: Any) -> list[Any]:
    violation = _model("violations.Violation")
    if violation is None or not hasattr(violation, "origin_type"):
        return []
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(type(inspection))
    return list(violation.objects.filter(origin_type=ct, origin_id=str(inspection.pk)))


def checklist_templates() -> list[Any]:
    template = _model("selfinspection.ChecklistTemplate")
    if template is None:
        return []
    return list(template.objects.filter(is_active=True))


def checklist_items(template_id: int) -> list[tuple[int, str]]:
    """ENF-3: the items of a self-inspection checklist template, to examine on site."""
    template = _model("selfinspection.ChecklistTemplate")
    if template is None:
        return []
    obj = template.objects.filter(pk=template_id).first()
    if obj is None:
        return []
    return [(item.pk, str(item)) for item in obj.items()]


def self_inspection_reports(mine: Any) -> list[Any]:
    """ENF-9: the mine's self-inspection reports (selfinspection.CampaignReport)."""
    report = _model("selfinspection.CampaignReport")
    if report is None:
        return []
    return list(report.objects.filter(mine=mine).select_related("campaign")[:20])


def _level(organization: Any) -> str:
    """HAZ-9: the level of a checking body (the inspectorate counts as provincial)."""
    return "province" if not organization.is_regulator else str(organization.division.level)


def trace_responsibility(inspection: Any, now: dt.datetime) -> list[Any]:
    """HAZ-9 (002:9): on archive, each basic-condition major hazard this record found is traced
    back against the mine's prior checks by lower levels (hazards.rules.responsibility_tracing);
    a hit opens a case naming the inspectors who signed those checks."""
    hazard_model = _model("hazards.Hazard")
    if hazard_model is None:
        return []
    from minesafe.enforcement.models import Finding, Inspection
    from minesafe.hazards import rules as hazard_rules
    from minesafe.hazards import services as hazard_services

    ids = [
        f.hazard_id_ref for f in inspection.findings.filter(major=True, hazard_id_ref__isnull=False)
    ]
    if not ids:
        return []
    prior = (
        Inspection.objects.filter(mine=inspection.mine, signed_by__isnull=False)
        .filter(finished_at__lt=inspection.started_at or now)
        .exclude(pk=inspection.pk)
        .select_related("signed_by", "organization__division")
    )
    found = {}
    for finding in Finding.objects.filter(inspection__in=prior, situation__isnull=False):
        found.setdefault(finding.inspection_id, set()).add(finding.situation.code)
    checks = [
        hazard_rules.PriorCheck(
            mine_id=p.mine_id,
            checked_at=p.finished_at,
            level=_level(p.organization),
            inspectors=(str(p.signed_by),),
            found_codes=frozenset(found.get(p.pk, set())),
            label=f"{p.organization.name} {p.finished_at:%Y-%m-%d}",
        )
        for p in prior
    ]
    cases = []
    for hazard in hazard_model.objects.filter(pk__in=ids).select_related("situation"):
        result = hazard_rules.responsibility_tracing(
            hazard_services.tracing_facts(hazard), checks, now
        )
        if result is not None:
            cases.append(
                hazard_services.open_responsibility_case(
                    hazard, result.inspectors, result.checks, now
                )
            )
    return cases
