from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from minesafe.accounts import services
from minesafe.accounts.models import Organization
from minesafe.core.scoping import ADD, CHANGE, VIEW, can


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
    user = request.user
    editable: set[int] = set()
    if services.may_administer(user) and can(user, Organization, CHANGE):
        below = services.organizations_for(user).exclude(pk=user.organization_id or 0)
        editable = set(
            (below if not services.is_platform_admin(user) else organizations).values_list(
                "pk", flat=True
            )
        )
    context = {
        "organizations": organizations,
        "may_add": services.may_administer(user) and can(user, Organization, ADD),
        "editable": editable,
    }
    return render(request, "accounts/organization_list.html", context)
