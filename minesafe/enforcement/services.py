"""Enforcement actions: plans, draws, the inspection flow, decisions, documents, scores and
referrals. Views and the API call these; every clock is passed in (STYLE 10)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from minesafe.core import sealing
from minesafe.core.editions import judged_on
from minesafe.enforcement import links, rules
from minesafe.enforcement.choices import (
    DOCUMENT_MARKS,
    MAJOR_CONSEQUENCES,
    PUBLIC_DOCUMENTS,
    SEALED_KINDS,
    STEP_ORDER,
    Consequence,
    DocumentKind,
    InspectionKind,
    ReviewStatus,
    Step,
)
from minesafe.enforcement.models import (
    Decision,
    Document,
    DocumentCounter,
    Draw,
    Finding,
    Inspection,
    InspectionStep,
    ManagerScore,
    Plan,
    PlanEntry,
    QuizResult,
    Referral,
)
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus, Ownership
from minesafe.registry.models import Mine

BODY_KIND_MARKS = {
    "emergency": "应急煤",
    "coal_safety": "煤安",
    "energy": "能源煤",
    "inspectorate": "煤监",
    "government": "政煤",
}


def supervised_mines(organization: Any) -> Any:
    """The mines a body plans for: those it supervises or inspects, else those in its division."""
    direct = Mine.objects.filter(Q(supervisor=organization) | Q(inspectorate=organization))
    if direct.exists():
        return direct
    return Mine.objects.filter(county__path__startswith=organization.division.path)


# --- plans (ENF-1, ENF-10) -------------------------------------------------------------------


def plan_facts(mine: Mine) -> rules.PlanFacts:
    return rules.PlanFacts(
        supervision_class=mine.supervision_class,
        status=mine.status,
        private=mine.enterprise.ownership == Ownership.PRIVATE,
        accidents_12m=mine.accidents_12m,
        management_changes_12m=mine.management_changes_12m,
    )


@transaction.atomic
def generate_plan(organization: Any, year: int, on: dt.date | None = None) -> Plan:
    """ENF-1: create or refresh a body's annual plan from each mine's class and risk factors.

    Entries a person has edited (``edited_reason``) are kept as they are.
    """
    on = on or dt.date(year, 1, 1)
    plan, _ = Plan.objects.get_or_create(organization=organization, year=year)
    mines = supervised_mines(organization).select_related("enterprise").order_by("code")
    for index, mine in enumerate(mines):
        entry = PlanEntry.objects.filter(plan=plan, mine=mine).first()
        if entry is not None and entry.edited_reason:
            continue
        advice = rules.plan_checks(plan_facts(mine), on)
        values = {
            "checks": advice.checks,
            "months": rules.spread_months(advice.checks, index),
            "surprise": advice.surprise,
            "reasons": [{"text": r.text, "source": r.source} for r in advice.reasons],
        }
        PlanEntry.objects.update_or_create(plan=plan, mine=mine, defaults=values)
    return plan


@dataclass
class ProgressRow:
    label: str
    planned: list[int]
    done: list[int]

    @property
    def planned_total(self) -> int:
        return sum(self.planned)

    @property
    def done_total(self) -> int:
        return sum(self.done)

    @property
    def cells(self) -> list[tuple[int, int]]:
        return list(zip(self.planned, self.done, strict=True))


def _done_by_month(plan: Plan, entries: Sequence[PlanEntry]) -> dict[tuple[int, int], int]:
    """(mine id, month) → checks the plan's body finished at the mine in the plan's year."""
    done: dict[tuple[int, int], int] = {}
    finished = Inspection.objects.filter(
        organization=plan.organization,
        mine__in=[e.mine_id for e in entries],
        finished_at__year=plan.year,
        signed_by__isnull=False,
    ).values_list("mine_id", "finished_at")
    for mine_id, at in finished:
        key = (mine_id, timezone.localtime(at).month)
        done[key] = done.get(key, 0) + 1
    return done


def plan_progress(plan: Plan, entries: Sequence[PlanEntry]) -> dict[str, list[ProgressRow]]:
    """ENF-1: planned vs done per month, per mine and per responsible inspector."""
    done = _done_by_month(plan, entries)
    by_mine: list[ProgressRow] = []
    by_inspector: dict[str, ProgressRow] = {}
    for entry in entries:
        planned = [1 if m in entry.months else 0 for m in range(1, 13)]
        actual = [done.get((entry.mine_id, m), 0) for m in range(1, 13)]
        by_mine.append(ProgressRow(str(entry.mine), planned, actual))
        name = str(entry.inspector) if entry.inspector_id else "未指定"
        row = by_inspector.setdefault(name, ProgressRow(name, [0] * 12, [0] * 12))
        row.planned = [a + b for a, b in zip(row.planned, planned, strict=True)]
        row.done = [a + b for a, b in zip(row.done, actual, strict=True)]
    return {"mines": by_mine, "inspectors": sorted(by_inspector.values(), key=lambda r: r.label)}


# --- the draw (ENF-2) ------------------------------------------------------------------------


def draw_inputs(mines: Iterable[Mine], now: dt.datetime) -> list[dict[str, Any]]:
    """ENF-2: each candidate's risk facts and weight, stored with the draw."""
    mines = list(mines)
    ids = [m.pk for m in mines]
    lookback = int(rules._edition("draw_weights", local_date(now))["lookback_days"])
    majors = links.open_major_hazards(ids)
    alarms = links.recent_alarms(ids, now - dt.timedelta(days=lookback))
    rows = []
    for mine in sorted(mines, key=lambda m: m.pk):
        n_alarms, n_anomalies = alarms.get(mine.pk, (0, 0))
        facts = rules.RiskFacts(
            mine.supervision_class, majors.get(mine.pk, 0), n_alarms, n_anomalies
        )
        rows.append(
            {
                "mine": mine.pk,
                "class": facts.supervision_class,
                "open_major_hazards": facts.open_major_hazards,
                "recent_alarms": facts.recent_alarms,
                "data_anomalies": facts.data_anomalies,
                "weight": rules.risk_weight(facts, local_date(now)),
            }
        )
    return rows


