"""Choice classes of self-inspection campaigns (HAZ-8): constants, Chinese labels, colours."""

from django.db import models


class TemplateKind(models.TextChoices):
    """Which checklist a mine answers: the source names one per mining method (003)."""

    UNDERGROUND = "underground", "井工煤矿"
    OPEN_PIT = "open_pit", "露天煤矿"


class AnswerResult(models.TextChoices):
    """The written result of one checklist item (003: 逐项对照写实检查)."""

    COMPLIANT = "compliant", "符合"
    HAZARD = "hazard", "存在隐患"
    NOT_APPLICABLE = "not_applicable", "不涉及"


class ReportStatus(models.TextChoices):
    """Where a mine's self-inspection report stands (HAZ-8)."""

    DRAFT = "draft", "编制中"
    SIGNED = "signed", "已签字上报"
    ACCEPTED = "accepted", "已审核通过"
    RETURNED = "returned", "已退回重做"


class ScopeMode(models.TextChoices):
    """How a regulator chose the mines of a campaign."""

    ALL = "all", "辖区全部煤矿"
    FILTER = "filter", "按条件筛选"
    CHOSEN = "chosen", "逐矿选择"


REPORT_COLORS = {
    ReportStatus.DRAFT: "grey",
    ReportStatus.SIGNED: "blue",
    ReportStatus.ACCEPTED: "green",
    ReportStatus.RETURNED: "orange",
}
RESULT_COLORS = {
    AnswerResult.COMPLIANT: "green",
    AnswerResult.HAZARD: "red",
    AnswerResult.NOT_APPLICABLE: "grey",
}
