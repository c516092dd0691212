"""Form kit shared by every area: edits that carry the reason the audit trail keeps, and
related-object choices cut to what the user may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

#: Browser date and time pickers take ISO values only; the zh-Hans input format (2026/01/02)
#: would leave an edit form's date empty, so the widgets render ISO themselves.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReasonForm(forms.ModelForm):
    """A model form with the change reason that ends up on the audit row.

    It also validates every model constraint, including those on fields the form does not show
    (a working face's unique name within its mine), so a clash is a field error, not a 500.
    """

    reason = forms.CharField(
        label="变更原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def validate_unique(self) -> None:
        super().validate_unique()
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)


def restrict_choices(form: forms.ModelForm, user: Any, *names: str) -> None:
    """Offer only related objects the user may see (the same scope as every query)."""
    for name in names:
        field = form.fields[name]
        field.queryset = field.queryset.restrict(user)  # type: ignore[attr-defined]
