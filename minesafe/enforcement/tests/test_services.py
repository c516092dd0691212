"""The inspection flow, decisions, documents, scores, referrals, plans and draws with the database
(ENF-1 … ENF-10, PER-8, PER-9, HAZ-9)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from minesafe.core import sealing
from minesafe.core.workflow import Refusal
from minesafe.enforcement import documents, planning, services
from minesafe.enforcement.choices import (
    Consequence,
    DocumentKind,
    FindingKind,
    ReviewStatus,
    Step,
)
from minesafe.enforcement.models import (
    Decision,
    Document,
    Inspection,
    InspectionStep,
    ManagerScore,
    PlanEntry,
    Referral,
)
from minesafe.enforcement.pdf import render_document
from minesafe.enforcement.tests.conftest import NOW, start_check
from minesafe.localtime import local_date
from minesafe.notifications.choices import Topic
from minesafe.notifications.testing import notes
from minesafe.registry.choices import MineStatus
from minesafe.testing import World

ID = "140101198001010011"
LATER = NOW + dt.timedelta(hours=2)


def _sign(inspection: Inspection, officer: Any) -> None:
    services.sign(inspection, officer, LATER, NOW + dt.timedelta(hours=1))


def test_enf3_flow_is_a_row_per_step_and_only_moves_forward(
    onsite: Inspection, officer: Any
) -> None:
    rows = InspectionStep.objects.filter(inspection=onsite)
    assert list(rows.values_list("step", "from_state", "to_state", "user")) == [
        (Step.PREPARE, Step.PLAN, Step.PREPARE, officer.pk),
        (Step.ONSITE, Step.PREPARE, Step.ONSITE, officer.pk),
    ]
    with pytest.raises(Refusal) as err:
        services.take_step(onsite, Step.ARCHIVE, officer, NOW)
    assert err.value.field == "step" and not err.value.forbidden
    with pytest.raises(Refusal) as err:
        services.take_step(onsite, Step.DECIDE, officer, NOW)  # unsigned
    assert err.value.message == "检查记录须先由执法人员签名"
    onsite.refresh_from_db()
    assert onsite.step == Step.ONSITE and rows.count() == 2


def test_enf3_only_government_with_jurisdiction_moves_the_record(
    world: World, onsite: Inspection
) -> None:
    for persona in ("mine_a", "enterprise", "regulator_y"):
        with pytest.raises(Refusal) as err:
            services.take_step(onsite, Step.DECIDE, world.users[persona], NOW)
        assert err.value.forbidden, persona
    assert services.offered_steps(onsite, world.users["mine_a"]) == []
    assert [s.name for s in services.offered_steps(onsite, world.users["regulator_x"])] == [
        Step.DECIDE
    ]


def test_enf3_archive_skips_the_recheck_only_without_findings(world: World, officer: Any) -> None:
    clean, found = start_check(world, officer), start_check(world, officer)
    services.add_finding(found, officer, local_date(NOW), kind="general_hazard", description="x")
    for inspection in (clean, found):
        _sign(inspection, officer)
        services.take_step(inspection, Step.DECIDE, officer, LATER)
        # Nothing found, nothing proposed: the record still carries a decision to notify.
        consequences = services.propose(inspection, local_date(LATER)).consequences or ["rectify"]
        Decision.objects.create(
            inspection=inspection, consequences=consequences, decided_by=officer, decided_at=LATER
        )
        services.take_step(inspection, Step.NOTIFY, officer, LATER)
        services.take_step(inspection, Step.ADVISE, officer, LATER)
    assert [s.name for s in services.offered_steps(clean, officer)] == [Step.RECHECK, Step.ARCHIVE]
    assert [s.name for s in services.offered_steps(found, officer)] == [Step.RECHECK]
    with pytest.raises(Refusal):
        services.take_step(found, Step.ARCHIVE, officer, LATER)
    services.take_step(clean, Step.ARCHIVE, officer, LATER, "无问题，直接归档")
    assert clean.steps.last().reason == "无问题，直接归档"
    clean.refresh_from_db()
    assert clean.step == Step.ARCHIVE


def test_enf3_cannot_start_on_site_before_the_planned_day(world: World, officer: Any) -> None:
    inspection = Inspection.objects.create(
        mine=world.mine_a,
        organization=world.regulator_x_org,
        planned_on=local_date(NOW) + dt.timedelta(days=3),
    )
    services.take_step(inspection, Step.PREPARE, officer, NOW)
    with pytest.raises(Refusal) as err:
        services.take_step(inspection, Step.ONSITE, officer, NOW)
    assert err.value.message == "未到检查日期，不能开始现场检查"


def test_haz9_sign_refuses_a_check_dated_in_the_future(onsite: Inspection, officer: Any) -> None:
    with pytest.raises(ValidationError) as err:
        services.sign(onsite, officer, NOW, NOW + dt.timedelta(hours=2))
    assert "finished_at" in err.value.message_dict
    _sign(onsite, officer)
    onsite.refresh_from_db()
    assert onsite.signed_by == officer and onsite.signed_at == LATER


def test_enf4_document_for_an_unsigned_record_is_refused(onsite: Inspection, officer: Any) -> None:
    with pytest.raises(ValidationError) as err:
        documents.issue_document(onsite, DocumentKind.SITE_RECORD, officer, NOW)
    assert "未经执法人员签名" in str(err.value)


def test_enf4_numbers_per_body_kind_and_year(world: World, officer: Any) -> None:
    numbers = []
    for _ in range(3):
        inspection = start_check(world, officer)
        _sign(inspection, officer)
        numbers.append(documents.issue_document(inspection, "site_record", officer, NOW).number)
    serials = [int(n.split("〕")[1].rstrip("号")) for n in numbers]
    assert serials == sorted(serials) and len(set(serials)) == 3
    assert numbers[0].startswith("甲应急煤查〔2026〕")


def test_enf4_a_document_prints_the_mine_evidence_chain_head_of_its_issue(
    world: World, officer: Any
) -> None:
    sealing.seal(NOW)
    head = sealing.mine_head(world.mine_a.pk)
    assert head.startswith(f"m{world.mine_a.pk}/")
    inspection = start_check(world, officer)
    _sign(inspection, officer)
    document = documents.issue_document(inspection, "site_record", officer, NOW)
    assert document.chain_head == head
    pages = pypdf.PdfReader(io.BytesIO(render_document(document))).pages
    text = "".join(page.extract_text() for page in pages).replace("\n", "")
    assert f"存证链头：{head}" in text


@pytest.mark.django_db(transaction=True)
def test_enf4_numbering_is_safe_under_concurrent_issuing(world: World, officer: Any) -> None:
    """Threads issue at once; each document gets its own number (unique constraint + counter)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL in CI")
    records = []
    for _ in range(6):
        inspection = start_check(world, officer)
        _sign(inspection, officer)
        records.append(inspection)
    errors: list[Exception] = []

    def issue(record: Inspection) -> None:
        try:
            documents.issue_document(record, "site_record", officer, NOW)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(r,)) for r in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    serials = list(Document.objects.filter(inspection__in=records).values_list("serial", flat=True))
    assert len(serials) == len(set(serials)) == 6


