"""Forms of the hazard loop (HAZ-1, HAZ-2): recording, the five fixes, transitions, listing,
photos and suggestion decisions. Every bad value is a field error, never a 500."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from minesafe.accounts.choices import OrganizationKind
from minesafe.core.forms import DATE, DATETIME
from minesafe.core.roles import party_of
from minesafe.core.scoping import VIEW
from minesafe.hazards import rules
from minesafe.hazards.catalogue import items_in_force
from minesafe.hazards.choices import HazardGrade, HazardSource
from minesafe.hazards.models import FIVE_FIXES, Hazard, HazardPhoto
from minesafe.localtime import local_date
from minesafe.registry.models import Mine

TEXT = forms.Textarea(attrs={"rows": 3})


def sources_for(user: Any) -> list[str]:
    """The sources ``user`` may record, by the party their role acts for (core.roles)."""
    org = getattr(user, "organization", None)
    inspectorate = org is not None and org.kind == OrganizationKind.INSPECTORATE
    return rules.allowed_sources(party_of(getattr(user, "role", "")), inspectorate)


def validate_photo(upload: Any) -> None:
    head = upload.read(16)
    upload.seek(0)
    error = rules.photo_error(head, upload.size)
    if error:
        raise ValidationError(error)


class FixesForm(forms.ModelForm):
    """The five fixes (五落实, HAZ-1): unit, person, measure, funds ≥ 0, deadline ≥ finding date."""

    class Meta:
        model = Hazard
        fields = FIVE_FIXES
        widgets = {"deadline": DATE, "measure": TEXT}


class HazardForm(forms.ModelForm):
    """Record a hazard at a mine in the user's jurisdiction (HAZ-1), optionally with its fixes."""

    situation_code = forms.ChoiceField(label="重大隐患情形", required=False)
    photo = forms.FileField(
        label="现场照片", required=False, validators=[validate_photo], help_text="JPEG/PNG，≤5MB"
    )

    class Meta:
        model = Hazard
        fields = [
            "mine",
            "source",
            "found_at",
            "place",
            "profession",
            "description",
            "finder",
            "signer",
            "grade",
            *FIVE_FIXES,
        ]
        widgets = {"found_at": DATETIME, "deadline": DATE, "description": TEXT, "measure": TEXT}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["mine"].queryset = Mine.objects.restrict(user, VIEW)
        allowed = sources_for(user)
        self.fields["source"].choices = [c for c in HazardSource.choices if c[0] in allowed]
        # A new instance's empty values sit in ``self.initial`` and would hide field initials.
        self.initial["found_at"] = timezone.localtime().replace(second=0, microsecond=0)
        items = items_in_force(local_date())
        self.fields["situation_code"].choices = [("", "—（不选，系统给出建议）")] + [
            (i.code, f"第{i.code} {i.text[:36]}") for i in items
        ]
        self.initial["finder"] = str(user) if user else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.get("situation_code")
        if code:
            data["grade"] = HazardGrade.MAJOR
        return data


class StepForm(forms.Form):
    """A step of the loop: a reason (the table says when one is required, e.g. sending back)."""

    reason = forms.CharField(label="说明/理由", required=False, widget=TEXT, max_length=1000)


class RectifyForm(StepForm):
    """Rectified: what was done, the evidence the verifier checks (HAZ-2)."""

    evidence = forms.CharField(label="整改情况", required=False, widget=TEXT, max_length=2000)


class SuperviseForm(forms.Form):
    listed_deadline = forms.DateField(label="督办期限", widget=DATE)
    reason = forms.CharField(label="督办要求", required=False, widget=TEXT, max_length=1000)


class PhotoForm(forms.ModelForm):
    class Meta:
        model = HazardPhoto
        fields = ["image", "caption", "stage"]
        help_texts = {"image": "JPEG/PNG，≤5MB"}

    def clean_image(self) -> Any:
        image = self.cleaned_data["image"]
        validate_photo(image)
        return image


class DecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        label="判定",
        choices=[("1", "确认为该情形（重大事故隐患）"), ("0", "否定")],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label="说明", required=False, widget=TEXT, max_length=1000)