def _stored_targets(inputs: list[dict[str, Any]], count: int, seed: str) -> list[int]:
    return rules.draw_targets([(row["mine"], float(row["weight"])) for row in inputs], count, seed)


@transaction.atomic
def make_draw(
    *,
    organization: Any,
    kind: str,
    check_on: dt.date,
    count: int,
    user: Any,
    now: dt.datetime,
    mines: Iterable[Mine] | None = None,
    seed: str | None = None,
) -> Draw:
    """ENF-2: draw targets weighted by risk and create their sealed inspection records."""
    if kind not in SEALED_KINDS and kind != InspectionKind.CLOSED_MINE:
        raise ValidationError({"kind": "只有突击、夜查、回马枪和关闭矿井检查需要随机抽取"})
    if check_on < local_date(now):
        raise ValidationError({"check_on": "检查日期不能早于今天"})
    if count < 1:
        raise ValidationError({"count": "抽取数量至少为1"})
    pool = list(mines if mines is not None else supervised_mines(organization))
    if kind == InspectionKind.CLOSED_MINE:
        pool = [m for m in pool if m.status in (MineStatus.CLOSED, MineStatus.LONG_STOPPED)]
    if not pool:
        raise ValidationError({"count": "没有可抽取的煤矿"})
    inputs = draw_inputs(pool, now)
    seed = seed or secrets.token_hex(16)
    targets = _stored_targets(inputs, count, seed)
    draw = Draw.objects.create(
        organization=organization,
        kind=kind,
        check_on=check_on,
        count=count,
        seed=seed,
        inputs=inputs,
        targets=targets,
        drawn_by=user,
        drawn_at=now,
    )
    for mine in Mine.objects.filter(pk__in=targets):
        inspection = Inspection.objects.create(
            mine=mine,
            organization=organization,
            kind=kind,
            draw=draw,
            planned_on=check_on,
            sealed=True,
            leader=user if getattr(user, "organization_id", None) == organization.pk else None,
        )
        _transition(inspection, "", Step.PLAN, user, now, f"随机抽取：{draw}")
    return draw


def verify_draw(draw: Draw) -> tuple[bool, list[int]]:
    """ENF-2: re-run a draw from its stored seed and inputs; True if the targets are the same."""
    again = _stored_targets(list(draw.inputs), draw.count, draw.seed)
    return again == list(draw.targets), again


