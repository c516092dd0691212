"""A year of hazard history for the demo county (HAZ-1 … HAZ-9): general and major hazards in
every status, some overdue and listed, repeat and fake-rectification cases, a closure proposal
and a responsibility-tracing case. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from minesafe.accounts.models import User
from minesafe.demo.registry import COUNTY_CODE
from minesafe.hazards import rules, services
from minesafe.hazards.choices import Decision, HazardSource, HazardStatus, Profession
from minesafe.hazards.models import Hazard
from minesafe.hazards.suggest import load_examples
from minesafe.hazards.worker import tick
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine

MARK = "演示数据"
TZ = ZoneInfo("Asia/Shanghai")
PLACES = ["1201综采工作面", "1203运输顺槽", "2105掘进工作面", "中央变电所", "主斜井", "回风大巷"]
PLACES += ["主排水泵房", "3号煤层采区", "地面调度室", "副井井口"]
UNITS = ["综采一队", "掘进二队", "机电科", "通风科", "地测防治水科", "运输队", "安全科"]
PEOPLE = ["王建国", "李志强", "张海涛", "刘卫东", "陈永胜", "杨立新", "赵宏伟", "孙晓东"]
INSPECTORS = ["周明", "吴刚", "郑涛"]
#: An ordinary county's year (issue 13 §7): few of the hazards found are major (about one in
#: fifty of the self-checks, besides the scripted cases), most are rectified before their
#: deadline, a few late, and only a handful stall past it and are overdue today.
MAJOR_SHARE = 0.02
LATE_SHARE = 0.06
STUCK_SHARE = 0.08
MAX_STUCK = 4  # overdue hazards left open in the whole county
SENT_BACK_SHARE = 0.05
PROFESSION_BY_ARTICLE = {
    4: Profession.MANAGEMENT,
    5: Profession.VENTILATION,
    6: Profession.GAS_OUTBURST,
    7: Profession.MONITORING,
    8: Profession.VENTILATION,
    9: Profession.GEOLOGY_WATER,
    11: Profession.ROCK_BURST,
    12: Profession.FIRE,
    13: Profession.ELECTROMECHANICAL,
    14: Profession.ELECTROMECHANICAL,
}


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45])), TZ)


def _fixes(rng: random.Random, found: dt.date, major: bool) -> dict[str, Any]:
    return {
        "responsible_unit": rng.choice(UNITS),
        "responsible_person": rng.choice(PEOPLE),
        "measure": "立即停止相关作业，制定专项整改方案，落实整改后报验收",
        "funds": f"{rng.uniform(0.2, 30 if major else 3):.2f}",
        "deadline": found + dt.timedelta(days=rng.choice([7, 10, 15, 30] if major else [3, 5, 7])),
    }


class _Demo:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.examples = load_examples()
        self.general = self.examples.pop("general")
        self.regulator = User.objects.filter(username="regulator").first()
        self.mine_users = {u.mine_id: u for u in User.objects.filter(mine__isnull=False)}
        # Mines without a demo account act through the administrator.
        self.admin = User.objects.filter(username="admin").first()
        self.stuck_left = MAX_STUCK
        self.late_share = LATE_SHARE

    def mine_user(self, hazard: Hazard) -> Any:
        return self.mine_users.get(hazard.mine_id, self.admin)

    def record(
        self,
        mine: Mine,
        found: dt.datetime,
        major_code: str | None = None,
        deadline: dt.date | None = None,
    ) -> Hazard:
        rng = self.rng
        if major_code:
            text = rng.choice(self.examples[major_code])
            source = rng.choice([HazardSource.REGULATOR_INSPECTION, HazardSource.INSPECTORATE])
        else:
            text = rng.choice(self.general)
            source = rng.choice(
                [HazardSource.MINE_SELF_CHECK] * 3 + [HazardSource.ENTERPRISE_CHECK]
            )
        article = int(major_code.split("(")[0]) if major_code else 0
        profession = PROFESSION_BY_ARTICLE.get(article, rng.choice(Profession.values))
        user = self.regulator if source == HazardSource.REGULATOR_INSPECTION else None
        return services.record_hazard(
            mine=mine,
            source=source,
            description=text,
            found_at=found,
            finder=rng.choice(INSPECTORS if major_code else PEOPLE),
            signer=rng.choice(INSPECTORS if major_code else PEOPLE),
            place=rng.choice(PLACES),
            profession=profession,
            situation=major_code,
            user=user,
            fixes=self.fixes(found, bool(major_code), deadline),
            now=found,
        )

    def progress(self, hazard: Hazard, stop: str = "") -> None:
        """Move a hazard along the loop as a mine on an ordinary footing does: the five fixes
        within a day, rectification before the deadline (a few late, fewer still left open past
        it), verification and closing a day or two later. Steps dated after the demo's moment
        are not taken; ``stop`` ends the loop after that step (a scripted stage)."""
        rng = self.rng
        found = hazard.found_at
        mine_user = self.mine_user(hazard)
        cut = dt.datetime.combine(self.today, dt.time(8, 0), TZ)
        if hazard.status == HazardStatus.REPORTED:
            for name, value in _fixes(rng, local_date(found), hazard.is_major).items():
                if name != "deadline" or not hazard.deadline:
                    setattr(hazard, name, value)
            when = found + dt.timedelta(hours=rng.randint(1, 20))
            if when > cut:
                return
            services.save_fixes(hazard, mine_user, when)
        if hazard.status != HazardStatus.FIXES_COMPLETE or hazard.deadline is None:
            return
        checker = self.checker()
        deadline = dt.datetime.combine(hazard.deadline, dt.time(9, 0), TZ)
        deadline = max(deadline, found + dt.timedelta(hours=4))  # 立即整改: the same day
        started = min(
            found + dt.timedelta(hours=rng.randint(20, 30)), found + (deadline - found) / 3
        )
        stuck = (
            not stop
            and hazard.deadline < self.today
            and self.stuck_left > 0
            and rng.random() < STUCK_SHARE
        )
        if stuck:  # rectification stalled: one of the few overdue hazards of the county
            self.stuck_left -= 1
        if not stop and rng.random() < self.late_share:
            done = deadline + dt.timedelta(days=rng.randint(1, 4))
        else:
            done = started + (deadline - started) * rng.uniform(0.3, 0.95)
        verified = done + dt.timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 4))
        steps: list[tuple[str, Any, dt.datetime, dict[str, str]]] = [
            ("start", mine_user, started, {}),
            ("rectify", mine_user, done, {"evidence": "已按措施整改完毕，附整改前后照片"}),
            ("verify", checker, verified, {}),
            ("close", checker, verified + dt.timedelta(hours=2), {}),
        ]
        for name, user, when, extra in steps:
            if when > cut or (stuck and name != "start"):
                return
            if name == "verify":
                self.settle(hazard, user, when)
            if name == "verify" and rng.random() < SENT_BACK_SHARE:
                services.transition(
                    hazard, "send_back", checker, reason="整改不彻底，现场复查仍有问题", now=when
                )
                services.transition(hazard, "rectify", mine_user, evidence="二次整改完成", now=when)
            hazard = services.transition(hazard, name, user, now=when, **extra)
            if name == stop:
                return

    def scripted(self, mines: list[Mine]) -> None:
        """The cases every rule page should show."""
        rng, today = self.rng, self.today
        closure_mine, fake_mine, traced_mine = mines[0], mines[1], mines[2]
        # HAZ-4 + HAZ-5: the same over-staffing situation twice within 3 months; the first was
        # rectified and closed, the second is being rectified before its deadline.
        earlier = self.record(closure_mine, _at(today - dt.timedelta(days=75), rng), "4(6)")
        self.progress(earlier)
        current = self.record(
            closure_mine,
            _at(today - dt.timedelta(days=20), rng),
            "4(6)",
            deadline=today + dt.timedelta(days=10),
        )
        self.progress(current, stop="start")
        # A major hazard rectified on time and waiting for the regulator's verification.
        waiting = self.record(
            mines[3],
            _at(today - dt.timedelta(days=25), rng),
            sorted(self.examples)[0],
            deadline=today + dt.timedelta(days=3),
        )
        self.progress(waiting, stop="rectify")
        # A general hazard verified yesterday and waiting to be closed, and one whose
        # rectification stalled past its deadline (overdue: the clock flags it).
        verified = self.record(
            mines[3], _at(today - dt.timedelta(days=6), rng), deadline=today - dt.timedelta(days=3)
        )
        self.progress(verified, stop="verify")
        stalled = self.record(
            mines[2], _at(today - dt.timedelta(days=15), rng), deadline=today - dt.timedelta(days=5)
        )
        self.progress(stalled, stop="start")
        # HAZ-6: closed, then found again a fortnight later.
        first = self.record(fake_mine, _at(today - dt.timedelta(days=40), rng))
        self.progress_fully(first)
        again = services.record_hazard(
            mine=fake_mine,
            source=HazardSource.REGULATOR_INSPECTION,
            description=first.description,
            found_at=_at(today - dt.timedelta(days=12), rng),
            finder=INSPECTORS[0],
            signer=INSPECTORS[0],
            place=first.place,
            profession=first.profession,
            user=self.regulator,
            now=_at(today - dt.timedelta(days=12), rng),
        )
        assert again.pk
        # HAZ-9: a basic-condition major hazard found by the inspectorate, missed locally.
        found = _at(today - dt.timedelta(days=8), rng)
        traced = services.record_hazard(
            mine=traced_mine,
            source=HazardSource.INSPECTORATE,
            description="矿井两回路电源取自同一区域变电所同一母线段",
            found_at=found,
            finder="省监察分局 韩监察",
            signer="省监察分局 韩监察",
            place="地面35kV变电所",
            profession=Profession.ELECTROMECHANICAL,
            situation="14(2)",
            fixes={
                **_fixes(rng, local_date(found), True),
                "deadline": today + dt.timedelta(days=20),
            },
            now=found,
        )
        checks = [
            rules.PriorCheck(
                traced_mine.pk,
                found - dt.timedelta(days=d),
                "county",
                (name,),
                label=f"县局检查（{name}）",
            )
            for d, name in ((40, INSPECTORS[1]), (100, INSPECTORS[2]))
        ]
        facts = services.tracing_facts(traced)
        result = rules.responsibility_tracing(
            rules.TracingFacts(facts.mine_id, facts.situation_code, facts.grade, found, "province"),
            checks,
            found,
        )
        if result:
            services.open_responsibility_case(
                traced, result.inspectors, result.checks, found, result.basis
            )
        # 挂牌督办 by the county regulator.
        if self.regulator is not None and traced.status != HazardStatus.CLOSED:
            services.list_for_supervision(
                traced,
                self.regulator,
                today + dt.timedelta(days=20),
                reason="限期完成双回路改造",
                now=found,
            )

    def settle(self, hazard: Hazard, checker: Any, when: dt.datetime) -> None:
        """HAZ-2: the checker decides the suggestions still open before verifying (the demo's
        general hazards are general: each suggestion is rejected with the on-site reason)."""
        if services.grade_decided(hazard):
            return
        for suggestion in hazard.suggestions.filter(decision=Decision.PENDING):
            services.decide_suggestion(
                suggestion, checker, False, "现场核查不属于该重大事故隐患情形", when
            )

    def fixes(
        self, found: dt.datetime, major: bool, deadline: dt.date | None
    ) -> dict[str, Any] | None:
        """The five fixes as recorded with the hazard (one in ten comes a day later)."""
        fixes = _fixes(self.rng, local_date(found), major)
        if deadline is not None:
            return {**fixes, "deadline": deadline}
        return fixes if self.rng.random() < 0.9 else None

    def checker(self) -> Any:
        """Who verifies and closes: the county regulator re-checks on site (the demo mines have
        one account each, and nobody verifies their own rectification)."""
        return self.regulator or self.admin

    def progress_fully(self, hazard: Hazard) -> None:
        user = self.mine_user(hazard)
        checker = self.checker()
        when = hazard.found_at
        if hazard.status == HazardStatus.REPORTED:
            for name, value in _fixes(self.rng, local_date(when), hazard.is_major).items():
                setattr(hazard, name, value)
            services.save_fixes(hazard, user, when)
        for name, actor, extra in [
            ("start", user, {}),
            ("rectify", user, {"evidence": "已整改"}),
            ("verify", checker, {}),
            ("close", checker, {}),
        ]:
            when += dt.timedelta(days=2)
            if name == "verify":
                self.settle(hazard, actor, when)
            hazard = services.transition(hazard, name, actor, now=when, **extra)


class HandedHazards:
    """Hazards other areas hand to the loop — an inspection's findings (ENF-3), a
    self-inspection's answers (HAZ-8) — as the demo's mines deal with them: the five fixes the
    next day and rectification before the deadline. The enforcement and self-inspection demos
    call this when they sign; recent ones are still being rectified."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.demo = _Demo(seed + 13, today)
        self.demo.late_share = 0.0
        self.demo.stuck_left = 0

    def rectify(self, hazard_ids: list[int]) -> None:
        """Rectified on time; the re-check verifies and closes them."""
        for hazard in Hazard.objects.filter(pk__in=hazard_ids).order_by("pk"):
            self.demo.progress(hazard, stop="rectify")

    def close(self, hazard_ids: list[int]) -> None:
        """The whole loop (a mine's own findings): rectified on time, verified and closed,
        as far as the demo's moment allows."""
        for hazard in Hazard.objects.filter(pk__in=hazard_ids).order_by("pk"):
            self.demo.progress(hazard)


