"""Roles and the parties they act for: the one place that says who is government and who is
the mine (every area's workflows and scoping read it). Lives in ``core`` so the platform's base
does not depend on the accounts app."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    COUNTY_REGULATOR = "county_regulator", "县级监管部门"
    CITY_REGULATOR = "city_regulator", "市/省级监管部门"
    INSPECTOR = "inspector", "监察员"
    ENTERPRISE_OFFICER = "enterprise_officer", "企业安全管理员"
    MINE_SAFETY_OFFICER = "mine_safety_officer", "煤矿安全管理员"
    MINE_MANAGER = "mine_manager", "矿长"
    ADMIN = "admin", "系统管理员"


REGULATOR_ROLES = frozenset({Role.COUNTY_REGULATOR, Role.CITY_REGULATOR})
GOVERNMENT_ROLES = REGULATOR_ROLES | {Role.INSPECTOR}
MINE_ROLES = frozenset({Role.MINE_SAFETY_OFFICER, Role.MINE_MANAGER})
ALL_ROLES = frozenset(Role)


class Party(StrEnum):
    """On whose behalf a role acts in a workflow step."""

    GOVERNMENT = "government"  # regulators and inspectors alike
    ENTERPRISE = "enterprise"
    MINE = "mine"
    ADMIN = "admin"


def party_of(role: str) -> Party:
    """The party a role acts for: an inspector is government in every area."""
    if role in GOVERNMENT_ROLES:
        return Party.GOVERNMENT
    if role in MINE_ROLES:
        return Party.MINE
    if role == Role.ENTERPRISE_OFFICER:
        return Party.ENTERPRISE
    return Party.ADMIN
