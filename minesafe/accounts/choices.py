"""Roles, organisation kinds and administrative levels (REG, ACC of the platform)."""

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