def load_demo(seed: int = 20261122, today: dt.date | None = None) -> str:
    """Load the hazard history of the demo county once; returns a one-line Chinese summary."""
    today = today or local_date()
    mines = list(
        Mine.objects.filter(county__code=COUNTY_CODE, status=MineStatus.PRODUCING).order_by("code")
    )
    existing = (
        Hazard.objects.filter(recorded_by=MARK).count()
        + Hazard.objects.filter(mine__county__code=COUNTY_CODE, number__startswith="YH")
        .exclude(source=HazardSource.MINE_SELF_CHECK, origin_id__gt="")
        .count()
    )
    if existing or len(mines) < 4:
        return f"隐患排查：已有 {Hazard.objects.count()} 条隐患，未重复加载"
    demo = _Demo(seed, today)
    codes = sorted(demo.examples)
    with transaction.atomic():
        plan: list[tuple[dt.datetime, Mine, str | None]] = []
        for mine in mines:
            for _ in range(demo.rng.randint(6, 12)):
                day = today - dt.timedelta(days=demo.rng.randint(1, 365))
                major = demo.rng.choice(codes) if demo.rng.random() < MAJOR_SHARE else None
                plan.append((_at(day, demo.rng), mine, major))
        for found, mine, major in sorted(plan, key=lambda p: p[0]):
            hazard = demo.record(mine, found, major)
            demo.progress(hazard)
        demo.scripted(mines)
        Hazard.objects.filter(mine__in=mines).update(recorded_by=MARK)
        now = dt.datetime.combine(today, dt.time(8, 0), TZ)
        tick(now)
    total = Hazard.objects.filter(recorded_by=MARK)
    majors = total.filter(grade="major").count()
    return (
        f"隐患排查：{total.count()} 条隐患（重大 {majors} 条），"
        "含逾期、挂牌督办、重复、假整改、提请关闭和责任倒查案例"
    )
