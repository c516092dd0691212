"""Pages of 三违 records (VIO-1): list with filters, detail, add/edit, monthly statistics,
repeat offenders, the monthly notification list and the Excel export; leaders' monthly
underground checks and the months they missed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from minesafe.core.scoping import ADD, CHANGE, VIEW, can
from minesafe.core.views import (
    ScopedFormView,
    download,
    export_url,
    get_scoped,
    is_htmx,
    paginate,
    pk_model,
    query_without,
    require,
)
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.violations import excel, rules, services
from minesafe.violations.choices import (
    KIND_COLORS,
    SEVERITY_COLORS,
    Severity,
    ViolationKind,
)
from minesafe.violations.filters import LeaderCheckFilterSet, ViolationFilterSet
from minesafe.violations.forms import LeaderCheckForm, ViolationForm
from minesafe.violations.models import LeaderCheck, Violation


def _violations(request: HttpRequest) -> QuerySet[Violation]:
    return Violation.objects.restrict(request.user, VIEW).select_related("mine")


def _filtered(request: HttpRequest) -> tuple[ViolationFilterSet, QuerySet[Violation]]:
    filterset = ViolationFilterSet(
        request.GET or None, queryset=_violations(request), request=request
    )
    valid = not filterset.is_bound or filterset.is_valid()
    queryset = filterset.qs if valid else filterset.queryset.none()
    return filterset, queryset.order_by("-found_at", "-pk")


@login_required
@require_safe
def violation_list(request: HttpRequest) -> HttpResponse:
    """三违 records in the user's jurisdiction with filters; htmx swaps only the table."""
    filterset, queryset = _filtered(request)
    context = {
        "filter": filterset,
        "page": paginate(request, queryset),
        "query": query_without(request, "page"),
        "can_add": can(request.user, Violation, ADD),
        "kind_colors": KIND_COLORS,
        "severity_colors": SEVERITY_COLORS,
        "export_url": export_url(request, "violations:violation_export"),
        "htmx": is_htmx(request),
    }
    template = "violations/_table.html" if is_htmx(request) else "violations/violation_list.html"
    return render(request, template, context)