def test_enf6_hidden_face_decision_scores_12_points_and_needs_legal_review(
    onsite: Inspection, officer: Any, world: World
) -> None:
    services.add_finding(
        onsite, officer, local_date(NOW), kind=FindingKind.HIDDEN_FACE, description="隐蔽工作面"
    )
    _sign(onsite, officer)
    proposal = services.propose(onsite, local_date(NOW))
    assert Consequence.SUSPENSION in proposal.consequences
    decision = services.decide(
        onsite,
        consequences=proposal.consequences,
        user=officer,
        now=NOW,
        legal_basis="《煤矿安全生产条例》",
        manager_name="王矿长",
        manager_id_number=ID,
        fine=Decimal("500000"),
    )
    assert not decision.deviated
    assert decision.review_status == ReviewStatus.PENDING
    record = services.manager_record(ID, local_date(NOW))
    assert record.points_in_cycle == 12 and record.removal_due
    with pytest.raises(ValidationError):
        documents.issue_document(onsite, DocumentKind.SUSPENSION_ORDER, officer, NOW)
    with pytest.raises(ValidationError):
        services.review(decision, approve=True, note="", user=officer, now=NOW)  # same person
    services.review(decision, approve=True, note="", user=world.users["city"], now=NOW)
    doc = documents.issue_document(onsite, DocumentKind.SUSPENSION_ORDER, officer, NOW)
    assert doc.public


