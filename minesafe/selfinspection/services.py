"""The campaign workflow (HAZ-8): launch, answer, sign (findings become hazards), review.

Every function validates through :mod:`minesafe.selfinspection.rules`, raises
``ValidationError`` naming the field on bad input, writes a :class:`ReportTransition` row for each
status change and takes ``now``/``today`` from the caller (STYLE 10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from minesafe.core.roles import MINE_ROLES, Role
from minesafe.core.scoping import VIEW
from minesafe.core.transitions import Binding, apply
from minesafe.core.workflow import Refusal
from minesafe.localtime import local_date
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Topic
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.selfinspection import rules
from minesafe.selfinspection.choices import AnswerResult
from minesafe.selfinspection.models import (
    Campaign,
    CampaignReport,
    ChecklistItem,
    ChecklistTemplate,
    ReportAnswer,
    ReportTransition,
)

HAZARD_SOURCE = "mine_self_check"


@dataclass(frozen=True)
class AnswerInput:
    """What a mine wrote for one item."""

    result: str
    finding: str = ""
    place: str = ""


def launch_campaign(
    *,
    user: Any,
    name: str,
    template: ChecklistTemplate,
    mines: Iterable[Mine],
    deadline: dt.date,
    today: dt.date,
    scope_mode: str,
    scope_note: str = "",
    instructions: str = "",
) -> Campaign:
    """A regulator launches a campaign: one draft report per mine of its jurisdiction."""
    chosen = list(mines)
    errors: dict[str, str] = {}
    if not chosen:
        errors["mines"] = "范围内没有煤矿"
    allowed = set(Mine.objects.restrict(user, VIEW).values_list("pk", flat=True))
    outside = [m for m in chosen if m.pk not in allowed]
    if outside:
        errors["mines"] = f"煤矿不在您的管辖范围内：{outside[0].pk}"
    if deadline < today:
        errors["deadline"] = "完成期限不能早于今天"
    if getattr(user, "organization_id", None) is None:
        errors["organization"] = "只有监管部门可以发起自查自改活动"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = Campaign(
            name=name,
            template=template,
            organization=user.organization,
            launched_by=user,
            launched_on=today,
            deadline=deadline,
            scope_mode=scope_mode,
            scope_note=scope_note,
            instructions=instructions,
        )
        campaign.full_clean()
        campaign.save()
        for mine in chosen:
            CampaignReport.objects.create(campaign=campaign, mine=mine)
    return campaign


def template_items(report: CampaignReport) -> QuerySet[ChecklistItem]:
    return report.campaign.template.items().select_related("section")


def answers_by_item(report: CampaignReport) -> dict[int, ReportAnswer]:
    return {a.item_id: a for a in report.answers.all()}


def report_completeness(report: CampaignReport) -> rules.Completeness:
    answers = {a.item_id: (a.result, a.finding) for a in report.answers.all()}
    return rules.completeness(template_items(report).values_list("pk", flat=True), answers)


def save_answers(report: CampaignReport, answers: Mapping[int, AnswerInput]) -> list[ReportAnswer]:
    """Store a mine's answers to some items of its report (all or one section at a time).

    Raises ``ValidationError`` keyed ``item-<id>`` for each bad answer; nothing is saved then.
    """
    if report.status not in rules.EDITABLE:
        raise ValidationError({"status": f"报告已{report.get_status_display()}，不能修改"})
    items = set(template_items(report).values_list("pk", flat=True))
    errors: dict[str, str] = {}
    for item_id, answer in answers.items():
        problem = (
            "检查内容不属于本检查表"
            if item_id not in items
            else rules.answer_problem(answer.result, answer.finding)
        )
        if problem:
            errors[f"item-{item_id}"] = problem
    if errors:
        raise ValidationError(errors)
    existing = answers_by_item(report)
    saved = []
    with transaction.atomic():
        for item_id, answer in answers.items():
            row = existing.get(item_id) or ReportAnswer(report=report, item_id=item_id)
            changed = (row.result, row.finding, row.place) != (
                answer.result,
                answer.finding.strip(),
                answer.place.strip(),
            )
            if row.pk and not changed:
                continue
            row.result, row.finding, row.place = answer.result, answer.finding.strip(), answer.place
            row.save()
            saved.append(row)
    return saved


#: The report workflow on the spine (HAZ-8): steps, history, notifications in one place.
def _county_of(report: CampaignReport) -> notifications.ToRoles:
    return notifications.to_roles(report.mine, {Role.COUNTY_REGULATOR})


def _mine_of(report: CampaignReport) -> notifications.ToRoles:
    return notifications.to_roles(report.mine, MINE_ROLES)


REPORTS = Binding(
    CampaignReport,
    ReportTransition,
    "report",
    rules.REPORT_WORKFLOW,
    notify=(
        notifications.step_notifier(Topic.SELF_INSPECTION, _county_of, steps=frozenset({"sign"})),
        notifications.step_notifier(
            Topic.SELF_INSPECTION, _mine_of, steps=frozenset({"accept", "return"})
        ),
    ),
)


def _record_hazards(report: CampaignReport, user: Any, now: dt.datetime) -> int:
    """Turn each "hazard found" answer not yet in the ledger into a hazard (HAZ-8 → HAZ-1)."""
    from minesafe.hazards.services import record_hazard

    made = 0
    for answer in report.answers.filter(result=AnswerResult.HAZARD, hazard_id__isnull=True):
        hazard = record_hazard(
            mine=report.mine,
            source=HAZARD_SOURCE,
            description=f"{answer.item.text}：{answer.finding}",
            found_at=now,
            finder=report.signer_name,
            signer=report.signer_name,
            place=answer.place,
            user=user,
            origin=answer,
            now=now,
        )
        answer.hazard_id = hazard.pk
        answer.save(update_fields=["hazard_id", "updated_at"])
        made += 1
    return made


def sign_report(
    report: CampaignReport, *, user: Any, signer_name: str, now: dt.datetime, summary: str = ""
) -> int:
    """The mine manager signs a complete report and sends it to the regulator and the parent
    enterprise; its "hazard found" answers become hazards. Returns how many hazards were made."""
    if not signer_name.strip():
        raise Refusal("signer_name", "请填写签字矿长姓名")

    def sign(locked: CampaignReport) -> None:
        if locked.status in rules.EDITABLE and not report_completeness(locked).complete:
            raise Refusal("status", "报告尚有未完成的检查内容，不能签字")
        locked.signer_name = signer_name.strip()
        locked.signed_by = user
        locked.signed_at = now
        if summary.strip():
            locked.summary = summary.strip()

    with transaction.atomic():
        apply(REPORTS, report, "sign", user, now, reason="签字上报", signed=True, effect=sign)
        return _record_hazards(report, user, now)


def review_report(
    report: CampaignReport, *, user: Any, decision: str, reason: str, now: dt.datetime
) -> None:
    """A regulator of the mine accepts a signed report or returns it with reasons (HAZ-8)."""
    step = rules.REVIEW_STEPS.get(decision)
    if step is None:
        raise Refusal("decision", "请选择审核结论")

    def note(locked: CampaignReport) -> None:
        locked.reviewed_at = now
        locked.review_note = reason.strip()

    apply(REPORTS, report, step, user, now, reason=reason, effect=note)


def overdue_reports(campaign: Campaign, today: dt.date) -> list[CampaignReport]:
    return [
        r for r in campaign.reports.all() if rules.is_overdue(r.status, campaign.deadline, today)
    ]


def mines_lacking_inspection(user: Any, today: dt.date) -> list[dict[str, Any]]:
    """Producing mines the user sees without a signed report within the interval in force
    (HAZ-8, 003: 每半年至少开展一次), with the day of their last signed report."""
    last = dict(
        CampaignReport.objects.restrict(user, VIEW)
        .filter(signed_at__isnull=False)
        .values_list("mine")
        .annotate(last=Max("signed_at"))
    )
    out = []
    mines = Mine.objects.restrict(user, VIEW).filter(status=MineStatus.PRODUCING).order_by("code")
    for mine in mines:
        signed = last.get(mine.pk)
        day = local_date(signed) if signed else None
        if rules.lacks_recent_inspection(day, today):
            out.append({"mine": mine, "last": day})
    return out


def now() -> dt.datetime:
    """The wall clock, for views only; services take ``now`` from their caller."""
    return timezone.now()
