"""Enforcement reports (ENF-9): the three reports of a mine side by side, and the monthly
enforcement analysis of a body (page, PDF, Excel)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from minesafe.accounts.models import Organization
from minesafe.enforcement import links, rules
from minesafe.enforcement.choices import Consequence, FindingKind
from minesafe.enforcement.models import AnalysisReport, Decision, Finding, Inspection, PlanEntry
from minesafe.localtime import local_date


def three_reports(mine: Any, user: Any) -> dict[str, Any]:
    """ENF-9 (003): the mine's self-inspection report, the regulator's investigation report and
    the inspectorate's enforcement report, each with its checks and findings."""
    records = (
        Inspection.objects.restrict(user)
        .filter(mine=mine, signed_by__isnull=False)
        .select_related("organization", "signed_by")
        .order_by("-finished_at")
    )
    regulator = [r for r in records if r.organization.is_regulator]
    inspectorate = [r for r in records if not r.organization.is_regulator]
    return {
        "self": links.self_inspection_reports(mine),
        "regulator": _summarise(regulator),
        "inspectorate": _summarise(inspectorate),
    }


def _summarise(records: list[Inspection]) -> dict[str, Any]:
    findings = Finding.objects.filter(inspection__in=records)
    return {
        "records": records[:20],
        "checks": len(records),
        "findings": findings.count(),
        "major": findings.filter(major=True).count(),
        "open": findings.filter(rectified_on__isnull=True).count(),
        "kinds": Counter(findings.values_list("kind", flat=True)).most_common(5),
    }


def month_bounds(month: str | None, today: dt.date) -> tuple[int, int]:
    """``YYYY-MM`` (validated by the form) or the current month."""
    if month:
        year, number = (int(part) for part in month.split("-"))
        return year, number
    return today.year, today.month


@dataclass
class Analysis:
    """ENF-9: a body's monthly enforcement analysis (003: 监察分局每月 … 形成执法分析报告)."""

    year: int
    month: int
    planned: int = 0
    done: int = 0
    findings: int = 0
    major: int = 0
    penalties: int = 0
    fines: Decimal = Decimal("0")
    suspensions: int = 0
    common: list[tuple[str, int]] = field(default_factory=list)
    regional: list[tuple[str, int, int]] = field(default_factory=list)
    by_inspector: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def hazards_per_check(self) -> float:
        return round(self.findings / self.done, 2) if self.done else 0.0

    @property
    def completion(self) -> int:
        return round(100 * self.done / self.planned) if self.planned else 0

    @property
    def title(self) -> str:
        return f"{self.year}年{self.month}月执法分析"

    def sections(self) -> list[tuple[str, list[list[Any]]]]:
        return [
            (
                "总体情况",
                [
                    ["计划检查", "完成检查", "完成率", "发现问题", "重大隐患", "每次检查发现问题"],
                    [
                        self.planned,
                        self.done,
                        f"{self.completion}%",
                        self.findings,
                        self.major,
                        self.hazards_per_check,
                    ],
                ],
            ),
            (
                "处罚情况",
                [
                    ["行政处罚", "罚款(元)", "停产整顿"],
                    [self.penalties, f"{self.fines:,.2f}", self.suspensions],
                ],
            ),
            ("共性问题", [["问题类型", "次数"], *[list(r) for r in self.common]]),
            ("区域问题", [["县区", "检查次数", "发现问题"], *[list(r) for r in self.regional]]),
            (
                "执法人员",
                [["执法人员", "完成检查", "发现问题"], *[list(r) for r in self.by_inspector]],
            ),
        ]


