"""The one place that decides which rows a user may see or change (STYLE 6).

Every page, endpoint, export and search calls ``Model.objects.restrict(user, action)``. A model
states its policy with an :class:`Access`: which roles may perform each action, and how to reach
the mine it belongs to. Jurisdiction then follows from the user:

- a regulator or inspector sees mines whose county lies in its organisation's division;
- an enterprise officer sees the mines of its enterprise and of all enterprises below it;
- mine staff see their own mine.

Objects outside jurisdiction are simply absent, so detail views answer 404 for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q

from minesafe.core.roles import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES, Role

#: The platform's user (``accounts.User``: role, organization, enterprise, mine); core does not
#: import the accounts app.
User = Any

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"


@dataclass(frozen=True)
class Access:
    """A model's access policy.

    ``mine_field`` is the lookup path from the model to its ``Mine`` ("" for Mine itself,
    None for models scoped by ``scope`` instead). ``roles`` maps an action to the roles that may
    perform it; ``scope`` overrides the jurisdiction filter for models not tied to one mine.
    """

    mine_field: str | None = "mine"
    roles: dict[str, frozenset[str]] = field(default_factory=lambda: {VIEW: ALL_ROLES})
    scope: Callable[[User], Q] | None = None

    def allows(self, role: str, action: str) -> bool:
        return role == Role.ADMIN or role in self.roles.get(action, frozenset())


def mine_scope(user: User, prefix: str = "") -> Q:
    """Q selecting the mines (through ``prefix``) within the user's jurisdiction."""
    role = user.role
    if role in GOVERNMENT_ROLES:
        if user.organization_id is None:
            return Q(pk__in=[])
        return Q(**{f"{prefix}county__path__startswith": user.organization.division.path})
    if role == Role.ENTERPRISE_OFFICER:
        if user.enterprise_id is None:
            return Q(pk__in=[])
        return Q(**{f"{prefix}enterprise__path__startswith": user.enterprise.path})
    if role in MINE_ROLES:
        if user.mine_id is None:
            return Q(pk__in=[])
        return Q(**{f"{prefix}pk": user.mine_id})
    return Q(pk__in=[])


def restrict(queryset: models.QuerySet[Any], user: Any, action: str = VIEW) -> models.QuerySet[Any]:
    """Filter ``queryset`` to what ``user`` may do ``action`` on."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    access: Access = getattr(queryset.model, "access", Access(mine_field=None, roles={}))
    if user.is_superuser or user.role == Role.ADMIN:
        return queryset
    if not access.allows(user.role, action):
        return queryset.none()
    if access.scope is not None:
        return queryset.filter(access.scope(user))
    if access.mine_field is None:
        return queryset.none()
    prefix = f"{access.mine_field}__" if access.mine_field else ""
    return queryset.filter(mine_scope(user, prefix))


def may(user: Any, obj: models.Model, action: str) -> bool:
    """Whether ``user`` may do ``action`` on ``obj``, an object fetched through
    ``restrict(user, VIEW)``, without a query.

    Equivalent to ``restrict(user, action).filter(pk=obj.pk).exists()`` for such an object: the
    jurisdiction filter of :func:`restrict` is the same for every action, so once the object is
    known to be visible only the role's right to the action is left (a page that shows its edit
    buttons asks this several times per request).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    access: Access = getattr(type(obj), "access", Access(mine_field=None, roles={}))
    if access.scope is None and access.mine_field is None:
        return False
    return access.allows(user.role, action) and access.allows(user.role, VIEW)


def can(user: Any, model: type[models.Model], action: str) -> bool:
    """Whether the user's role may perform ``action`` on some ``model`` rows at all."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    access: Access = getattr(model, "access", Access(mine_field=None, roles={}))
    return access.allows(user.role, action)


def roles(*items: Iterable[str] | str) -> frozenset[str]:
    """Build a role set from role values and role sets."""
    out: set[str] = set()
    for item in items:
        out.update([item] if isinstance(item, str) else item)
    return frozenset(out)


class RestrictedQuerySet(models.QuerySet[Any]):
    def restrict(self, user: Any, action: str = VIEW) -> models.QuerySet[Any]:
        return restrict(self, user, action)
