"""Forms of the response pages: a step of the loop, a comment, an assignment, planned work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from minesafe.localtime import local_date
from minesafe.monitoring.choices import AlarmKind
from minesafe.registry.models import Mine
from minesafe.response import rules
from minesafe.response.models import PlannedWork

STEP_CHOICES = [(s.name, s.label) for s in rules.CASE_WORKFLOW.steps]
LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StepForm(forms.Form):
    """One step of the loop; which fields a step needs is the rules' business (MON-4)."""

    transition = forms.ChoiceField(label="操作", choices=STEP_CHOICES)
    measures = forms.CharField(
        label="处置措施", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evacuated = forms.IntegerField(label="撤出人数", required=False, min_value=0, max_value=100000)
    power_cut_confirmed = forms.BooleanField(label="已确认断电", required=False)
    feedback = forms.CharField(
        label="处置结果反馈",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    current_reading = forms.FloatField(label="当前读数", required=False)
    reason = forms.CharField(
        label="说明/理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    text = forms.CharField(label="评论", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="指派给", queryset=None, empty_label="请选择")  # type: ignore[arg-type]
    reason = forms.CharField(label="说明", required=False, max_length=500)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class PlannedWorkForm(forms.ModelForm):
    """Declare calibration or maintenance in advance (issue 6 §2)."""

    kinds = forms.MultipleChoiceField(
        label="报警类型范围",
        required=False,
        choices=AlarmKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选=全部类型",
    )
    starts_at = forms.DateTimeField(label="开始时间", widget=LOCAL_INPUT)
    ends_at = forms.DateTimeField(label="结束时间", widget=LOCAL_INPUT)

    class Meta:
        model = PlannedWork
        fields = ["mine", "kind", "points", "locations", "kinds", "starts_at", "ends_at", "reason"]
        widgets = {
            "points": forms.Textarea(attrs={"rows": 2}),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self, *args: Any, user: Any, now: dt.datetime | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.now = user, now or timezone.now()
        self.fields["mine"].queryset = Mine.objects.restrict(user)
        if self.instance.pk:
            self.fields["mine"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends:
            errors = rules.check_work_window(
                starts, ends, self.now, rules.policy(local_date(self.now))
            )
            if self.instance.pk and starts == self.instance.starts_at:
                errors.pop("starts_at", None)  # an edit may keep a start that has passed
            for name, text in errors.items():
                self.add_error(name, text)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=500)
