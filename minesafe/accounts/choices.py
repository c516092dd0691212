"""Roles, organisation kinds and administrative levels (REG, ACC of the platform)."""

from django.db import models

# Roles live in core (the platform's base); re-exported here for the areas.
from minesafe.core.roles import (  # noqa: F401
    ALL_ROLES,
    GOVERNMENT_ROLES,
    MINE_ROLES,
    REGULATOR_ROLES,
    Party,
    Role,
    party_of,
)


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"


class OrganizationKind(models.TextChoices):
    EMERGENCY_BUREAU = "emergency", "应急管理局"
    COAL_SAFETY_BUREAU = "coal_safety", "煤矿安全监管局"
    ENERGY_BUREAU = "energy", "能源局"
    INSPECTORATE = "inspectorate", "国家矿山安全监察局分局"
    GOVERNMENT = "government", "人民政府"