# --- the inspection flow (ENF-3) -------------------------------------------------------------


def _transition(
    inspection: Inspection, old: str, new: str, user: Any, now: dt.datetime, note: str = ""
) -> InspectionStep:
    return InspectionStep.objects.create(
        inspection=inspection, old_step=old, new_step=new, user=user, at=now, note=note
    )


def decision_of(inspection: Inspection) -> Decision | None:
    """The saved decision of a record (never an unsaved one left on the reverse accessor)."""
    return Decision.objects.filter(inspection=inspection).first()


def next_steps(inspection: Inspection) -> list[str]:
    """ENF-3: where the record may go from here. The flow only moves forward; re-check may be
    skipped when nothing is to be rectified."""
    index = STEP_ORDER.index(inspection.step)
    if index + 1 >= len(STEP_ORDER):
        return []
    following = [STEP_ORDER[index + 1]]
    if following[0] == Step.RECHECK and not inspection.findings.exists():
        following.append(Step.ARCHIVE)
    return following


def _check_move(inspection: Inspection, new: str, now: dt.datetime) -> None:
    if new not in next_steps(inspection):
        raise ValidationError({"step": f"不能从「{inspection.get_step_display()}」直接转到该环节"})
    if new == Step.ONSITE and inspection.planned_on > local_date(now):
        raise ValidationError({"step": "未到检查日期，不能开始现场检查"})
    if new == Step.DECIDE and not inspection.signed:
        raise ValidationError({"step": "检查记录须先由执法人员签名"})
    if new == Step.NOTIFY:
        decision = decision_of(inspection)
        if decision is None:
            raise ValidationError({"step": "请先作出处理决定"})
        if not decision.issuable:
            raise ValidationError({"step": "处理决定尚未通过法制审核"})


@transaction.atomic
def move(inspection: Inspection, new: str, user: Any, now: dt.datetime, note: str = "") -> None:
    """ENF-3: advance the record one step, appending the transition row. Starting the on-site
    check unseals an unannounced record: from then on the mine sees it."""
    _check_move(inspection, new, now)
    old = inspection.step
    inspection.step = new
    fields = ["step", "updated_at"]
    if new == Step.ONSITE:
        inspection.sealed = False
        inspection.started_at = inspection.started_at or now
        fields += ["sealed", "started_at"]
    inspection.save(update_fields=fields)
    _transition(inspection, old, new, user, now, note)
    if new == Step.ARCHIVE:
        links.trace_responsibility(inspection, now)


@transaction.atomic
def sign(inspection: Inspection, user: Any, now: dt.datetime, finished_at: dt.datetime) -> None:
    """HAZ-9 谁检查、谁签名、谁负责: the responsible inspector signs the record; a check cannot be
    dated in the future or before it started. Findings then go to the hazard loop."""
    if inspection.signed:
        raise ValidationError({"signed_by": "检查记录已签名"})
    if inspection.step != Step.ONSITE:
        raise ValidationError({"step": "只有现场检查环节的记录可以签名"})
    if finished_at > now:
        raise ValidationError({"finished_at": "检查时间不能晚于当前时间"})
    # Forms give the end to the minute: the start counts from its minute too.
    started = (
        inspection.started_at.replace(second=0, microsecond=0) if inspection.started_at else None
    )
    if started and finished_at < started:
        raise ValidationError({"finished_at": "检查结束时间不能早于开始时间"})
    inspection.finished_at = max(finished_at, inspection.started_at or finished_at)
    inspection.signed_by = user
    inspection.signed_at = now
    inspection.full_clean()
    inspection.save()
    for finding in inspection.findings.filter(hazard_id_ref__isnull=True):
        finding.hazard_id_ref = links.record_hazard(finding, user)
        finding.save(update_fields=["hazard_id_ref", "updated_at"])


