"""Forms of self-inspection campaigns (HAZ-8); answers are parsed by :func:`parse_answers`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from minesafe.core.forms import DATE
from minesafe.core.scoping import VIEW
from minesafe.localtime import local_date
from minesafe.registry.choices import MineStatus, MiningMethod, SupervisionClass
from minesafe.registry.models import Mine
from minesafe.selfinspection.choices import AnswerResult, ReportStatus, ScopeMode
from minesafe.selfinspection.models import ChecklistItem, ChecklistTemplate
from minesafe.selfinspection.services import AnswerInput

CHIPS = forms.CheckboxSelectMultiple(attrs={"class": "chips"})


class CampaignForm(forms.Form):
    """A regulator launches a campaign over all, filtered or chosen mines of its jurisdiction."""

    name = forms.CharField(label="活动名称", max_length=150)
    template = forms.ModelChoiceField(
        label="检查表", queryset=ChecklistTemplate.objects.filter(is_active=True)
    )
    deadline = forms.DateField(label="完成期限", widget=DATE)
    scope_mode = forms.ChoiceField(
        label="范围", choices=ScopeMode.choices, initial=ScopeMode.ALL, widget=forms.RadioSelect
    )
    status = forms.MultipleChoiceField(
        label="筛选：生产状态", choices=MineStatus.choices, required=False, widget=CHIPS
    )
    supervision_class = forms.MultipleChoiceField(
        label="筛选：监管类别", choices=SupervisionClass.choices, required=False, widget=CHIPS
    )
    mining_method = forms.ChoiceField(
        label="筛选：开采方式",
        choices=[("", "全部"), *MiningMethod.choices],
        required=False,
    )
    mines = forms.ModelMultipleChoiceField(
        label="逐矿选择", queryset=Mine.objects.none(), required=False, widget=CHIPS
    )
    instructions = forms.CharField(label="工作要求", widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, user: Any, today: dt.date | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.today = today or local_date()
        self.fields["mines"].queryset = Mine.objects.restrict(user, VIEW).order_by("code")

    def clean_deadline(self) -> dt.date:
        deadline: dt.date = self.cleaned_data["deadline"]
        if deadline < self.today:
            raise forms.ValidationError("完成期限不能早于今天")
        return deadline

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "scope_mode" in data and not self.errors.get("mines"):
            chosen = self.scope_mines(data)
            if not chosen.exists():
                self.add_error("mines", "范围内没有煤矿")
            data["chosen"] = list(chosen)
        return data

    def scope_mines(self, data: dict[str, Any]) -> QuerySet[Mine]:
        mines = Mine.objects.restrict(self.user, VIEW).order_by("code")
        mode = data["scope_mode"]
        if mode == ScopeMode.CHOSEN:
            return mines.filter(pk__in=[m.pk for m in data.get("mines") or []])
        if mode == ScopeMode.FILTER:
            if data.get("status"):
                mines = mines.filter(status__in=data["status"])
            if data.get("supervision_class"):
                mines = mines.filter(supervision_class__in=data["supervision_class"])
            if data.get("mining_method"):
                mines = mines.filter(mining_method=data["mining_method"])
        return mines

    def scope_note(self) -> str:
        data = self.cleaned_data
        if data["scope_mode"] == ScopeMode.FILTER:
            parts = [
                "、".join(dict(MineStatus.choices)[s] for s in data.get("status") or []),
                "、".join(f"{c}类" for c in data.get("supervision_class") or []),
                dict(MiningMethod.choices).get(data.get("mining_method") or "", ""),
            ]
            return "；".join(p for p in parts if p) or "全部"
        return f"共{len(data['chosen'])}处煤矿"


class SignForm(forms.Form):
    """The mine manager signs the report (name and time recorded)."""

    signer_name = forms.CharField(label="签字矿长", max_length=50)
    summary = forms.CharField(label="自查总体情况", widget=forms.Textarea, required=False)


class ReviewForm(forms.Form):
    """A regulator accepts the report or returns it with reasons."""

    decision = forms.ChoiceField(
        label="审核结论",
        choices=[
            (ReportStatus.ACCEPTED, "审核通过"),
            (ReportStatus.RETURNED, "退回重做"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="审核意见/退回原因", widget=forms.Textarea, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == ReportStatus.RETURNED and not (data.get("reason") or "").strip():
            self.add_error("reason", "退回时须填写退回原因")
        return data


class TemplateImportForm(forms.Form):
    """Upload a checklist as Excel (see :mod:`minesafe.selfinspection.excel`)."""

    name = forms.CharField(label="检查表名称", max_length=150)
    kind = forms.ChoiceField(
        label="适用煤矿", choices=ChecklistTemplate._meta.get_field("kind").choices
    )
    version = forms.CharField(label="版本", max_length=30)
    file = forms.FileField(label="Excel文件(.xlsx)")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("name") and data.get("version"):
            taken = ChecklistTemplate.objects.filter(name=data["name"], version=data["version"])
            if taken.exists():
                self.add_error("version", "同名同版本的检查表已存在")
        return data


def parse_answers(
    post: Any, items: list[ChecklistItem]
) -> tuple[dict[int, AnswerInput], dict[str, str]]:
    """Read ``item-<id>-result|finding|place`` fields for the given items.

    Items whose result is left empty are skipped (answered later); an unknown result is an error
    keyed by the item's field name.
    """
    answers: dict[int, AnswerInput] = {}
    errors: dict[str, str] = {}
    for item in items:
        prefix = f"item-{item.pk}"
        result = (post.get(f"{prefix}-result") or "").strip()
        if not result:
            continue
        if result not in AnswerResult.values:
            errors[prefix] = "请选择有效的检查结果"
            continue
        answers[item.pk] = AnswerInput(
            result=result,
            finding=(post.get(f"{prefix}-finding") or "")[:4000],
            place=(post.get(f"{prefix}-place") or "")[:100],
        )
    return answers, errors
