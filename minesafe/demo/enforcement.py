"""A year of enforcement for the demo county (ENF-1 … ENF-10, PER-8, PER-9): annual plans of the
county bureau and the inspectorate branch, signed inspections with findings, quizzes, decisions
(some under legal review), numbered documents, manager scores (one manager moved between mines),
referrals (one overdue) and one sealed night check drawn for the coming days.

Deterministic from ``seed`` and ``today``; idempotent: if the county bureau already has a plan
the demo is there and only its summary is returned.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from minesafe.accounts.choices import GOVERNMENT_ROLES, OrganizationKind
from minesafe.accounts.models import Organization, User
from minesafe.core.context import acting_as
from minesafe.demo.hazards import HandedHazards
from minesafe.demo.registry import COUNTY_CODE
from minesafe.enforcement import documents, planning, rules, services
from minesafe.enforcement.choices import (
    Consequence,
    DocumentKind,
    FindingKind,
    InspectionKind,
    ReviewStatus,
    Step,
)
from minesafe.enforcement.models import (
    Document,
    Expert,
    Inspection,
    ManagerScore,
    OfficerCertificate,
    Plan,
    PlanEntry,
    Referral,
)
from minesafe.localtime import local_date

TZ = ZoneInfo("Asia/Shanghai")
REASON = "演示数据"
EXPERTS = [
    ("高志远", "通风", "正高级工程师", "云岭矿业学院"),
    ("马振华", "地测防治水", "高级工程师", "河东省煤田地质局"),
    ("田秀英", "机电运输", "高级工程师", "退休技安人员"),
    ("罗建军", "瓦斯防治", "正高级工程师", "云岭煤炭设计院"),
    ("韩立平", "安全监控", "高级工程师", "河东省煤矿安全技术中心"),
]
FINDINGS = [
    (FindingKind.GENERAL_HAZARD, "回风巷局部支护失效，顶板离层", "1203回风顺槽"),
    (FindingKind.GENERAL_HAZARD, "皮带机头积煤未及时清理", "主斜井皮带机头"),
    (FindingKind.GENERAL_HAZARD, "局部通风机未挂牌管理", "2105掘进工作面"),
    (FindingKind.GENERAL_HAZARD, "电气设备失爆一处", "中央变电所"),
    (FindingKind.ILLEGAL_ACT, "特种作业人员未持证上岗", "主排水泵房"),
    (FindingKind.MAJOR_HAZARD, "瓦斯超限后未停止作业", "1201综采工作面"),
    (FindingKind.SENSOR_TAMPERING, "上隅角甲烷传感器被挪移至新鲜风流处", "1201综采工作面上隅角"),
    (FindingKind.MONITORING_MISSING, "安全监控系统分站断电未恢复运行", "3号煤层采区"),
    (FindingKind.BEYOND_BOUNDARY, "3102工作面超出采矿许可范围开采", "3102工作面"),
]
WORKERS = ["王铁柱", "李红军", "张国庆", "刘建华", "陈小兵", "杨大勇", "赵福来", "孙志刚"]
POSTS = ["采煤机司机", "支护工", "瓦斯检查工", "皮带司机", "电钳工", "爆破工"]
#: The second enforcement officer of each body (documents are made by two certified officers):
#: name, title and the certificate number's serial. They hold no login.
PARTNERS = {
    OrganizationKind.EMERGENCY_BUREAU: ("周立新", "执法监察员", 17),
    OrganizationKind.INSPECTORATE: ("郭振宇", "监察员", 23),
}
#: PER-9 in an ordinary county: most managers end the 12-month cycle with a few points or none,
#: one (the manager who moved between the first two mines) is close to the 12 that remove him
#: from the post, and one has passed them. A finding that would take a manager past his budget
#: is not made, so the scores are those of a believable year (issue 13 §7).
POINT_BUDGETS = (11, 13, 0, 2, 1, 4, 0, 3, 6, 1, 0, 2, 5, 0, 3, 1, 8, 0, 2, 4)


def _budget(n: int) -> int:
    """The PER-9 budget of the ``n``-th manager; past the table the ordinary ones repeat."""
    return POINT_BUDGETS[n] if n < len(POINT_BUDGETS) else POINT_BUDGETS[2 + n % 18]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _summary(org: Organization) -> str:
    records = Inspection.objects.filter(organization__division__code__startswith=COUNTY_CODE[:4])
    return (
        f"执法：年度计划 {Plan.objects.count()} 份、"
        f"检查记录 {records.count()} 份、执法文书 {Document.objects.count()} 份、"
        f"矿长记分 {ManagerScore.objects.count()} 条、移送 {Referral.objects.count()} 件"
    )


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add a year of enforcement to the demo county, or leave an existing one alone."""
    today = today or local_date()
    county = Organization.objects.filter(
        division__code=COUNTY_CODE, kind=OrganizationKind.EMERGENCY_BUREAU
    ).first()
    regulator = User.objects.filter(username="regulator").first()
    if county is None or regulator is None:
        return "执法：演示县不存在，未载入"
    if Plan.objects.filter(organization=county).exists():
        return _summary(county)
    rng = random.Random(seed * 7 + 5)
    with transaction.atomic(), acting_as(None, REASON):
        _Demo(rng, today, county, regulator).run()
    return _summary(county)