def test_enf5_deviation_needs_a_written_reason_and_goes_to_review(
    onsite: Inspection, officer: Any
) -> None:
    services.add_finding(
        onsite,
        officer,
        local_date(NOW),
        kind=FindingKind.GENERAL_HAZARD,
        description="巷道积水",
        first_offence=True,
    )
    _sign(onsite, officer)
    kwargs = {"user": officer, "now": NOW, "manager_id_number": ID, "manager_name": "王"}
    with pytest.raises(ValidationError) as err:
        services.decide(onsite, consequences=["rectify"], **kwargs)
    assert "deviation_reason" in err.value.message_dict
    decision = services.decide(
        onsite, consequences=["rectify"], deviation_reason="已当场整改", **kwargs
    )
    assert decision.deviated and decision.review_status == ReviewStatus.PENDING


def test_enf4_penalty_legal_basis_is_filled_from_law_articles(
    onsite: Inspection, officer: Any
) -> None:
    """ENF-4/ENF-5: a penalty the inspector gives no basis for rests on the law articles of the
    findings (never a policy document or shorthand)."""
    services.add_finding(
        onsite, officer, local_date(NOW), kind=FindingKind.MAJOR_HAZARD, description="瓦斯超限作业"
    )
    _sign(onsite, officer)
    decision = services.decide(
        onsite,
        consequences=services.propose(onsite, local_date(NOW)).consequences,
        user=officer,
        now=NOW,
        manager_id_number=ID,
    )
    assert "《煤矿安全生产条例》第六十四条" in decision.legal_basis
    assert "晋安办发" not in decision.legal_basis and ":" not in decision.legal_basis


def test_enf5_penalty_without_any_legal_basis_is_refused(onsite: Inspection) -> None:
    decision = Decision(
        inspection=onsite, consequences=["penalty"], decided_at=NOW, legal_basis="  "
    )
    with pytest.raises(ValidationError) as err:
        decision.clean()
    assert "legal_basis" in err.value.message_dict


def test_enf6_enf7_beyond_boundary_refers_to_three_departments_and_flags_overdue(
    onsite: Inspection, officer: Any
) -> None:
    services.add_finding(
        onsite, officer, local_date(NOW), kind=FindingKind.BEYOND_BOUNDARY, description="越界开采"
    )
    _sign(onsite, officer)
    services.decide(
        onsite,
        consequences=services.propose(onsite, local_date(NOW)).consequences,
        user=officer,
        now=NOW,
        legal_basis="《矿产资源法》",
        manager_id_number=ID,
    )
    referrals = Referral.objects.filter(inspection=onsite)
    assert {r.target for r in referrals} == {"natural_resources", "power", "police"}
    from minesafe.enforcement import rules

    power = referrals.get(target="power")
    late = power.due_on + dt.timedelta(days=1)
    assert rules.referral_state(power.due_on, power.answered_on, late) == "overdue"
    services.answer_referral(power, answered_on=late, answer="已停止供电")
    assert rules.referral_state(power.due_on, power.answered_on, late) == "answered"


def test_enf6_second_major_hazard_check_within_3_months_proposes_closure(
    world: World, officer: Any
) -> None:
    for _ in range(2):
        inspection = start_check(world, officer)
        services.add_finding(
            inspection,
            officer,
            local_date(NOW),
            kind=FindingKind.MAJOR_HAZARD,
            description="重大隐患",
        )
        _sign(inspection, officer)
    proposal = services.propose(inspection, local_date(NOW))
    assert Consequence.CLOSURE_PROPOSAL in proposal.consequences
    world.mine_a.status = MineStatus.SUSPENDED
    world.mine_a.save()
    inspection.mine.refresh_from_db()
    assert (
        Consequence.CLOSURE_PROPOSAL
        not in services.propose(inspection, local_date(NOW)).consequences
    )


