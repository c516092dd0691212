"""Plans and draws of a government body (ENF-1, ENF-2, ENF-10): the annual plan from each mine's
class and risk, its progress, and the random draw of unannounced checks with their sealed
records. Every clock is passed in (STYLE 10)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from minesafe.enforcement import links, rules, services
from minesafe.enforcement.choices import SEALED_KINDS, InspectionKind
from minesafe.enforcement.models import Draw, Inspection, Plan, PlanEntry
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus, Ownership
from minesafe.registry.models import Mine


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
        key = (mine_id, local_date(at).month)
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
        services.record_opened(inspection, user, now, f"随机抽取：{draw}")
    return draw


def verify_draw(draw: Draw) -> tuple[bool, list[int]]:
    """ENF-2: re-run a draw from its stored seed and inputs; True if the targets are the same."""
    again = _stored_targets(list(draw.inputs), draw.count, draw.seed)
    return again == list(draw.targets), again