class _Demo:
    """Builds the history; one instance per load."""

    def __init__(self, rng: random.Random, today: dt.date, county: Organization, regulator: Any):
        self.rng, self.today, self.county, self.regulator = rng, today, county, regulator
        self.inspector = User.objects.filter(username="inspector").first()
        self.reviewer = User.objects.filter(username="city").first()
        self.branch = self.inspector.organization if self.inspector else None
        self.managers: dict[int, tuple[str, str]] = {}
        self.partners: dict[int, Any] = {}
        self.points: dict[str, int] = {}  # PER-9 points given so far, by identity number
        self.hazards = HandedHazards(int(rng.random() * 10**6), today)

    def _certify(self, user: Any, serial: int) -> None:
        """An enforcement certificate numbered by the body's division and the year issued."""
        division = user.organization.division
        OfficerCertificate.objects.get_or_create(
            user=user,
            defaults={
                "number": f"{division.code}{self.today.year - 2}{serial:04d}",
                "issued_by": f"{division.name}人民政府",
                "valid_until": self.today.replace(year=self.today.year + 3),
            },
        )

    def _officers(self) -> None:
        """Certificates for the demo's government officers, and each body's second officer."""
        serial = 1
        for user in User.objects.filter(role__in=GOVERNMENT_ROLES, organization__isnull=False):
            self._certify(user, serial)
            serial += 1
        for officer in (self.regulator, self.inspector):
            if officer is None:
                continue
            name, title, number = PARTNERS.get(officer.organization.kind, ("王建军", "执法员", 31))
            partner, _ = User.objects.get_or_create(
                username=f"officer{officer.organization_id}",
                defaults={
                    "first_name": name,
                    "title": title,
                    "role": officer.role,
                    "organization": officer.organization,
                },
            )
            if partner.has_usable_password():
                partner.set_unusable_password()
                partner.save(update_fields=["password"])
            self._certify(partner, number)
            self.partners[officer.pk] = partner

    def run(self) -> None:
        self._officers()
        for name, specialty, title, employer in EXPERTS:
            Expert.objects.create(
                organization=self.county,
                name=name,
                specialty=specialty,
                title=title,
                employer=employer,
            )
        bodies = [(self.county, self.regulator)]
        if self.branch is not None:
            bodies.append((self.branch, self.inspector))
        for org, officer in bodies:
            for year in (self.today.year - 1, self.today.year):
                plan = planning.generate_plan(org, year)
                self._inspect(plan, officer)
        self._overdue_referral()
        self._sealed_draw()

    def _manager(self, mine: Any) -> tuple[str, str]:
        """A manager per mine; the first two mines share one who moved (PER-9 follows people)."""
        if mine.pk not in self.managers:
            n = len(self.managers)
            person = (f"{WORKERS[n % len(WORKERS)][0]}矿长{n}", f"1401231975{n:06d}{n % 10}X"[:18])
            if n == 1:
                person = next(iter(self.managers.values()))
            self.managers[mine.pk] = person
        return self.managers[mine.pk]

    def _inspect(self, plan: Plan, officer: Any) -> None:
        entries = PlanEntry.objects.filter(plan=plan).select_related("mine").order_by("mine__code")
        for entry in entries:
            for month in entry.months:
                day = dt.date(plan.year, month, 1 + self.rng.randrange(27))
                if not (self.today - dt.timedelta(days=365) < day < self.today):
                    continue
                if self.rng.random() < 0.8:
                    self._record(entry, officer, day)

    def _record(self, entry: PlanEntry, officer: Any, day: dt.date) -> None:
        rng = self.rng
        kind = (
            InspectionKind.CLOSED_MINE
            if entry.surprise
            else rng.choice(
                [InspectionKind.ROUTINE] * 3 + [InspectionKind.UNANNOUNCED, InspectionKind.NIGHT]
            )
        )
        start = _at(day, 21 if kind == InspectionKind.NIGHT else 9)
        inspection = Inspection.objects.create(
            mine=entry.mine,
            organization=entry.plan.organization,
            kind=kind,
            plan_entry=entry,
            planned_on=day,
            leader=officer,
            route="副井→井底车场→运输大巷→采区→工作面",
            summary="按检查表逐项检查，抽查从业人员应急避险能力。",
        )
        if officer.pk in self.partners:
            inspection.members.add(self.partners[officer.pk])
        if rng.random() < 0.3:
            inspection.experts.add(*Expert.objects.filter(organization=self.county)[:1])
        services.record_opened(inspection, officer, start, "年度计划")
        services.take_step(inspection, Step.PREPARE, officer, start)
        services.take_step(inspection, Step.ONSITE, officer, start)
        _, id_number = self._manager(entry.mine)
        budget = _budget(list(self.managers.values()).index(self._manager(entry.mine)))
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            finding_kind, text, place = rng.choice(FINDINGS[:6] if rng.random() < 0.9 else FINDINGS)
            cost = rules.manager_points(finding_kind, day)[0]
            if self.points.get(id_number, 0) + cost > budget:
                continue
            self.points[id_number] = self.points.get(id_number, 0) + cost
            services.add_finding(
                inspection,
                officer,
                day,
                kind=finding_kind,
                description=text,
                place=place,
                first_offence=rng.random() < 0.3,
            )
        for worker in rng.sample(WORKERS, 2):
            correct = rng.choice([5, 5, 4, 3])
            services.add_quiz(
                inspection,
                day,
                worker_name=worker,
                worker_number=f"G{rng.randrange(10000):04d}",
                post=rng.choice(POSTS),
                asked=5,
                correct=correct,
            )
        end = start + dt.timedelta(hours=3)
        services.sign(inspection, officer, end, end)
        self.hazards.rectify(
            [f.hazard_id_ref for f in inspection.findings.all() if f.hazard_id_ref]
        )
        documents.issue_document(inspection, DocumentKind.SITE_RECORD, officer, end)
        if inspection.findings.exists():
            self._decide(inspection, officer, end)

    def _decide(self, inspection: Inspection, officer: Any, now: dt.datetime) -> None:
        proposal = services.propose(inspection, local_date(now))
        name, id_number = self._manager(inspection.mine)
        penalised = {Consequence.PENALTY, Consequence.HEAVIER_PENALTY} & set(proposal.consequences)
        decision = services.decide(
            inspection,
            consequences=proposal.consequences,
            user=officer,
            now=now,
            fine=self._fine(inspection) if penalised else None,
            manager_name=name,
            manager_id_number=id_number,
        )
        documents.issue_document(inspection, DocumentKind.RECTIFICATION_ORDER, officer, now)
        recent = local_date(now) > self.today - dt.timedelta(days=20)
        if decision.review_status == ReviewStatus.PENDING and self.reviewer and not recent:
            services.review(
                decision, approve=True, note="事实清楚，依据充分", user=self.reviewer, now=now
            )
        decision.refresh_from_db()
        if decision.issuable:
            for kind in (DocumentKind.PENALTY_DECISION, DocumentKind.SUSPENSION_ORDER):
                try:
                    documents.issue_document(inspection, kind, officer, now)
                except ValidationError:
                    continue  # the decision carries no such measure
            self._follow_up(inspection, officer, now)
        for referral in Referral.objects.filter(inspection=inspection):
            services.answer_referral(
                referral, answered_on=referral.due_on - dt.timedelta(days=1), answer="已按要求落实"
            )

    def _fine(self, inspection: Inspection) -> Decimal:
        """A fine within the article's range: 煤矿安全生产条例第六十四条 (major hazard still
        producing) 500,000 to 2,000,000 yuan; 安全生产法第一百零二条 up to 50,000 yuan."""
        if inspection.findings.filter(major=True).exists():
            return Decimal(self.rng.choice([500000, 800000, 1000000]))
        return Decimal(self.rng.choice([10000, 20000, 50000]))

    def _follow_up(self, inspection: Inspection, officer: Any, now: dt.datetime) -> None:
        """Notify, advise, re-check on the deadline and archive records whose deadline passed."""
        for step in (Step.DECIDE, Step.NOTIFY, Step.ADVISE):
            services.take_step(inspection, step, officer, now)
        recheck = Inspection.objects.filter(recheck_of=inspection).first()
        if recheck is None or recheck.planned_on >= self.today:
            return
        later = _at(recheck.planned_on, 10)
        services.take_step(recheck, Step.PREPARE, officer, later)
        services.take_step(recheck, Step.ONSITE, officer, later)
        services.sign(
            recheck, officer, later + dt.timedelta(hours=2), later + dt.timedelta(hours=1)
        )
        services.close_recheck(recheck, officer, later + dt.timedelta(hours=2))
        services.take_step(inspection, Step.RECHECK, officer, later)
        services.take_step(inspection, Step.ARCHIVE, officer, later + dt.timedelta(hours=3))

    def _overdue_referral(self) -> None:
        mine = PlanEntry.objects.filter(plan__organization=self.county).first()
        if mine is None:
            return
        sent = self.today - dt.timedelta(days=20)
        Referral.objects.create(
            mine=mine.mine,
            target="natural_resources",
            matter="疑似超层越界开采，请核查采矿权范围",
            sent_on=sent,
            due_on=sent + dt.timedelta(days=15),
        )

    def _sealed_draw(self) -> None:
        planning.make_draw(
            organization=self.county,
            kind=InspectionKind.NIGHT,
            check_on=self.today + dt.timedelta(days=3),
            count=2,
            user=self.regulator,
            now=_at(self.today, 8),
            seed=f"demo-{self.rng.randrange(10**6)}",
        )
