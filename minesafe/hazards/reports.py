"""Reports of the hazard loop: the county's major-hazard board, statistics with charts, the
Excel ledger, the PDF notice, the catalogue, notifications, proposals and cases (HAZ-2, HAZ-7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from minesafe.core.scoping import VIEW
from minesafe.core.views import download, get_scoped, paginate, pk_model
from minesafe.hazards import excel, pdf, rules
from minesafe.hazards.catalogue import edition_on
from minesafe.hazards.choices import (
    GRADE_COLORS,
    OPEN_STATUSES,
    PROPOSAL_COLORS,
    STATUS_COLORS,
    HazardGrade,
    HazardStatus,
    Profession,
)
from minesafe.hazards.filters import overdue_q
from minesafe.hazards.models import (
    Hazard,
    HazardProposal,
    MajorHazardCategory,
    ResponsibilityCase,
)
from minesafe.hazards.views import filtered, scoped_hazards
from minesafe.localtime import local_date
from minesafe.notifications.choices import Topic
from minesafe.notifications.services import inbox


def _month_start(today: dt.date) -> dt.datetime:
    first = dt.datetime(today.year, today.month, 1)
    return timezone.make_aware(first)


@login_required
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    """The major-hazard board (HAZ-2): listed, overdue, and closed this month."""
    today = local_date()
    majors = scoped_hazards(request).filter(grade=HazardGrade.MAJOR)
    context = {
        "listed": majors.filter(listed=True).exclude(status=HazardStatus.CLOSED),
        "overdue": majors.filter(overdue_q(today)),
        "open": majors.filter(status__in=OPEN_STATUSES, listed=False).exclude(overdue_q(today)),
        "awaiting": majors.filter(status__in=[HazardStatus.RECTIFIED, HazardStatus.VERIFIED]),
        "closed": majors.filter(status=HazardStatus.CLOSED, closed_at__gte=_month_start(today)),
        "today": today,
        "status_colors": STATUS_COLORS,
    }
    return render(request, "hazards/board.html", context)


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@login_required
@require_safe
def stats(request: HttpRequest) -> HttpResponse:
    """Statistics (HAZ-7): by category, month and mine; rectification and overdue rates over
    the last 12 months."""
    now = timezone.now()
    today = local_date()
    since = rules.add_months(now, -12)
    hazards = scoped_hazards(request).filter(found_at__gte=since)
    total = hazards.count()
    done = hazards.filter(status__in=[HazardStatus.VERIFIED, HazardStatus.CLOSED]).count()
    overdue = hazards.filter(Q(overdue_since__isnull=False) | overdue_q(today)).count()
    majors = hazards.filter(grade=HazardGrade.MAJOR).count()
    by_category = (
        hazards.filter(situation__isnull=False)
        .values("situation__category__number", "situation__category__title")
        .annotate(n=Count("pk"))
        .order_by("situation__category__number")
    )
    by_month = (
        hazards.annotate(month=TruncMonth("found_at"))
        .values("month", "grade")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    months: dict[str, dict[str, int]] = {}
    for row in by_month:
        key = timezone.localtime(row["month"]).strftime("%Y-%m") if row["month"] else "?"
        months.setdefault(key, {HazardGrade.GENERAL: 0, HazardGrade.MAJOR: 0})[row["grade"]] = row[
            "n"
        ]
    by_mine = list(
        hazards.values("mine__name")
        .annotate(
            n=Count("pk"),
            major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)),
            done=Count("pk", filter=Q(status__in=[HazardStatus.VERIFIED, HazardStatus.CLOSED])),
        )
        .order_by("-n")[:20]
    )
    for row in by_mine:
        row["rate"] = _rate(row["done"], row["n"])
    charts = {
        "category": [
            {
                "name": f"{r['situation__category__number']}."
                f"{r['situation__category__title'][:10]}",
                "value": r["n"],
            }
            for r in by_category
        ],
        "months": list(months),
        "general": [m[HazardGrade.GENERAL] for m in months.values()],
        "major": [m[HazardGrade.MAJOR] for m in months.values()],
        "mines": [r["mine__name"] for r in by_mine],
        "mine_counts": [r["n"] for r in by_mine],
    }
    context = {
        "common": common_problems(scoped_hazards(request), today),
        "total": total,
        "majors": majors,
        "rectification_rate": _rate(done, total),
        "overdue_rate": _rate(overdue, total),
        "by_mine": by_mine,
        "by_category": by_category,
        "charts": charts,
    }
    return render(request, "hazards/stats.html", context)


def common_problems(hazards: Any, today: dt.date, min_mines: int = 2) -> list[dict[str, Any]]:
    """HAZ-7 (000:22, 003): this month's problems found at several mines — the same major
    situation, or general hazards of the same profession — for the regulator's summary."""
    month = hazards.filter(found_at__gte=_month_start(today))
    majors = (
        month.filter(situation__isnull=False)
        .values("situation__code", "situation__text")
        .annotate(mines=Count("mine", distinct=True), n=Count("pk"))
        .filter(mines__gte=min_mines)
    )
    generals = (
        month.filter(situation__isnull=True)
        .values("profession")
        .annotate(mines=Count("mine", distinct=True), n=Count("pk"))
        .filter(mines__gte=min_mines)
    )
    labels = dict(Profession.choices)
    rows = [
        {
            "what": f"第{r['situation__code']} {r['situation__text'][:40]}",
            "mines": r["mines"],
            "n": r["n"],
        }
        for r in majors
    ]
    rows += [
        {
            "what": f"{labels.get(r['profession'], r['profession'])}专业一般隐患",
            "mines": r["mines"],
            "n": r["n"],
        }
        for r in generals
    ]
    return sorted(rows, key=lambda r: (-r["mines"], -r["n"]))


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The filtered ledger as Excel, same scope and filters as the list (§8)."""
    _, queryset, _ = filtered(request)
    data = excel.export_hazards(queryset.select_related("situation"), "隐患排查治理台账")
    stamp = timezone.localtime().strftime("%Y%m%d")
    return download(data, f"hazards-{stamp}.xlsx")


@login_required
@require_safe
@pk_model(Hazard)
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF hazard notice (隐患整改通知书)."""
    hazard = get_scoped(Hazard, request.user, VIEW, pk=pk)
    return download(pdf.notice_pdf(hazard), f"notice-{hazard.pk}.pdf", inline=True)


