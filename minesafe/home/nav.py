"""The top menu: one list of entries, each naming the model its page lists, so the menu shows a
role exactly the pages it can use (``can(user, model, VIEW)``, the permission the pages'
``restrict()`` applies). To add a page, add one ``NavItem`` line to ``NAV``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse

from minesafe.accounts.models import Organization
from minesafe.core.roles import MINE_ROLES
from minesafe.core.scoping import VIEW, can
from minesafe.emergency.models import OrderTarget
from minesafe.enforcement.models import Inspection
from minesafe.hazards.models import Hazard
from minesafe.monitoring.models import Alarm
from minesafe.positioning.models import DescentRecord
from minesafe.registry.models import Enterprise, Licence, Mine
from minesafe.response.models import AlarmCase
from minesafe.selfinspection.models import CampaignReport
from minesafe.video.models import VideoChannel
from minesafe.violations.models import Violation


@dataclass(frozen=True)
class NavItem:
    """A menu entry: ``url`` a URL name; ``model`` the model its page lists (None: every signed-in
    user); active on the pages of ``app`` (an app namespace) or named in ``names``."""

    label: str
    url: str
    model: type[models.Model] | None = None
    app: str = ""
    names: tuple[str, ...] = ()
    badge: str = ""  # URL name of an htmx badge loaded next to the label
    #: For mine staff: (label, URL name taking the mine's pk) of the same page for their mine.
    own_mine: tuple[str, str] | None = None
    #: A page not listing one model (the account administration): the user's property that opens it.
    allowed: str = ""

    def visible(self, user: Any) -> bool:
        if self.allowed:
            return bool(getattr(user, self.allowed, False))
        return self.model is None or can(user, self.model, VIEW)

    def active(self, app_name: str, url_name: str) -> bool:
        return (bool(self.app) and app_name == self.app) or url_name in self.names


NAV: list[NavItem] = [
    NavItem("首页", "home", names=("home", "overview")),
    NavItem(
        "煤矿档案",
        "registry:mine_list",
        Mine,
        names=("mine_list", "mine_detail"),
        own_mine=("本矿档案", "registry:mine_detail"),
    ),
    NavItem("企业", "registry:enterprise_list", Enterprise, names=("enterprise_list",)),
    NavItem("证照预警", "registry:licence_list", Licence, names=("licence_list",)),
    NavItem("监管机构", "organization_list", Organization, names=("organization_list",)),
    NavItem(
        "实时监测",
        "monitoring:board",
        Alarm,
        app="monitoring",
        own_mine=("", "monitoring:mine_live"),
    ),
    NavItem(
        "人员定位",
        "positioning:index",
        DescentRecord,
        app="positioning",
        own_mine=("", "positioning:detail"),
    ),
    NavItem(
        "报警处置", "response:case_list", AlarmCase, app="response", badge="response:unread_badge"
    ),
    NavItem("应急撤人", "emergency:order_list", OrderTarget, app="emergency"),
    NavItem("隐患排查", "hazards:hazard_list", Hazard, app="hazards"),
    NavItem("自查自改", "selfinspection:campaign_list", CampaignReport, app="selfinspection"),
    NavItem("三违管理", "violations:violation_list", Violation, app="violations"),
    NavItem(
        "视频监控",
        "video:overview",
        VideoChannel,
        app="video",
        own_mine=("", "video:coverage_detail"),
    ),
    NavItem("监管执法", "enforcement:index", Inspection, app="enforcement"),
    NavItem("规则计算", "registry:rules", names=("rules",)),
    NavItem(
        "用户管理",
        "user_list",
        allowed="may_administer_users",
        names=("user_list", "user_create", "user_edit", "user_activation", "user_password"),
    ),
    NavItem("API", "api-docs"),
]


@dataclass(frozen=True)
class Entry:
    label: str
    href: str
    active: bool
    badge: str


def entries(user: Any, app_name: str, url_name: str) -> list[Entry]:
    """The menu entries ``user`` may use; mine staff go straight to their own mine's pages."""
    out = []
    for item in NAV:
        if not item.visible(user):
            continue
        href, label = reverse(item.url), item.label
        if item.own_mine and user.role in MINE_ROLES and user.mine_id:
            label = item.own_mine[0] or label
            href = reverse(item.own_mine[1], args=[user.mine_id])
        badge = reverse(item.badge) if item.badge else ""
        out.append(Entry(label, href, item.active(app_name, url_name), badge))
    return out
