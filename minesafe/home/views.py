"""The home page: each role its own work (the mine its hazards, cases, orders and requests; the
inspector today's checks, plan and draws; the regulator the county overview with its
exceptions). The blocks are in :mod:`minesafe.home.services`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from minesafe.core.roles import MINE_ROLES, Role
from minesafe.home import services
from minesafe.localtime import local_date
from minesafe.registry.views import overview_context

ROWS = services.ROWS


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = local_date()
    if user.role in MINE_ROLES:
        requests = services.inspection_requests(user, today)
        context = {
            "today": today,
            "hazards": services.open_hazards(user)[:ROWS],
            "hazard_count": services.open_hazards(user).count(),
            "cases": services.cases_waiting(user)[:ROWS],
            "evacuations": services.evacuations_open(user)[:ROWS],
            "findings": requests["findings"][:ROWS],
            "rechecks": requests["rechecks"][:ROWS],
            "reports": requests["reports"][:ROWS],
            "licences": services.licences_expiring(user, today)[:ROWS],
        }
        return render(request, "home/mine.html", context)
    if user.role == Role.INSPECTOR:
        context = {
            "today": today,
            "inspections": services.inspections_today(user, today)[:ROWS],
            "entries": services.plan_entries_this_month(user, today)[:ROWS],
            "draws": services.draws_ahead(user, today)[:ROWS],
            "cases": services.cases_waiting(user)[:ROWS],
        }
        return render(request, "home/inspector.html", context)
    context = {
        **overview_context(request),
        "exceptions": services.regulator_exceptions(user, today),
    }
    return render(request, "registry/overview.html", context)
