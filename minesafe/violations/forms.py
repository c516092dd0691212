"""The 三违 record form (VIO-1): the mine choice is limited to the user's jurisdiction."""

from __future__ import annotations

from typing import Any

from django import forms

from minesafe.core.scoping import VIEW
from minesafe.registry.models import Mine
from minesafe.violations.models import Violation

VIOLATION_FIELDS = [
    "mine",
    "person_name",
    "person_job",
    "team",
    "place",
    "kind",
    "severity",
    "source",
    "found_at",
    "found_by",
    "description",
    "penalty",
    "fine",
    "penalty_note",
]


class ViolationForm(forms.ModelForm):
    found_at = forms.DateTimeField(
        label="发现时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    class Meta:
        model = Violation
        fields = VIOLATION_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.restrict(user, VIEW).order_by("code")
        if user.mine_id and not self.instance.pk:
            self.fields["mine"].initial = user.mine_id