@login_required
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    """The major-hazard standard by edition (HAZ-2); the edition in force today first."""
    editions = list(
        MajorHazardCategory.objects.restrict(request.user, VIEW)
        .values_list("edition", "effective_from")
        .distinct()
        .order_by("-effective_from")
    )
    chosen = request.GET.get("edition") or edition_on(local_date()) or ""
    categories = (
        MajorHazardCategory.objects.restrict(request.user, VIEW)
        .filter(edition=chosen)
        .prefetch_related("items")
        .order_by("number")
    )
    context = {"editions": editions, "chosen": chosen, "categories": categories}
    return render(request, "hazards/catalogue.html", context)


@login_required
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's reports, reminders, overdue and escalation messages of hazards (HAZ-2)."""
    rows = inbox(request.user, Topic.HAZARD).select_related("mine")
    kind = request.GET.get("kind", "")
    if kind:
        rows = rows.filter(kind=kind)
    return render(request, "hazards/notifications.html", {"page": paginate(request, rows)})


@login_required
@require_safe
def proposals(request: HttpRequest) -> HttpResponse:
    """Proposals of the repeat rules and responsibility-tracing cases (HAZ-4/5/6/9)."""
    context: dict[str, Any] = {
        "proposals": HazardProposal.objects.restrict(request.user, VIEW).select_related(
            "mine", "hazard"
        )[:200],
        "cases": ResponsibilityCase.objects.restrict(request.user, VIEW).select_related(
            "hazard__mine"
        )[:200],
        "proposal_colors": PROPOSAL_COLORS,
        "grade_colors": GRADE_COLORS,
    }
    return render(request, "hazards/proposals.html", context)
