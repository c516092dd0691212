"""Self-inspection history for the demo county (HAZ-8): the default checklists, two campaigns of
the past year with reports in every state (draft, signed, accepted, returned, overdue), and a
mine-manager login ``manager1`` for ``mine1``'s mine. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count

from minesafe.accounts.choices import Role
from minesafe.accounts.models import User
from minesafe.core.context import acting_as
from minesafe.demo.hazards import HandedHazards
from minesafe.demo.registry import COUNTY_CODE, PASSWORD
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus, MiningMethod
from minesafe.registry.models import Mine
from minesafe.selfinspection import services
from minesafe.selfinspection.checklists import ensure_default_templates
from minesafe.selfinspection.choices import AnswerResult, ReportStatus, ScopeMode
from minesafe.selfinspection.models import Campaign, CampaignReport, ChecklistItem, ReportAnswer

TZ = ZoneInfo("Asia/Shanghai")
MANAGER = "manager1"
FIRST, SECOND = "上半年煤矿自查自改", "下半年煤矿自查自改"
FINDINGS = [
    "现场检查发现该处不符合要求，已安排专人整改",
    "部分记录填写不全，签字不规范",
    "设施存在缺陷，需更换部件",
    "现场标识不清，警示牌缺失",
]
NOT_APPLICABLE = "本矿无此系统/工艺，不涉及"
RETURN_REASONS = [
    "现状描述照抄检查表，未逐项写实，请推倒重来",
    "通风、防治水部分未由专业技术人员检查，签字不全",
]
#: Planned end state per report, cycled over the mines of each campaign.
PAST_PLAN = ["accepted"] * 6 + ["returned", "signed", "draft"]
CURRENT_PLAN = ["draft_partial", "signed", "accepted", "draft_empty", "returned", "signed"]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TZ)


class _Demo:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed + 8)
        self.today = today
        self.regulator = User.objects.get(username="regulator")
        self.templates = ensure_default_templates()
        self.mines = list(
            Mine.objects.filter(
                county__code=COUNTY_CODE,
                status__in=[MineStatus.PRODUCING, MineStatus.TRIAL],
                mining_method=MiningMethod.UNDERGROUND,
            ).order_by("code")
        )
        mine1 = User.objects.filter(username="mine1").values_list("mine", flat=True).first()
        self.mine1 = mine1
        self.managers: dict[int, User] = {}
        self.hazards = HandedHazards(seed + 9, today)

    def manager(self, mine: Mine) -> User:
        """The mine's manager login (``manager1`` for mine1's mine, hidden ones elsewhere)."""
        if mine.pk not in self.managers:
            username = MANAGER if mine.pk == self.mine1 else f"demo-manager-{mine.code}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name="矿长" if username != MANAGER else "王振山",
                    title="矿长",
                    role=Role.MINE_MANAGER,
                    mine=mine,
                    password=make_password(PASSWORD) if username == MANAGER else "!",
                )
                user.save()
            self.managers[mine.pk] = user
        return self.managers[mine.pk]

    def answer(self, report: CampaignReport, share: float = 1.0) -> None:
        """Answer ``share`` of the items: mostly compliant, a few hazards and n/a items."""
        items = list(ChecklistItem.objects.filter(section__template=report.campaign.template))
        rows = []
        for item in items[: int(len(items) * share)]:
            roll = self.rng.random()
            if roll < 0.03:
                rows.append(
                    ReportAnswer(
                        report=report,
                        item=item,
                        result=AnswerResult.HAZARD,
                        finding=self.rng.choice(FINDINGS),
                        place=self.rng.choice(["1201工作面", "中央泵房", "回风大巷", "主井"]),
                    )
                )
            elif roll < 0.08:
                rows.append(
                    ReportAnswer(
                        report=report,
                        item=item,
                        result=AnswerResult.NOT_APPLICABLE,
                        finding=NOT_APPLICABLE,
                    )
                )
            else:
                rows.append(ReportAnswer(report=report, item=item, result=AnswerResult.COMPLIANT))
        ReportAnswer.objects.bulk_create(rows)

    def sign(self, report: CampaignReport, day: dt.date) -> None:
        manager = self.manager(report.mine)
        services.sign_report(
            report,
            user=manager,
            signer_name=manager.first_name,
            now=_at(day, 16),
            summary="按检查表逐项开展自查，发现问题已按“五落实”整改。",
        )
        found = report.answers.filter(result=AnswerResult.HAZARD, hazard_id__isnull=False)
        self.hazards.close(list(found.values_list("hazard_id", flat=True)))

    def review(self, report: CampaignReport, day: dt.date, decision: str) -> None:
        reason = self.rng.choice(RETURN_REASONS) if decision == ReportStatus.RETURNED else ""
        services.review_report(
            report, user=self.regulator, decision=decision, reason=reason, now=_at(day, 11)
        )

    def play(self, report: CampaignReport, plan: str, launched: dt.date) -> None:
        """Drive one report to its planned state with dated steps."""
        signed_on = launched + dt.timedelta(days=self.rng.randint(10, 25))
        if plan == "draft_empty":
            return
        if plan == "draft" or plan == "draft_partial":
            self.answer(report, share=0.4)
            return
        self.answer(report)
        self.sign(report, signed_on)
        if plan == "returned":
            self.review(report, signed_on + dt.timedelta(days=3), ReportStatus.RETURNED)
        elif plan == "accepted":
            if self.rng.random() < 0.3:  # returned once, redone, then accepted
                self.review(report, signed_on + dt.timedelta(days=2), ReportStatus.RETURNED)
                self.sign(report, signed_on + dt.timedelta(days=6))
            self.review(report, signed_on + dt.timedelta(days=8), ReportStatus.ACCEPTED)

    def campaign(self, name: str, launched: dt.date, deadline: dt.date, plan: list[str]) -> None:
        campaign = Campaign(
            name=f"{launched.year}年{name}",
            template=self.templates[0],
            organization=self.regulator.organization,
            launched_by=self.regulator,
            launched_on=launched,
            deadline=deadline,
            scope_mode=ScopeMode.FILTER,
            scope_note="正常生产、试运转的井工煤矿",
            instructions="由矿长牵头，对照检查表逐项写实检查，形成自查报告报送县局和上级公司。",
        )
        campaign.save()
        # mine1's mine is left in draft in the current campaign, for the walkthrough.
        for index, mine in enumerate(self.mines):
            report = CampaignReport.objects.create(campaign=campaign, mine=mine)
            step = plan[index % len(plan)]
            if mine.pk == self.mine1 and plan is CURRENT_PLAN:
                step = "draft_partial"
            self.play(report, step, launched)


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the campaigns to the demo county, or leave existing ones alone."""
    today = today or local_date()
    if (
        Campaign.objects.filter(name__endswith=FIRST).exists()
        or not User.objects.filter(username="regulator").exists()
    ):
        return f"自查自改：已存在 {Campaign.objects.count()} 次活动，未重复载入"
    with transaction.atomic(), acting_as(None, reason="演示数据"):
        demo = _Demo(seed, today)
        first = today - dt.timedelta(days=200)
        demo.campaign(FIRST, first, first + dt.timedelta(days=30), PAST_PLAN)
        second = today - dt.timedelta(days=35)
        demo.campaign(SECOND, second, today + dt.timedelta(days=10), CURRENT_PLAN)
    counts = dict(CampaignReport.objects.values_list("status").annotate(n=Count("pk")))
    states = "，".join(f"{ReportStatus(s).label} {n}" for s, n in sorted(counts.items()))
    return f"自查自改：2 次活动，报告 {sum(counts.values())} 份（{states}）；矿长账号 {MANAGER}"
