"""The 三违 record and leader-check forms (VIO-1): the mine choice is limited to the user's
jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from minesafe.core.scoping import VIEW
from minesafe.registry.models import Mine
from minesafe.violations.models import LeaderCheck, Violation, check_linked_violations

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
            self.initial["mine"] = user.mine_id  # the instance's empty mine would win otherwise


#: A check links 三违 records found in the last this many days (what a leader just saw).
LINKABLE_DAYS = 92

LEADER_CHECK_FIELDS = [
    "mine",
    "post",
    "person_name",
    "went_down_at",
    "places",
    "violations_found",
    "violations",
    "notes",
]


class LeaderCheckForm(forms.ModelForm):
    """A leader's underground check (VIO-1, 000:30); mines and linked 三违 records are the
    user's own, and the linked records must be the chosen mine's."""

    went_down_at = forms.DateTimeField(
        label="下井时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    class Meta:
        model = LeaderCheck
        fields = LEADER_CHECK_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.restrict(user, VIEW).order_by("code")
        since = timezone.now() - dt.timedelta(days=LINKABLE_DAYS)
        self.fields["violations"].queryset = (
            Violation.objects.restrict(user, VIEW)
            .filter(found_at__gte=since)
            .select_related("mine")
            .order_by("-found_at")
        )
        if user.mine_id and not self.instance.pk:
            self.initial["mine"] = user.mine_id  # the instance's empty mine would win otherwise

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            check_linked_violations(
                data.get("mine"), data.get("violations_found"), list(data.get("violations") or [])
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
        return data
