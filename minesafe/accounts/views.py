from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from minesafe.accounts.models import Organization
from minesafe.core.scoping import VIEW


@login_required
@require_safe
def organization_list(request: HttpRequest) -> HttpResponse:
    """The regulators and inspectorate bureaus the user may see, as a tree."""
    organizations = (
        Organization.objects.restrict(request.user, VIEW)
        .select_related("division")
        .annotate(mine_count=Count("supervised_mines"))
        .order_by("path")
    )
    return render(request, "accounts/organization_list.html", {"organizations": organizations})
