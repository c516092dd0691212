"""Who may act on enforcement records (core.scoping): the custom actions, and the scopes of
plans, draws and the expert pool (a government body's division) and of inspection records (the
mine's jurisdiction, minus sealed records for the mine and its enterprise, ENF-2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from minesafe.core.roles import ALL_ROLES, GOVERNMENT_ROLES
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, mine_scope

#: Custom actions (core.scoping): sign a record, decide on it, review a decision, draw targets.
SIGN = "sign"
DECIDE = "decide"
REVIEW = "review"
DRAW = "draw"

GOV_ACTIONS = {VIEW: GOVERNMENT_ROLES, ADD: GOVERNMENT_ROLES, CHANGE: GOVERNMENT_ROLES}


def body_scope(user: Any, prefix: str = "") -> Q:
    """Government bodies within the user's division (a city sees its counties' bodies, the
    provincial inspectorate sees every body of the province)."""
    if user.role not in GOVERNMENT_ROLES or user.organization_id is None:
        return Q(pk__in=[])
    path = user.organization.division.path
    return Q(**{f"{prefix}division__path__startswith": path})


def plan_scope(user: Any) -> Q:
    return body_scope(user, "organization__")


def expert_scope(user: Any) -> Q:
    """The pools of bodies in the user's division and of the bodies above it."""
    if user.role not in GOVERNMENT_ROLES or user.organization_id is None:
        return Q(pk__in=[])
    own = user.organization
    return body_scope(user, "organization__") | Q(organization__in=own.ancestor_ids())


def inspection_scope(prefix: str = "") -> Any:
    """Mine jurisdiction; mine and enterprise users never see a sealed record (ENF-2)."""

    def scope(user: Any) -> Q:
        q = mine_scope(user, f"{prefix}mine__")
        if user.role not in GOVERNMENT_ROLES:
            q &= Q(**{f"{prefix}sealed": False})
        return q

    return scope


def record_access(prefix: str, **extra: frozenset[str]) -> Access:
    """Access of an object of an inspection record: everybody reads, government writes."""
    roles = {VIEW: ALL_ROLES, ADD: GOVERNMENT_ROLES, CHANGE: GOVERNMENT_ROLES, **extra}
    return Access(mine_field=f"{prefix}mine", roles=roles, scope=inspection_scope(prefix))
