"""Administrative divisions, government organisations and users with their roles (REG, ACC)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from minesafe.accounts.choices import (
    ALL_ROLES,
    REGULATOR_ROLES,
    DivisionLevel,
    OrganizationKind,
    Role,
)
from minesafe.core.models import BaseModel
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access, RestrictedQuerySet


class TreeMixin(models.Model):
    """A materialised path (``/1/4/9/``) so a subtree is one indexed prefix query."""

    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级",
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.pk:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k != "force_insert"}
        parent = getattr(self, "parent", None)
        path = f"{parent.path if parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            super().save(*args, **kwargs)
        elif "update_fields" not in kwargs:
            super().save(*args, **kwargs)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


def _division_scope(user: User) -> Q:
    """Government users see their division's subtree and the chain above; companies their mines'."""
    if user.organization_id:
        own = user.organization.division
        return Q(path__startswith=own.path) | Q(pk__in=own.ancestor_ids())
    mines = apps.get_model("registry", "Mine").objects.restrict(user)
    return Q(pk__in=mines.values("county"))


class Division(TreeMixin, BaseModel):
    """An administrative division (province, city, county): the unit of jurisdiction."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=DivisionLevel.choices)

    access: ClassVar[Access] = Access(
        mine_field=None, roles={VIEW: ALL_ROLES}, scope=_division_scope
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name


ORGANIZATION_ADMINS = frozenset({Role.CITY_REGULATOR})


def _organization_scope(user: User) -> Q:
    """The bodies that supervise or inspect the user's mines; regulators also see their own
    subtree and the chain above it."""
    mines = apps.get_model("registry", "Mine").objects.restrict(user)
    scope = Q(pk__in=mines.values("supervisor")) | Q(pk__in=mines.values("inspectorate"))
    if user.organization_id:
        own = user.organization
        scope |= Q(path__startswith=own.path) | Q(pk__in=own.ancestor_ids())
    return scope


class Organization(TreeMixin, BaseModel):
    """A government body: a regulator (应急管理局, 煤矿安全监管局, 能源局) or an inspectorate."""

    name = models.CharField("机构名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, verbose_name="辖区")

    # The platform administrator and a city regulator (for the bodies of its own division,
    # services.organizations_for) register and edit bodies.
    access: ClassVar[Access] = Access(
        mine_field=None,
        roles={VIEW: ALL_ROLES, ADD: ORGANIZATION_ADMINS, CHANGE: ORGANIZATION_ADMINS},
        scope=_organization_scope,
    )

    class Meta:
        ordering = ["path"]
        verbose_name = "监管监察机构"
        verbose_name_plural = "监管监察机构"

    def __str__(self) -> str:
        return self.name

    @property
    def is_regulator(self) -> bool:
        return self.kind != OrganizationKind.INSPECTORATE


class UserManager(DjangoUserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    """Django's user manager with ``.restrict()``."""


def _user_scope(user: User) -> Q:
    """Everyone sees their own account; a regulator also the accounts it administers
    (:func:`minesafe.accounts.services.administered_users`)."""
    if user.role in REGULATOR_ROLES:
        from minesafe.accounts.services import administered_users

        return Q(pk=user.pk) | administered_users(user)
    return Q(pk=user.pk)


def nameable_by(user: User) -> Q:
    """The accounts ``user`` may name in a body (assign a case to, record as an officer): itself
    and the people of the organisations, enterprises and mines within its jurisdiction (REG-1).
    An account sees only itself; naming a colleague is not seeing their account."""
    return (
        Q(pk=user.pk)
        | Q(organization__in=Organization.objects.restrict(user))
        | Q(enterprise__in=anchor_model("enterprise").objects.restrict(user))
        | Q(mine__in=anchor_model("mine").objects.restrict(user))
    )


def anchor_model(name: str) -> Any:
    """The model a user's anchor field points to (``"enterprise"``, ``"mine"``): the register's,
    reached through the field, so accounts stays below the register it is anchored in."""
    return User._meta.get_field(name).related_model


class User(AbstractUser):
    """A person who logs in, with one role and the body that role acts for.

    Regulators and inspectors belong to an :class:`Organization`; enterprise officers to an
    enterprise; mine staff to a mine. The anchor decides the jurisdiction (core.scoping).
    """

    role = models.CharField("角色", max_length=30, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, verbose_name="所属机构"
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name="所属企业",
    )
    mine = models.ForeignKey(
        "registry.Mine", null=True, blank=True, on_delete=models.PROTECT, verbose_name="所属煤矿"
    )
    title = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    must_change_password = models.BooleanField(
        "下次登录须修改密码",
        default=False,
        help_text="管理员设置或重置的密码只用一次：登录后须先改为本人设定的密码",
    )

    objects = UserManager()
    # Platform administrators administer every account, regulators those in their jurisdiction
    # below their own level (services.administered_users); a user's own account is read-only.
    access: ClassVar[Access] = Access(
        mine_field=None,
        roles={VIEW: ALL_ROLES, ADD: REGULATOR_ROLES, CHANGE: REGULATOR_ROLES},
        scope=_user_scope,
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        anchors = {
            Role.COUNTY_REGULATOR: "organization",
            Role.CITY_REGULATOR: "organization",
            Role.INSPECTOR: "organization",
            Role.ENTERPRISE_OFFICER: "enterprise",
            Role.MINE_SAFETY_OFFICER: "mine",
            Role.MINE_MANAGER: "mine",
        }
        needed = anchors.get(Role(self.role)) if self.role in Role.values else None
        if needed and getattr(self, f"{needed}_id") is None:
            raise ValidationError({needed: "该角色必须指定所属单位"})

    @property
    def is_regulator(self) -> bool:
        return self.role in (Role.COUNTY_REGULATOR, Role.CITY_REGULATOR)

    @property
    def may_administer_users(self) -> bool:
        """Whether the account administration is open to this user (the menu asks)."""
        from minesafe.accounts.services import may_administer

        return bool(may_administer(self))
