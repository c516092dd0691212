"""Self-inspection objects for the test world: one campaign report of each mine (HAZ-8)."""

from __future__ import annotations

import datetime as dt

from minesafe.registry.models import Mine
from minesafe.selfinspection.checklists import ItemRow, build_template
from minesafe.selfinspection.choices import AnswerResult, ScopeMode, TemplateKind
from minesafe.selfinspection.models import (
    Campaign,
    CampaignReport,
    ChecklistTemplate,
    ReportAnswer,
)

TEST_TEMPLATE = "测试检查表"
TEST_ROWS = [
    ItemRow("通风", "主要通风机运行正常", "规程"),
    ItemRow("通风", "采掘工作面风量满足需要", "规程"),
    ItemRow("防治水", "探放水设计经审批", "防治水细则"),
]


def shared_template() -> ChecklistTemplate:
    """A small template shared by the test world (three items in two sections)."""
    found = ChecklistTemplate.objects.filter(name=TEST_TEMPLATE).first()
    return found or build_template(
        name=TEST_TEMPLATE, kind=TemplateKind.UNDERGROUND, version="T1", rows=TEST_ROWS
    )


def make_campaign_report(mine: Mine, today: dt.date) -> CampaignReport:
    """A campaign of the mine's supervisor holding a draft report of the mine, one answer given
    , so every self-inspection route has an object of each kind."""
    template = shared_template()
    campaign = Campaign.objects.create(
        name=f"{mine.supervisor.name}测试自查",
        template=template,
        organization=mine.supervisor,
        launched_on=today,
        deadline=today + dt.timedelta(days=30),
        scope_mode=ScopeMode.CHOSEN,
    )
    report = CampaignReport.objects.create(campaign=campaign, mine=mine)
    first = template.items().first()
    ReportAnswer.objects.create(report=report, item=first, result=AnswerResult.COMPLIANT)
    return report
