"""Enforcement actions on an inspection record: the flow on the workflow spine, on-site
findings and quizzes, the signature, decisions, legal review, follow-up, scores and referrals.
Plans and draws are in ``planning``, documents in ``documents``; views and the API call these;
every clock is passed in (STYLE 10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from minesafe.core import rules as shared_rules
from minesafe.core.editions import judged_on
from minesafe.core.roles import MINE_ROLES
from minesafe.core.transitions import Binding, Effect, apply, open_steps, opened
from minesafe.core.workflow import Refusal
from minesafe.core.workflow import Step as WorkflowStep
from minesafe.enforcement import links, rules
from minesafe.enforcement.choices import (
    MAJOR_CONSEQUENCES,
    Consequence,
    InspectionKind,
    ReviewStatus,
    Step,
)
from minesafe.enforcement.models import (
    Decision,
    Expert,
    Finding,
    Inspection,
    InspectionStep,
    ManagerScore,
    QuizResult,
    Referral,
)
from minesafe.localtime import local_date
from minesafe.notifications import services as notifications
from minesafe.notifications.choices import Topic

# --- the inspection flow (ENF-3) -------------------------------------------------------------


#: The inspection flow on the spine (ENF-3): the record's stage lives in ``Inspection.step``,
#: its history in ``InspectionStep``.
def _mine_of(inspection: Inspection) -> notifications.ToRoles:
    return notifications.to_roles(inspection.mine, MINE_ROLES)


INSPECTIONS = Binding(
    Inspection,
    InspectionStep,
    "inspection",
    rules.INSPECTION_WORKFLOW,
    state_field="step",
    notify=(notifications.step_notifier(Topic.INSPECTION, _mine_of, steps=rules.MINE_TOLD_STEPS),),
)


def record_opened(
    inspection: Inspection, user: Any, now: dt.datetime, reason: str = ""
) -> InspectionStep:
    """The first row of a new record's history (created on a page, by the API or by a draw)."""
    row: InspectionStep = opened(INSPECTIONS, inspection, user, now, reason)
    return row


def decision_of(inspection: Inspection) -> Decision | None:
    """The saved decision of a record (never an unsaved one left on the reverse accessor)."""
    return Decision.objects.filter(inspection=inspection).first()


def _awaits_recheck(inspection: Inspection, step: str) -> bool:
    return rules.skips_recheck(inspection.step, step) and inspection.findings.exists()


def offered_steps(inspection: Inspection, user: Any) -> list[WorkflowStep]:
    """ENF-3: the steps the record's page offers ``user``: the table's open steps, less a skip of
    the re-check that findings still await."""
    return [
        step
        for step in open_steps(INSPECTIONS, inspection, user)
        if not _awaits_recheck(inspection, step.name)
    ]


def _entry_checks(step: str, now: dt.datetime) -> Effect:
    """What a stage asks of the record before it is entered (beyond the table), and what
    entering it sets: the on-site check starts on its day and unseals an unannounced record."""

    def check(locked: Inspection) -> None:
        if _awaits_recheck(locked, step):
            raise Refusal("step", "检查发现的问题须经复查后才能归档")
        if step == Step.ONSITE:
            if locked.planned_on > local_date(now):
                raise Refusal("step", "未到检查日期，不能开始现场检查")
            locked.sealed = False
            locked.started_at = locked.started_at or now
        if step == Step.DECIDE and not locked.signed:
            raise Refusal("step", "检查记录须先由执法人员签名")
        if step == Step.NOTIFY:
            decision = decision_of(locked)
            if decision is None:
                raise Refusal("step", "请先作出处理决定")
            if not decision.issuable:
                raise Refusal("step", "处理决定尚未通过法制审核")

    return check


@transaction.atomic
def take_step(
    inspection: Inspection, step: str, user: Any, now: dt.datetime, reason: str = ""
) -> InspectionStep:
    """ENF-3: move the record one stage on (the step is named after the stage it enters),
    appending its history row; from the on-site check on the mine sees an unannounced record,
    and archiving traces the responsibility for basic-condition findings (HAZ-9). Raises
    :class:`~minesafe.core.workflow.Refusal`."""
    row: InspectionStep = apply(
        INSPECTIONS, inspection, step, user, now, reason=reason, effect=_entry_checks(step, now)
    )
    if step == Step.ARCHIVE:
        links.trace_responsibility(inspection, now)
    return row


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


def earlier_major_dates(inspection: Inspection, on: dt.date) -> list[dt.date]:
    """002:34: the day of each earlier separate signed check at this mine that found a major
    hazard, within the shared closure window (3 calendar months back to ``on``)."""
    since = shared_rules.repeat_window_start(on)
    rows = (
        Inspection.objects.filter(mine=inspection.mine, findings__major=True)
        .filter(signed_by__isnull=False)
        .filter(finished_at__date__gte=since, finished_at__date__lte=on)
        .exclude(pk=inspection.pk)
        .distinct()
        .values_list("pk", "finished_at")
    )
    return [local_date(finished) for _, finished in rows]


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
        status=inspection.mine.status,
        earlier_major_dates=earlier_major_dates(inspection, on),
        on=on,
    )