@pytest.mark.parametrize(
    ("earlier_day", "status", "closure"),
    [
        (dt.date(2026, 8, 23), MineStatus.PRODUCING, True),  # 91 days, within 3 months
        (dt.date(2026, 8, 22), MineStatus.TRIAL, True),  # exactly 3 months back; trial produces
        (dt.date(2026, 8, 21), MineStatus.PRODUCING, False),  # one day more
    ],
)
def test_enf6_closure_window_is_three_calendar_months_and_trial_production_counts(
    world: World, officer: Any, earlier_day: dt.date, status: str, closure: bool
) -> None:
    """晋安办发〔2024〕34号第34项 "3个月内": calendar months back from the decision day (22 Nov ⇒
    22 Aug), not 90 days (⇒ 24 Aug), the rule the hazard ledger applies too."""
    checks = []
    for _ in range(2):
        inspection = start_check(world, officer)
        services.add_finding(
            inspection, officer, local_date(NOW), kind=FindingKind.MAJOR_HAZARD, description="重大"
        )
        _sign(inspection, officer)
        checks.append(inspection)
    earlier_at = timezone.make_aware(dt.datetime.combine(earlier_day, dt.time(15)))
    Inspection.objects.filter(pk=checks[0].pk).update(finished_at=earlier_at)
    world.mine_a.status = status
    world.mine_a.save()
    checks[1].mine.refresh_from_db()
    consequences = services.propose(checks[1], local_date(NOW)).consequences
    assert (Consequence.CLOSURE_PROPOSAL in consequences) is closure


def test_per8_failed_quiz_stops_the_worker_until_retrained(onsite: Inspection) -> None:
    quiz = services.add_quiz(
        onsite,
        local_date(NOW),
        worker_name="赵六",
        worker_number="B2",
        asked=5,
        correct=5,
        failed_topics=["self_rescuer"],
    )
    assert quiz.stopped and not quiz.passed
    services.retrain(quiz, local_date(NOW))
    quiz.refresh_from_db()
    assert not quiz.stopped and quiz.retrained_on == local_date(NOW)


def test_per9_history_follows_the_person_across_mines(world: World, officer: Any) -> None:
    for mine, kind in ((world.mine_a, "major_hazard"), (world.mine_b, "sensor_tampering")):
        inspection = start_check(world, officer, mine=mine)
        services.add_finding(inspection, officer, local_date(NOW), kind=kind, description="问题")
        _sign(inspection, officer)
        services.decide(
            inspection,
            consequences=services.propose(inspection, local_date(NOW)).consequences,
            user=officer,
            now=NOW,
            legal_basis="依据",
            manager_id_number=ID,
            manager_name="流动矿长",
        )
    assert set(ManagerScore.objects.filter(id_number=ID).values_list("mine", flat=True)) == {
        world.mine_a.pk,
        world.mine_b.pk,
    }
    record = services.manager_record(ID, local_date(NOW))
    assert record.points_in_cycle == 4 + 6 and not record.removal_due