def add_finding(inspection: Inspection, user: Any, today: dt.date, **values: Any) -> Finding:
    """ENF-3: record a finding on site; its rectification deadline defaults from the rules."""
    if inspection.step != Step.ONSITE or inspection.signed:
        raise ValidationError({"inspection": "只能在签名前的现场检查环节登记问题"})
    finding = Finding(inspection=inspection, **values)
    finding.clean()
    if finding.situation is not None:
        from minesafe.hazards.rules import is_basic_condition

        finding.basic_condition = is_basic_condition(finding.situation.code, today)
    if finding.rectify_by is None:
        finding.rectify_by = today + dt.timedelta(days=rules.rectify_days(finding.major, today))
    if finding.rectify_by < today:
        raise ValidationError({"rectify_by": "整改期限不能早于今天"})
    finding.full_clean()
    finding.save()
    return finding


def add_quiz(inspection: Inspection, today: dt.date, **values: Any) -> QuizResult:
    """PER-8 逢查必考: record a worker's quiz; who fails is stopped from working at once."""
    if inspection.step != Step.ONSITE:
        raise ValidationError({"inspection": "只能在现场检查环节记录逢查必考"})
    quiz = QuizResult(inspection=inspection, **values)
    quiz.full_clean(exclude=["passed", "stopped"])
    quiz.passed = rules.quiz_passed(quiz.correct, quiz.asked, quiz.failed_topics, today)
    quiz.stopped = not quiz.passed
    quiz.save()
    return quiz


def retrain(quiz: QuizResult, on: dt.date) -> None:
    """PER-8: a stopped worker who passed retraining may work again."""
    quiz.retrained_on = on
    quiz.stopped = False
    quiz.save(update_fields=["retrained_on", "stopped", "updated_at"])


# --- decisions (ENF-5, ENF-6) ----------------------------------------------------------------


def major_checks_90d(inspection: Inspection, on: dt.date) -> int:
    """002:34: separate checks at this mine within 90 days (this one included) that found a
    major hazard."""
    since = on - dt.timedelta(days=90)
    earlier = (
        Inspection.objects.filter(mine=inspection.mine, findings__major=True)
        .filter(finished_at__date__gte=since)
        .exclude(pk=inspection.pk)
        .distinct()
        .count()
    )
    return earlier + int(inspection.findings.filter(major=True).exists())


def propose(inspection: Inspection, on: dt.date) -> rules.Proposal:
    """ENF-5/ENF-6: the rules' proposal for this record's findings."""
    facts = [
        rules.FindingFacts(
            kind=f.kind,
            major=f.major,
            self_reported=f.self_reported,
            first_offence=f.first_offence,
            tip_off_verified=f.tip_off_verified,
            repeated=f.repeated,
        )
        for f in inspection.findings.all()
    ]
    return rules.propose_decision(
        facts,
        producing=inspection.mine.status in (MineStatus.PRODUCING, MineStatus.TRIAL),
        major_hazards_90d=major_checks_90d(inspection, on),
        on=on,
    )


@transaction.atomic
def decide(
    inspection: Inspection,
    *,
    consequences: Sequence[str],
    user: Any,
    now: dt.datetime,
    deviation_reason: str = "",
    fine: Decimal | None = None,
    legal_basis: str = "",
    manager_name: str = "",
    manager_id_number: str = "",
) -> Decision:
    """ENF-5/ENF-6: fix the decision. Dropping a mandatory consequence or adding one is a
    deviation: it needs a written reason and goes to legal review, as does any major decision.
    Manager points and referrals follow from the final decision."""
    if not inspection.signed:
        raise ValidationError({"inspection": "未签名的检查记录不能作出处理决定"})
    if decision_of(inspection) is not None:
        raise ValidationError({"inspection": "该检查记录已作出处理决定"})
    unknown = [c for c in consequences if c not in Consequence.values]
    if unknown:
        raise ValidationError({"consequences": f"未知的处理措施：{', '.join(unknown)}"})
    proposal = propose(inspection, local_date(now))
    deviated = set(consequences) != set(proposal.consequences)
    decision = Decision(
        inspection=inspection,
        proposed=proposal.as_dict(),
        consequences=list(consequences),
        deviated=deviated,
        deviation_reason=deviation_reason,
        fine=fine,
        legal_basis=legal_basis,
        manager_name=manager_name,
        manager_id_number=manager_id_number,
        decided_by=user,
        decided_at=now,
    )
    review = rules.needs_legal_review(consequences, deviated, MAJOR_CONSEQUENCES)
    decision.review_status = ReviewStatus.PENDING if review else ReviewStatus.NOT_NEEDED
    decision.full_clean()
    points_due = Consequence.MANAGER_POINTS in consequences or _points_due(
        inspection, local_date(now)
    )
    if points_due and not manager_id_number.strip():
        raise ValidationError({"manager_id_number": "矿长记分须填写矿长身份证号"})
    decision.save()
    _score_manager(decision, local_date(now))
    _refer(inspection, decision, local_date(now))
    _schedule_recheck(inspection)
    return decision