def points_due(inspection: Inspection, consequences: Sequence[str], on: dt.date) -> int:
    """PER-9: the points the findings cost the mine manager under this decision."""
    if Consequence.MANAGER_POINTS in consequences:
        return max(_points_due(inspection, on), 1)
    return _points_due(inspection, on)


def basis_text(inspection: Inspection, consequences: Sequence[str], on: dt.date) -> str:
    """ENF-4: the law articles a penalty decision rests on, as one line (the decision's stored
    legal basis when the inspector wrote none)."""
    penalised = bool({Consequence.PENALTY, Consequence.HEAVIER_PENALTY} & set(consequences))
    kinds = [f.kind for f in inspection.findings.all()]
    articles = rules.legal_basis(
        [c for c in consequences if c in (Consequence.PENALTY, Consequence.HEAVIER_PENALTY)],
        kinds,
        penalised=penalised,
        on=on,
    )
    return "；".join(a.citation for a in articles)


def last_manager(inspection: Inspection) -> tuple[str, str]:
    """The mine manager last named on a decision for this mine (name, identity number), so the
    decision form does not ask again for what the platform holds."""
    row = (
        ManagerScore.objects.filter(mine=inspection.mine)
        .order_by("-scored_on", "-pk")
        .values_list("person_name", "id_number")
        .first()
    )
    if row is None:
        decision = (
            Decision.objects.filter(inspection__mine=inspection.mine)
            .exclude(manager_id_number="")
            .order_by("-decided_at")
            .values_list("manager_name", "manager_id_number")
            .first()
        )
        row = decision
    return (row[0], row[1]) if row else ("", "")


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
    penalised = {Consequence.PENALTY, Consequence.HEAVIER_PENALTY} & set(consequences)
    if penalised and not legal_basis.strip():
        legal_basis = basis_text(inspection, consequences, local_date(now))
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
    points = points_due(inspection, consequences, local_date(now))
    if points and not manager_id_number.strip():
        raise ValidationError(
            {
                "manager_id_number": (
                    f"本次检查发现的问题须对矿长记{points}分，请填写矿长的18位身份证号"
                    "（记分跟人走，以身份证号识别矿长）"
                )
            }
        )
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


# --- the expert pool (ENF-8) -----------------------------------------------------------------


def _expert_facts(expert: Expert) -> rules.ExpertFacts:
    return rules.ExpertFacts(
        id=expert.pk,
        specialty=expert.specialty,
        employer_mine_id=expert.employer_mine_id,
        employer_enterprise_id=expert.employer_enterprise_id,
        employed_until=expert.employed_until,
    )


def _mine_chain(mine: Any) -> list[int]:
    return list(mine.enterprise.ancestor_ids())


def expert_conflicts(inspection: Inspection, user: Any, today: dt.date) -> list[tuple[Expert, str]]:
    """ENF-8: the pool experts the user sees who may not inspect this mine, each with why."""
    chain = _mine_chain(inspection.mine)
    rows = []
    for expert in Expert.objects.restrict(user).filter(active=True):
        reason = rules.expert_conflict(_expert_facts(expert), inspection.mine_id, chain, today)
        if reason is not None:
            rows.append((expert, str(reason)))
    return rows


def expert_seed(inspection: Inspection, specialty: str) -> str:
    """Stored inputs give the same experts again: the record and the specialty."""
    return f"experts:{inspection.pk}:{specialty}"


def draw_experts(
    inspection: Inspection, user: Any, specialty: str, count: int, today: dt.date
) -> rules.ExpertSelection:
    """ENF-8: add ``count`` randomly drawn, conflict-free experts of ``specialty`` to the team."""
    if count < 1:
        raise ValidationError("抽取人数至少为 1")
    pool = Expert.objects.restrict(user).filter(active=True, specialty=specialty)
    already = set(inspection.experts.values_list("pk", flat=True))
    selection = rules.select_experts(
        [_expert_facts(e) for e in pool if e.pk not in already],
        specialty,
        count,
        expert_seed(inspection, specialty),
        inspection.mine_id,
        _mine_chain(inspection.mine),
        today,
    )
    if not selection.chosen:
        raise ValidationError(f"专业“{specialty}”没有可抽取的无利害关系专家")
    inspection.experts.add(*selection.chosen)
    return selection


def check_experts(inspection_mine: Any, experts: Sequence[Expert], today: dt.date) -> None:
    """ENF-8: refuse a hand-picked expert with a conflict of interest for the mine."""
    chain = _mine_chain(inspection_mine)
    errors = []
    for expert in experts:
        reason = rules.expert_conflict(_expert_facts(expert), inspection_mine.pk, chain, today)
        if reason is not None:
            errors.append(f"{expert.name}：{reason}")
    if errors:
        raise ValidationError({"experts": errors})
