"""Account administration: who may administer which accounts, and the audited changes (ACC).

A platform administrator administers every account. A county or city regulator administers,
inside its own jurisdiction only, the accounts at or below its own level: regulators of the
bodies in its division (a county regulator only county regulators), the officers of the
enterprises registered or operating there and the staff of its mines. Nobody changes their own
role, body or status here, so nobody elevates themselves. Every change leaves an audit entry
with the reason the administrator gave.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from minesafe.accounts.choices import MINE_ROLES, OrganizationKind, Role
from minesafe.accounts.models import anchor_model
from minesafe.core.context import audit_reason
from minesafe.core.signals import BulkChange, log_bulk

#: The roles each administering role may give (and the accounts of which roles it administers).
GRANTABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.ADMIN: tuple(Role.values),
    Role.CITY_REGULATOR: (
        Role.CITY_REGULATOR,
        Role.COUNTY_REGULATOR,
        Role.ENTERPRISE_OFFICER,
        Role.MINE_SAFETY_OFFICER,
        Role.MINE_MANAGER,
    ),
    Role.COUNTY_REGULATOR: (
        Role.COUNTY_REGULATOR,
        Role.ENTERPRISE_OFFICER,
        Role.MINE_SAFETY_OFFICER,
        Role.MINE_MANAGER,
    ),
}

#: Which body each role acts for (the others are cleared when the role changes).
ANCHOR_OF_ROLE: dict[str, str | None] = {
    Role.COUNTY_REGULATOR: "organization",
    Role.CITY_REGULATOR: "organization",
    Role.INSPECTOR: "organization",
    Role.ENTERPRISE_OFFICER: "enterprise",
    Role.MINE_SAFETY_OFFICER: "mine",
    Role.MINE_MANAGER: "mine",
    Role.ADMIN: None,
}
ANCHORS = ("organization", "enterprise", "mine")

#: The fields of an account its audit entries record (never the password hash).
AUDITED_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "title",
    "phone",
    "email",
    "role",
    "organization_id",
    "enterprise_id",
    "mine_id",
    "is_active",
)


def is_platform_admin(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def may_administer(user: Any) -> bool:
    """Whether the user may open the account administration at all."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_platform_admin(user) or (
        user.role in (Role.COUNTY_REGULATOR, Role.CITY_REGULATOR) and user.organization_id
    )


def grantable_roles(user: Any) -> tuple[str, ...]:
    if is_platform_admin(user):
        return GRANTABLE_ROLES[Role.ADMIN]
    return GRANTABLE_ROLES.get(user.role, ())


def organizations_for(user: Any) -> QuerySet[Any]:
    """The bodies a user may put an account in: a regulator's own division's regulators."""
    from minesafe.accounts.models import Organization

    visible = Organization.objects.restrict(user)
    if is_platform_admin(user):
        return visible
    if not user.organization_id:
        return visible.none()
    return visible.filter(division__path__startswith=user.organization.division.path).exclude(
        kind=OrganizationKind.INSPECTORATE
    )


def enterprises_for(user: Any) -> QuerySet[Any]:
    """The enterprises a user may put an officer in: registered in a regulator's division or
    operating one of its mines (never a group above them)."""
    Enterprise, Mine = anchor_model("enterprise"), anchor_model("mine")
    visible = Enterprise.objects.restrict(user)
    if is_platform_admin(user):
        return visible
    if not user.organization_id:
        return visible.none()
    return visible.filter(
        Q(division__path__startswith=user.organization.division.path)
        | Q(pk__in=Mine.objects.restrict(user).values("enterprise"))
    )


def mines_for(user: Any) -> QuerySet[Any]:
    return anchor_model("mine").objects.restrict(user)


def administered_users(user: Any) -> Q:
    """Q selecting the accounts a regulator administers (not its own: see the module doc)."""
    roles = set(grantable_roles(user))
    government = roles & {Role.COUNTY_REGULATOR, Role.CITY_REGULATOR}
    if not roles:
        return Q(pk__in=[])
    q = Q(role__in=government, organization__in=organizations_for(user).values("pk"))
    q |= Q(role=Role.ENTERPRISE_OFFICER, enterprise__in=enterprises_for(user).values("pk"))
    q |= Q(role__in=MINE_ROLES, mine__in=mines_for(user).values("pk"))
    return q & ~Q(role=Role.ADMIN) & ~Q(is_superuser=True)


def administered(user: Any) -> QuerySet[Any]:
    """The accounts the user may change (its own excluded)."""
    from minesafe.accounts.models import User
    from minesafe.core.scoping import CHANGE

    return User.objects.restrict(user, CHANGE).exclude(pk=user.pk)


def audited_values(account: Any) -> dict[str, Any]:
    return {name: getattr(account, name) for name in AUDITED_FIELDS}


def _log(account: Any, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    log_bulk(
        [
            BulkChange(
                model=type(account),
                object_id=account.pk,
                object_repr=f"用户 {account.username}",
                mine_id=None,
                old=old,
                new=new,
            )
        ]
    )


def save_account(account: Any, old: dict[str, Any] | None, reason: str) -> Any:
    """Save a created or edited account (its anchors cut to its role) with its audit entry."""
    anchor = ANCHOR_OF_ROLE.get(account.role)
    for name in ANCHORS:
        if name != anchor:
            setattr(account, name, None)
    if account.role == Role.ADMIN:
        account.is_staff = True
    with transaction.atomic(), audit_reason(reason):
        if account.pk is None:
            account.set_unusable_password()
        account.save()
        _log(account, old, audited_values(account))
    return account


def set_active(account: Any, active: bool, reason: str) -> None:
    old = audited_values(account)
    account.is_active = active
    with transaction.atomic(), audit_reason(reason):
        account.save(update_fields=["is_active"])
        _log(account, old, audited_values(account))


def one_time_password() -> str:
    """A password to hand over once: 12 characters from an alphabet without look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def reset_password(account: Any, password: str, reason: str, *, generated: bool) -> None:
    """Set a new password; the audit entry says that and how, never the password."""
    account.set_password(password)
    account.must_change_password = True
    with transaction.atomic(), audit_reason(reason):
        account.save(update_fields=["password", "must_change_password"])
        how = "生成一次性密码" if generated else "管理员设置"
        _log(account, {"password": "（原密码）"}, {"password": f"已重置（{how}）"})
