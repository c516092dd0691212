"""Forms of the evacuation pages: a weather warning, an order, a mine's confirmation, a spot
check and lifting an order (MON-8, EMG-2)."""

from __future__ import annotations

from typing import Any

from django import forms

from minesafe.accounts.models import Division
from minesafe.emergency import rules
from minesafe.emergency.choices import (
    OrderReason,
    OrderScope,
    SpotMethod,
    WarningKind,
    WarningLevel,
)
from minesafe.registry.models import Mine

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WarningForm(forms.Form):
    issuer = forms.CharField(label="发布单位", max_length=100, help_text="如：青川县气象台")
    kind = forms.ChoiceField(label="预警种类", choices=WarningKind.choices)
    level = forms.ChoiceField(label="预警等级", choices=WarningLevel.choices)
    divisions = forms.ModelMultipleChoiceField(
        label="影响区域", queryset=Division.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateTimeField(label="生效时间", widget=LOCAL_INPUT)
    valid_to = forms.DateTimeField(label="解除时间", widget=LOCAL_INPUT)
    text = forms.CharField(
        label="预警内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = getattr(user, "organization", None)
        if org is not None:
            self.fields["divisions"].queryset = Division.objects.filter(
                path__startswith=org.division.path
            ).order_by("path")
        elif getattr(user, "is_superuser", False):
            self.fields["divisions"].queryset = Division.objects.order_by("path")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end <= start:
            self.add_error("valid_to", "解除时间须晚于生效时间")
        return data


class OrderForm(forms.Form):
    """Issue an order; the mines are those the user may order (the rules check again)."""

    reason = forms.ChoiceField(label="事由", choices=OrderReason.choices)
    mines = forms.ModelMultipleChoiceField(
        label="接收煤矿", queryset=Mine.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateTimeField(label="撤离期限", widget=LOCAL_INPUT)
    scope = forms.ChoiceField(label="撤人范围", choices=OrderScope.choices)
    areas = forms.CharField(
        label="撤人区域",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="指定区域撤人时填写，一行一个区域（名称或编码）",
    )
    text = forms.CharField(
        label="指令内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, mines: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mines"].queryset = mines

    def area_list(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data.get("areas", "").splitlines() if a.strip()]


class ConfirmForm(forms.Form):
    """The mine's confirmation (MON-8): people out, people remaining, who stays and why."""

    people_out = forms.IntegerField(label="撤出人数", min_value=0, max_value=100000)
    people_remaining = forms.IntegerField(label="井下剩余人数", min_value=0, max_value=100000)
    exemptions = forms.CharField(
        label="经同意留守人员",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="一行一人：卡号,姓名,留守理由（如：救护队值守、主排水泵房）",
    )
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        exemptions = rules.parse_exemptions(data.get("exemptions", ""))
        errors = rules.confirmation_errors(
            data.get("people_out"), data.get("people_remaining"), exemptions
        )
        for name, text in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, text)
        data["exemption_list"] = exemptions
        return data


class SpotCheckForm(forms.Form):
    method = forms.ChoiceField(label="抽查方式", choices=SpotMethod.choices)
    compliant = forms.TypedChoiceField(
        label="抽查结论",
        choices=[("yes", "撤人落实到位"), ("no", "未落实（井下仍有人员）")],
        coerce=lambda v: v == "yes",
    )
    checked_at = forms.DateTimeField(label="抽查时间", required=False, widget=LOCAL_INPUT)
    findings = forms.CharField(
        label="抽查情况", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    people = forms.CharField(
        label="发现的井下人员",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="一行一人：卡号,姓名,区域",
    )

    def people_list(self) -> list[rules.Person]:
        out = []
        for e in rules.parse_exemptions(self.cleaned_data.get("people", "")):
            out.append(rules.Person(card=e.card, name=e.name, area_name=e.reason))
        return out


class LiftForm(forms.Form):
    reason = forms.CharField(label="解除说明", max_length=1000)


class ReceiveForm(forms.Form):
    """签收 needs no input; the form keeps the action views uniform."""