def _points_due(inspection: Inspection, on: dt.date) -> int:
    return sum(rules.manager_points(f.kind, on)[0] for f in inspection.findings.all())


def _score_manager(decision: Decision, on: dt.date) -> None:
    """PER-9: points per finding on the manager named in the decision."""
    if not decision.manager_id_number:
        return
    inspection = decision.inspection
    for finding in inspection.findings.all():
        points, reason = rules.manager_points(finding.kind, on)
        if points:
            ManagerScore.objects.create(
                mine=inspection.mine,
                person_name=decision.manager_name,
                id_number=decision.manager_id_number,
                points=points,
                kind=finding.kind,
                reason=str(reason),
                scored_on=on,
                inspection=inspection,
            )


def _refer(inspection: Inspection, decision: Decision, on: dt.date) -> None:
    """ENF-7: the referrals the decision carries (beyond boundary ⇒ natural resources, power,
    police for explosives)."""
    mapping = {
        Consequence.REFER_NATURAL_RESOURCES: "natural_resources",
        Consequence.STOP_POWER: "power",
        Consequence.STOP_EXPLOSIVES: "police",
    }
    wanted = {mapping[c] for c in decision.consequences if c in mapping}
    for target in sorted(wanted):
        Referral.objects.create(
            mine=inspection.mine,
            inspection=inspection,
            target=target,
            matter="；".join(decision.consequence_labels()),
            sent_on=on,
            due_on=referral_due(target, on),
        )


def _schedule_recheck(inspection: Inspection) -> Inspection | None:
    """Follow-up: a re-check planned on the latest rectification deadline of the findings."""
    due = max((f.rectify_by for f in inspection.findings.all() if f.rectify_by), default=None)
    if due is None:
        return None
    inspection.recheck_due = due
    inspection.save(update_fields=["recheck_due", "updated_at"])
    return Inspection.objects.create(
        mine=inspection.mine,
        organization=inspection.organization,
        kind=InspectionKind.RECHECK,
        recheck_of=inspection,
        planned_on=due,
        leader=inspection.leader,
    )


@transaction.atomic
def review(decision: Decision, *, approve: bool, note: str, user: Any, now: dt.datetime) -> None:
    """ENF-4 法制审核: approve a major decision (documents may then be issued) or return it."""
    if decision.review_status != ReviewStatus.PENDING:
        raise ValidationError({"review_status": "该决定不在待审核状态"})
    if not approve and not note.strip():
        raise ValidationError({"review_note": "退回须写明审核意见"})
    if decision.decided_by_id == user.pk:
        raise ValidationError({"reviewer": "法制审核须由作出决定以外的人员进行"})
    decision.review_status = ReviewStatus.APPROVED if approve else ReviewStatus.RETURNED
    decision.reviewer = user
    decision.reviewed_at = now
    decision.review_note = note
    decision.save()


@transaction.atomic
def close_recheck(recheck: Inspection, user: Any, now: dt.datetime) -> int:
    """Follow-up: a signed re-check closes the loop on the original record's findings. A finding
    handed to the hazard loop closes only with its hazard (verified and closed there); one whose
    hazard the mine has not rectified yet stays open. Returns how many findings were closed."""
    original = recheck.recheck_of
    if original is None or not recheck.signed:
        raise ValidationError({"recheck_of": "只有已签名的复查记录可以闭环"})
    closed = 0
    for finding in original.findings.filter(rectified_on__isnull=True):
        note = f"复查验收：{recheck}"
        if finding.hazard_id_ref and not links.close_hazard(finding.hazard_id_ref, user, now, note):
            continue
        finding.rectified_on = local_date(now)
        finding.save(update_fields=["rectified_on", "updated_at"])
        closed += 1
    return closed