def test_follow_up_recheck_scheduled_and_closes_the_loop_with_the_hazard(
    onsite: Inspection, officer: Any
) -> None:
    from minesafe.hazards.models import Hazard

    finding = services.add_finding(
        onsite,
        officer,
        local_date(NOW),
        kind=FindingKind.MAJOR_HAZARD,
        description="主要通风机失修",
    )
    _sign(onsite, officer)
    services.decide(
        onsite,
        consequences=services.propose(onsite, local_date(NOW)).consequences,
        user=officer,
        now=NOW,
        legal_basis="依据",
        manager_id_number=ID,
    )
    recheck = Inspection.objects.get(recheck_of=onsite)
    assert recheck.planned_on == finding.rectify_by == local_date(NOW) + dt.timedelta(days=30)
    with pytest.raises(ValidationError):
        services.close_recheck(recheck, officer, NOW)
    later = NOW + dt.timedelta(days=30)
    services.take_step(recheck, Step.PREPARE, officer, later)
    services.take_step(recheck, Step.ONSITE, officer, later)
    services.sign(recheck, officer, later, later)
    finding.refresh_from_db()
    assert finding.hazard_id_ref is not None
    # The mine has not rectified it in the hazard loop yet: the re-check cannot close it.
    assert services.close_recheck(recheck, officer, later) == 0
    # The mine reports it rectified (the hazard loop's own steps, HAZ-2) ...
    Hazard.objects.filter(pk=finding.hazard_id_ref).update(status="rectified")
    # ... and the regulator's re-check verifies and closes it there.
    assert services.close_recheck(recheck, officer, later) == 1
    finding.refresh_from_db()
    assert finding.rectified_on == local_date(later)
    assert Hazard.objects.get(pk=finding.hazard_id_ref).status == "closed"


def test_enf1_plan_from_classes_keeps_edited_entries(world: World) -> None:
    plan = planning.generate_plan(world.regulator_x_org, 2026)
    entries = {e.mine_id: e for e in PlanEntry.objects.filter(plan=plan)}
    assert set(entries) == {world.mine_a.pk, world.mine_b.pk}
    entry = entries[world.mine_b.pk]
    entry.checks, entry.edited_reason = 9, "县政府要求加密"
    entry.save()
    planning.generate_plan(world.regulator_x_org, 2026)
    entry.refresh_from_db()
    assert entry.checks == 9


def test_enf1_progress_counts_signed_checks_per_month(world: World, officer: Any) -> None:
    plan = planning.generate_plan(world.regulator_x_org, 2026)
    entries = list(PlanEntry.objects.filter(plan=plan).select_related("mine", "inspector"))
    progress = planning.plan_progress(plan, entries)
    row = next(r for r in progress["mines"] if r.label == world.mine_a.name)
    # The world (2026-11-22) has one signed check of mine A, on 2026-11-20.
    assert row.done == [0] * 10 + [1, 0] and row.done_total == 1
    assert sum(r.planned_total for r in progress["inspectors"]) == sum(
        r.planned_total for r in progress["mines"]
    )


def test_enf2_draw_creates_sealed_records_and_verifies(world: World, officer: Any) -> None:
    draw = planning.make_draw(
        organization=world.regulator_x_org,
        kind="night",
        check_on=local_date(NOW) + dt.timedelta(days=2),
        count=1,
        user=officer,
        now=NOW,
    )
    assert len(draw.targets) == 1 and draw.seed and draw.inputs
    inspection = Inspection.objects.get(draw=draw)
    assert inspection.sealed
    assert planning.verify_draw(draw) == (True, draw.targets)
    draw.targets = [0]
    assert planning.verify_draw(draw)[0] is False
    with pytest.raises(ValidationError):
        planning.make_draw(
            organization=world.regulator_x_org,
            kind="night",
            check_on=local_date(NOW) - dt.timedelta(days=1),
            count=1,
            user=officer,
            now=NOW,
        )


def test_enf3_the_mine_hears_of_the_decision_never_of_the_preparation(
    world: World, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """ENF-2/ENF-3: preparing and visiting an unannounced check tell the mine nothing; from the
    notice of the decision on, each step reaches the mine's staff through the notifications."""
    with django_capture_on_commit_callbacks(execute=True):
        inspection = start_check(world, officer)
    assert not notes(inspection).exists()
    _sign(inspection, officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.take_step(inspection, Step.DECIDE, officer, LATER)
        Decision.objects.create(
            inspection=inspection, consequences=["rectify"], decided_by=officer, decided_at=LATER
        )
        services.take_step(inspection, Step.NOTIFY, officer, LATER)
    told = notes(inspection)
    assert list(told.values_list("kind", flat=True).distinct()) == [Step.NOTIFY]
    assert set(told.values_list("recipient", flat=True)) == {world.users["mine_a"].pk}
    assert told.filter(topic=Topic.INSPECTION).count() == told.count()
