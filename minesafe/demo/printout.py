"""What ``minesafe demo`` prints once the demo is loaded: the figures the pages then show and every
demo login, both read from the database, never from the loaders' own counters.

The figures are computed as the pages compute them: the same ``restrict`` of the logged-in user,
the same filter sets and rules (the overview's counts and licence warnings, the hazard ledger's
filters, the alarm list's open alarms, the alarm cases' open states).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password
from django.db.models import Count

from minesafe.accounts.choices import Role
from minesafe.accounts.models import User
from minesafe.core.scoping import VIEW
from minesafe.localtime import local_date

#: The order logins are listed in: the regulators first, as a visitor starts there.
ROLE_ORDER = [
    Role.COUNTY_REGULATOR,
    Role.CITY_REGULATOR,
    Role.INSPECTOR,
    Role.ENTERPRISE_OFFICER,
    Role.MINE_SAFETY_OFFICER,
    Role.MINE_MANAGER,
    Role.ADMIN,
]


def pad(text: str, width: int) -> str:
    """Pad to a display width, counting a Chinese character as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


@dataclass(frozen=True)
class Login:
    username: str
    name: str
    role: str
    unit: str
    mines: int
    user: Any


def unit_of(user: Any) -> str:
    if user.organization_id:
        return str(user.organization.name)
    if user.enterprise_id:
        return str(user.enterprise.name)
    if user.mine_id:
        return f"{user.mine.name}（{user.mine.enterprise.name}）"
    return "全部数据"


def demo_logins(password: str) -> list[Login]:
    """Every active account that signs in with the demo password, from the database (the hash
    of each distinct stored password is checked once: the demo gives them all the same one)."""
    from minesafe.registry.models import Mine

    users = (
        User.objects.filter(is_active=True)
        .exclude(password__startswith="!")
        .exclude(password="")
        .select_related("organization", "enterprise", "mine__enterprise")
    )
    opens: dict[str, bool] = {}
    logins = []
    for user in users:
        if user.password not in opens:
            opens[user.password] = check_password(password, user.password)
        if opens[user.password]:
            logins.append(
                Login(
                    username=user.username,
                    name=user.first_name,
                    role=user.get_role_display(),
                    unit=unit_of(user),
                    mines=Mine.objects.restrict(user).count(),
                    user=user,
                )
            )
    order = {role: i for i, role in enumerate(ROLE_ORDER)}
    logins.sort(key=lambda login: (order.get(login.user.role, 99), login.username))
    return logins


def figures(user: Any) -> list[str]:
    """What the pages show ``user``: the overview, the hazard ledger, the alarm list and the
    alarm cases, each as that page counts it."""
    from minesafe.hazards.choices import OPEN_STATUSES, HazardGrade
    from minesafe.hazards.filters import HazardFilterSet
    from minesafe.hazards.models import Hazard
    from minesafe.monitoring.models import Alarm
    from minesafe.registry import rules
    from minesafe.registry.choices import MineStatus
    from minesafe.registry.models import Enterprise, Licence, Mine
    from minesafe.response.choices import OPEN_STATES
    from minesafe.response.models import AlarmCase

    today = local_date()
    mines = Mine.objects.restrict(user, VIEW)
    by_status = dict(mines.values_list("status").annotate(n=Count("pk")))
    statuses = "，".join(
        f"{label} {by_status[value]}" for value, label in MineStatus.choices if by_status.get(value)
    )
    licences = Licence.objects.restrict(user, VIEW).values_list("valid_until", flat=True)
    warnings = Counter(rules.licence_warning(day, today) for day in licences)
    hazards = Hazard.objects.restrict(user, VIEW)

    def ledger(**data: str) -> int:
        return int(HazardFilterSet(data, queryset=hazards, user=user).qs.count())

    open_hazards = hazards.filter(status__in=OPEN_STATUSES)
    open_alarms = Alarm.objects.restrict(user, VIEW).filter(closed_at__isnull=True)
    cases = AlarmCase.objects.restrict(user, VIEW)
    return [
        f"煤矿 {mines.count()} 座（{statuses or '无'}），"
        f"企业 {Enterprise.objects.restrict(user, VIEW).count()} 家",
        f"证照：已过期 {warnings['expired']} 件，30 天内到期 {warnings['30']} 件，"
        f"90 天内到期 {warnings['90']} 件",
        f"隐患台账 {hazards.count()} 条：未销号 {open_hazards.count()} 条"
        f"（其中重大事故隐患 {open_hazards.filter(grade=HazardGrade.MAJOR).count()} 条），"
        f"重大事故隐患共 {ledger(grade=HazardGrade.MAJOR)} 条，"
        f"逾期未整改 {ledger(overdue='yes')} 条",
        f"未关闭的报警 {open_alarms.count()} 条，涉及煤矿 "
        f"{open_alarms.values('mine').distinct().count()} 座；"
        f"报警处置 {cases.count()} 件，未办结 {cases.filter(state__in=OPEN_STATES).count()} 件",
    ]