# --- documents (ENF-4) -----------------------------------------------------------------------


def number_prefix(organization: Any) -> str:
    """The issuing body's mark: first character of its division and its kind (青应急煤…)."""
    return f"{organization.division.name[:1]}{BODY_KIND_MARKS.get(organization.kind, '煤')}"


def _next_serial(organization: Any, kind: str, year: int) -> int:
    """Concurrency-safe: the counter row is locked (PostgreSQL) and the document number is
    unique, so two inspectors issuing at once never share a number."""
    DocumentCounter.objects.get_or_create(organization=organization, kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(
        organization=organization, kind=kind, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


DECISION_DOCUMENTS = {
    DocumentKind.ONSITE_DECISION,
    DocumentKind.PENALTY_DECISION,
    DocumentKind.SUSPENSION_ORDER,
}


def _check_issuable(inspection: Inspection, kind: str) -> None:
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "未知的文书类型"})
    if not inspection.signed:
        raise ValidationError({"inspection": "检查记录未经执法人员签名，不能制发文书"})
    decision = decision_of(inspection)
    if kind == DocumentKind.RECTIFICATION_ORDER and not inspection.findings.exists():
        raise ValidationError({"kind": "没有发现问题，无需责令整改"})
    if kind in DECISION_DOCUMENTS:
        if decision is None:
            raise ValidationError({"kind": "请先作出处理决定"})
        if not decision.issuable:
            raise ValidationError({"kind": "重大执法决定须经法制审核通过后方可制发"})
        needed = {
            DocumentKind.PENALTY_DECISION: {Consequence.PENALTY, Consequence.HEAVIER_PENALTY},
            DocumentKind.SUSPENSION_ORDER: {Consequence.SUSPENSION},
        }.get(kind)
        if needed and not needed & set(decision.consequences):
            raise ValidationError({"kind": "处理决定中没有相应措施"})


def issue_document(inspection: Inspection, kind: str, user: Any, now: dt.datetime) -> Document:
    """ENF-4: issue a numbered document for a signed record (retrying a number clash)."""
    _check_issuable(inspection, kind)
    existing = Document.objects.filter(inspection=inspection, kind=kind).first()
    if existing is not None:
        return existing
    year = timezone.localtime(now).year
    organization = inspection.organization
    for _ in range(5):
        try:
            with transaction.atomic():
                serial = _next_serial(organization, kind, year)
                return Document.objects.create(
                    inspection=inspection,
                    organization=organization,
                    kind=kind,
                    year=year,
                    serial=serial,
                    number=rules.document_number(
                        number_prefix(organization), DOCUMENT_MARKS[kind], year, serial
                    ),
                    issued_at=now,
                    issued_by=user,
                    public=kind in PUBLIC_DOCUMENTS,
                    chain_head=sealing.mine_head(inspection.mine_id),
                )
        except IntegrityError:
            continue
    raise ValidationError({"kind": "文书编号冲突，请重试"})


# --- scores and referrals (PER-9, ENF-7) ------------------------------------------------------


@dataclass
class ManagerRecord:
    id_number: str
    name: str
    points_in_cycle: int
    removal_due: bool
    cycle_from: dt.date


def manager_record(id_number: str, today: dt.date) -> ManagerRecord:
    """PER-9: a manager's points within the current cycle, across every mine they served."""
    since = rules.cycle_start(today, today)
    rows = ManagerScore.objects.filter(id_number=id_number)
    total = rows.filter(scored_on__gte=since).aggregate(s=Sum("points"))["s"] or 0
    name = rows.values_list("person_name", flat=True).first() or ""
    return ManagerRecord(id_number, name, total, rules.removal_due(total, today), since)


def referral_due(target: str, sent_on: dt.date) -> dt.date:
    """The answer deadline of a referral sent on ``sent_on`` (ENF-7); a day before the first
    edition of the rules is an error on ``sent_on``."""
    with judged_on("sent_on"):
        return rules.referral_due(target, sent_on, sent_on)


def answer_referral(referral: Referral, *, answered_on: dt.date, answer: str) -> None:
    """ENF-7: record the referred department's answer."""
    referral.answered_on = answered_on
    referral.answer = answer
    referral.full_clean()
    referral.save()
