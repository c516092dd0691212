"""Test factory of the enforcement area: one object of each kind for a mine, so the permission
walk (tests/test_permission_walk.py) has something of mine A to open on every route."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from minesafe.accounts.choices import Role
from minesafe.accounts.models import User
from minesafe.enforcement import documents, rules, services
from minesafe.enforcement.choices import DocumentKind, FindingKind, InspectionKind, Step
from minesafe.enforcement.models import (
    ChecklistResult,
    Draw,
    Expert,
    Inspection,
    OfficerCertificate,
    Plan,
    PlanEntry,
)
from minesafe.registry.models import Mine


def _officer(mine: Mine) -> User:
    """The supervising body's law-enforcement officer who signs the mine's record."""
    user, _ = User.objects.get_or_create(
        username=f"enf_{mine.supervisor_id}",
        defaults={
            "role": Role.COUNTY_REGULATOR,
            "organization": mine.supervisor,
            "first_name": "执法员",
        },
    )
    return user


def certify(user: User, number: str = "") -> OfficerCertificate:
    """Give an officer an enforcement certificate (ENF-4: documents name two certified
    officers)."""
    certificate, _ = OfficerCertificate.objects.get_or_create(
        user=user, defaults={"number": number or f"T{user.pk:08d}", "issued_by": "测试发证机关"}
    )
    return certificate


def partner(officer: User) -> User:
    """A second certified officer of ``officer``'s body, so a record has the two officers a
    document needs."""
    user, _ = User.objects.get_or_create(
        username=f"enf2_{officer.organization_id}",
        defaults={
            "role": officer.role,
            "organization": officer.organization,
            "first_name": "执法员乙",
        },
    )
    certify(user)
    return user


def certified_team(inspection: Inspection) -> Inspection:
    """Certify the record's leader and add a certified partner to its members."""
    assert inspection.leader is not None
    certify(inspection.leader)
    inspection.members.add(partner(inspection.leader))
    return inspection


def aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def furnish_enforcement(mine: Mine, today: dt.date) -> Inspection:
    """A plan entry, an expert, a draw and a signed, decided inspection of ``mine`` with a
    finding, a quiz, a document, a manager score and a referral."""
    org = mine.supervisor
    officer = _officer(mine)
    plan, _ = Plan.objects.get_or_create(organization=org, year=today.year)
    entry = PlanEntry.objects.create(
        plan=plan, mine=mine, inspector=officer, checks=4, months=[1, 4, 7, 10]
    )
    expert = Expert.objects.create(organization=org, name=f"{mine.code}专家", specialty="通风")
    day = today - dt.timedelta(days=2)
    inputs = [{"mine": mine.pk, "class": mine.supervision_class, "weight": 2.0}]
    draw = Draw.objects.create(
        organization=org,
        kind=InspectionKind.UNANNOUNCED,
        check_on=day,
        count=1,
        seed="test-seed",
        inputs=inputs,
        targets=rules.draw_targets([(mine.pk, 2.0)], 1, "test-seed"),
        drawn_by=officer,
        drawn_at=aware(day - dt.timedelta(days=5)),
    )
    inspection = Inspection.objects.create(
        mine=mine,
        organization=org,
        kind=InspectionKind.UNANNOUNCED,
        plan_entry=entry,
        draw=draw,
        planned_on=day,
        leader=officer,
        route="副井→大巷→1201工作面",
    )
    inspection.experts.add(expert)
    certified_team(inspection)
    now = aware(day, 10)
    services.record_opened(inspection, officer, now)
    for step in (Step.PREPARE, Step.ONSITE):
        services.take_step(inspection, step, officer, now)
    services.add_finding(
        inspection,
        officer,
        day,
        kind=FindingKind.GENERAL_HAZARD,
        description="1201回风巷支护不及时",
        place="1201回风巷",
    )
    ChecklistResult.objects.create(inspection=inspection, text="安全监控系统运行正常")
    services.add_quiz(inspection, day, worker_name="张三", worker_number="A001", asked=5, correct=2)
    services.sign(inspection, officer, aware(day, 16), aware(day, 15))
    services.decide(
        inspection,
        consequences=["rectify", "penalty"],
        user=officer,
        now=aware(day, 17),
        fine=Decimal("20000"),
        legal_basis="《安全生产法》第一百零二条",
        manager_name="李矿长",
        manager_id_number=f"1401{mine.pk:014d}",
        deviation_reason="首次违法但整改不力",
    )
    documents.issue_document(inspection, DocumentKind.RECTIFICATION_ORDER, officer, aware(day, 17))
    services.Referral.objects.create(
        mine=mine,
        inspection=inspection,
        target="power",
        matter="停止供电",
        sent_on=day,
        due_on=day + dt.timedelta(days=3),
    )
    return inspection


def officer_of(mine: Mine) -> Any:
    return _officer(mine)