@login_required
@require_safe
def violation_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel (same scope and filters as the page)."""
    _, queryset = _filtered(request)
    stamp = local_date().strftime("%Y%m%d")
    return download(excel.export_violations(queryset), f"violations-{stamp}.xlsx")


@login_required
@require_safe
@pk_model(Violation)
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    violation = get_scoped(Violation, request.user, VIEW, pk=pk)
    can_edit = Violation.objects.restrict(request.user, CHANGE).filter(pk=pk).exists()
    context = {
        "v": violation,
        "can_edit": can_edit,
        "kind_colors": KIND_COLORS,
        "severity_colors": SEVERITY_COLORS,
    }
    return render(request, "violations/violation_detail.html", context)


class ViolationCreateView(ScopedFormView):
    model = Violation
    form_class = ViolationForm
    action = ADD
    title = "录入三违"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Violation:
        require(request.user, Violation, ADD)
        return Violation(recorded_by=request.user)

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}


class ViolationEditView(ViolationCreateView):
    action = CHANGE
    title = "编辑三违记录"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> Violation:
        violation: Violation = get_scoped(Violation, request.user, CHANGE, pk=kwargs["pk"])
        return violation


def _acts(queryset: QuerySet[Violation]) -> list[rules.Act]:
    rows = queryset.values_list(
        "pk", "mine_id", "person_name", "team", "kind", "severity", "found_at"
    )
    return [
        rules.Act(mine, name, team, kind, severity, local_date(at), pk)
        for pk, mine, name, team, kind, severity, at in rows
    ]


def _mine_names(request: HttpRequest) -> dict[int, str]:
    return dict(Mine.objects.restrict(request.user, VIEW).values_list("pk", "name"))


@login_required
@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    """Monthly statistics by kind, mine, team and person for the last 12 months (VIO-1)."""
    today = local_date()
    months = rules.last_months(today, 12)
    start = rules.month_bounds(months[0])[0]
    acts = _acts(_violations(request).filter(found_at__date__gte=start))
    names = _mine_names(request)
    by_kind = rules.monthly_counts(acts, months, lambda a: a.kind)
    by_severity = rules.monthly_counts(acts, months, lambda a: a.severity)
    charts = {
        "months": months,
        "kinds": [
            {"name": label, "data": by_kind.get(value, [0] * len(months))}
            for value, label in ViolationKind.choices
        ],
        "serious": by_severity.get(Severity.SERIOUS, [0] * len(months)),
        "mines": [[names.get(m, ""), n] for m, n in rules.top(acts, lambda a: a.mine_id)],
        "teams": [
            [f"{names.get(m, '')} {t}", n]
            for (m, t), n in rules.top(acts, lambda a: (a.mine_id, a.team))
        ],
        "persons": [
            [f"{p}（{names.get(m, '')}）", n]
            for (m, p), n in rules.top(acts, lambda a: (a.mine_id, a.person_name))
        ],
    }
    table = [
        (month, [k["data"][i] for k in charts["kinds"]], charts["serious"][i])
        for i, month in enumerate(months)
    ]
    context = {
        "charts": charts,
        "table": table,
        "total": len(acts),
        "serious": sum(charts["serious"]),
        "months": months,
    }
    return render(request, "violations/statistics.html", context)


@login_required
@require_safe
def repeat_offenders(request: HttpRequest) -> HttpResponse:
    """People who reached the repeat threshold in the window in force (VIO-1, YAML)."""
    today = local_date()
    params = rules.repeat_params(today)
    since = today - dt.timedelta(days=params.window_days)
    acts = _acts(_violations(request).filter(found_at__date__gte=since))
    names = _mine_names(request)
    offenders = [
        {"o": o, "mine": names.get(o.mine_id, "")}
        for o in rules.repeat_offenders(acts, today, params)
    ]
    context = {"offenders": offenders, "params": params, "today": today}
    return render(request, "violations/repeat_offenders.html", context)


@login_required
@require_safe
def notification(request: HttpRequest) -> HttpResponse:
    """The monthly notification list of cases (000:30, 定期通报), serious cases first."""
    today = local_date()
    month = request.GET.get("month") or rules.month_key(today)
    try:
        first, last = rules.month_bounds(month)
    except ValueError:
        month = rules.month_key(today)
        first, last = rules.month_bounds(month)
    queryset = _violations(request).filter(found_at__date__gte=first, found_at__date__lte=last)
    by_pk = {v.pk: v for v in queryset}
    order = sorted(_acts(queryset), key=rules.notification_order)
    rows = [by_pk[a.pk] for a in order]
    context = {
        "rows": rows,
        "month": month,
        "months": rules.last_months(today, 12)[::-1],
        "serious": sum(v.severity == Severity.SERIOUS for v in rows),
        "fines": sum(v.fine for v in rows),
        "kind_colors": KIND_COLORS,
        "severity_colors": SEVERITY_COLORS,
    }
    return render(request, "violations/notification.html", context)


# Leaders' monthly underground checks (VIO-1, 000:30) -------------------------------------


@login_required
@require_safe
def leader_check_list(request: HttpRequest) -> HttpResponse:
    """Leaders' underground 三违 checks in the user's jurisdiction, with filters."""
    filterset = LeaderCheckFilterSet(
        request.GET or None,
        queryset=LeaderCheck.objects.restrict(request.user, VIEW).select_related("mine"),
        request=request,
    )
    valid = not filterset.is_bound or filterset.is_valid()
    queryset = filterset.qs if valid else filterset.queryset.none()
    context = {
        "filter": filterset,
        "page": paginate(request, queryset.order_by("-went_down_at", "-pk")),
        "query": query_without(request, "page"),
        "can_add": can(request.user, LeaderCheck, ADD),
    }
    return render(request, "violations/leader_check_list.html", context)


class LeaderCheckCreateView(ScopedFormView):
    model = LeaderCheck
    form_class = LeaderCheckForm
    action = ADD
    title = "录入领导下井查三违"

    def get_instance(self, request: HttpRequest, **kwargs: Any) -> LeaderCheck:
        require(request.user, LeaderCheck, ADD)
        return LeaderCheck(recorded_by=request.user)

    def form_kwargs(self, request: HttpRequest, instance: Any) -> dict[str, Any]:
        return {"instance": instance, "user": request.user}


@login_required
@require_safe
def leader_checks_missed(request: HttpRequest) -> HttpResponse:
    """The mines whose leaders did not go underground in a month (VIO-1, 000:30); the last
    complete month by default, the current one (so far) on request."""
    today = local_date()
    month = services.leader_check_month(request.GET.get("month"), today)
    params = rules.leader_check_params(rules.month_bounds(month)[0])
    context = {
        "month": month,
        "current": rules.month_key(today),
        "months": rules.last_months(today, 13)[::-1],
        "rows": services.missed_leader_checks(request.user, month),
        "params": params,
        "statuses": [MineStatus(s).label for s in params.mine_statuses],
    }
    return render(request, "violations/leader_checks_missed.html", context)