def analyse(user: Any, year: int, month: int) -> Analysis:
    """ENF-9: checks done vs planned, hazards per check, penalties, common and regional problems
    within the user's jurisdiction for one month."""
    result = Analysis(year, month)
    entries = PlanEntry.objects.restrict(user).filter(plan__year=year)
    result.planned = sum(
        1 for months in entries.values_list("months", flat=True) if month in months
    )
    done = (
        Inspection.objects.restrict(user)
        .filter(signed_by__isnull=False, finished_at__year=year, finished_at__month=month)
        .select_related("mine__county", "signed_by")
    )
    records = list(done)
    result.done = len(records)
    findings = Finding.objects.filter(inspection__in=records)
    result.findings = findings.count()
    result.major = findings.filter(major=True).count()
    labels = dict(FindingKind.choices)
    result.common = [
        (labels.get(kind, kind), n)
        for kind, n in Counter(findings.values_list("kind", flat=True)).most_common(10)
    ]
    per_record = Counter(findings.values_list("inspection_id", flat=True))
    regions: dict[str, list[int]] = {}
    inspectors: dict[str, list[int]] = {}
    for record in records:
        for key, bucket in (
            (record.mine.county.name, regions),
            (str(record.signed_by), inspectors),
        ):
            row = bucket.setdefault(key, [0, 0])
            row[0] += 1
            row[1] += per_record.get(record.pk, 0)
    result.regional = sorted(((k, *v) for k, v in regions.items()), key=lambda r: -r[2])
    result.by_inspector = sorted(((k, *v) for k, v in inspectors.items()), key=lambda r: -r[1])
    penalty = {Consequence.PENALTY, Consequence.HEAVIER_PENALTY}
    for decision in Decision.objects.filter(inspection__in=records):
        if penalty & set(decision.consequences):
            result.penalties += 1
            result.fines += decision.fine or Decimal("0")
        if Consequence.SUSPENSION in decision.consequences:
            result.suspensions += 1
    return result


def analysis_workbook(analysis: Analysis) -> bytes:
    """ENF-9: the monthly analysis as an Excel workbook, one sheet per section."""
    book = Workbook()
    book.remove(book.active)
    for heading, rows in analysis.sections():
        sheet = book.create_sheet(heading)
        for row in rows:
            sheet.append([str(c) if not isinstance(c, int | float) else c for c in row])
        sheet.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- filing the analysis reports (ENF-9) -----------------------------------------------------

STATE_LABELS = {
    "on_time": ("按时报送", "green"),
    "late": ("逾期报送", "orange"),
    "missing": ("逾期未报", "red"),
    "pending": ("未到期", "light"),
}


@dataclass
class Filing:
    """One body's monthly or quarterly analysis report: due date, when filed, and its state."""

    organization: Organization
    period: str
    year: int
    number: int
    due: dt.date
    submitted_at: dt.datetime | None
    state: str

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state][0]

    @property
    def color(self) -> str:
        return STATE_LABELS[self.state][1]


def filings(user: Any, period: str, year: int, number: int, today: dt.date) -> list[Filing]:
    """ENF-9: every body in the user's own subtree owing a ``period`` report, with its state
    (late and missing ones first)."""
    due = rules.report_due(period, year, number)
    kinds, levels = rules.report_reporters(period, due)
    own = user.organization
    if own is None:
        return []
    bodies = Organization.objects.restrict(user).filter(
        path__startswith=own.path, kind__in=kinds, division__level__in=levels
    )
    filed = {
        r.organization_id: r.submitted_at
        for r in AnalysisReport.objects.restrict(user).filter(
            period=period, year=year, number=number
        )
    }
    rows = []
    for body in bodies.order_by("path"):
        at = filed.get(body.pk)
        state = rules.report_state(due, local_date(at) if at else None, today)
        rows.append(Filing(body, period, year, number, due, at, state))
    order = {"missing": 0, "late": 1, "pending": 2, "on_time": 3}
    return sorted(rows, key=lambda f: order[f.state])


def file_report(user: Any, period: str, year: int, number: int, now: dt.datetime) -> AnalysisReport:
    """ENF-9: the user's body files its analysis for a period that has ended, once."""
    try:
        end = rules.report_period_end(period, year, number)
    except ValueError as exc:
        raise ValidationError("报告期不正确") from exc
    if user.organization_id is None:
        raise ValidationError("只有监管监察机构可报送执法分析")
    if local_date(now) <= end:
        raise ValidationError("报告期尚未结束，不能报送")
    try:
        with transaction.atomic():
            return AnalysisReport.objects.create(
                organization=user.organization,
                period=period,
                year=year,
                number=number,
                submitted_at=now,
                submitted_by=user,
            )
    except IntegrityError as exc:
        raise ValidationError("本期执法分析已报送") from exc
