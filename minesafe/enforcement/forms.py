"""Forms of the enforcement pages. Model rules live in models/services; these only collect input
and offer choices restricted to the user's jurisdiction."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from minesafe.accounts.choices import GOVERNMENT_ROLES
from minesafe.accounts.models import User
from minesafe.core.forms import DATE, DATETIME
from minesafe.enforcement.choices import (
    Consequence,
    DocumentKind,
    InspectionKind,
    ReferralTarget,
)
from minesafe.enforcement.models import (
    Expert,
    Finding,
    Inspection,
    OfficerCertificate,
    PlanEntry,
    Referral,
)
from minesafe.localtime import local_date
from minesafe.registry.models import Enterprise, Mine
from minesafe.violations.choices import Severity, ViolationKind

QUIZ_TOPICS = [("escape_route", "避灾逃生路线"), ("self_rescuer", "自救器使用")]


def officers(user: Any) -> Any:
    """Government users of the acting user's body and the bodies below it."""
    if user.organization_id is None:
        return User.objects.none()
    return User.objects.filter(
        role__in=GOVERNMENT_ROLES,
        organization__path__startswith=user.organization.path,
        is_active=True,
    ).order_by("username")


class InspectionForm(forms.ModelForm):
    """ENF-3: the team, times and route of an inspection record."""

    class Meta:
        model = Inspection
        fields = [
            "mine",
            "kind",
            "planned_on",
            "leader",
            "members",
            "experts",
            "route",
            "remote_examined",
            "summary",
        ]
        widgets = {
            "planned_on": DATE,
            "route": forms.Textarea(attrs={"rows": 2}),
            "remote_examined": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.restrict(user).order_by("code")
        self.fields["leader"].queryset = officers(user)
        self.fields["members"].queryset = officers(user)
        self.fields["members"].required = False
        self.fields["experts"].queryset = Expert.objects.restrict(user).filter(active=True)
        self.fields["experts"].required = False
        if self.instance.pk:
            self.fields["mine"].disabled = True
            self.fields["kind"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("kind") == InspectionKind.REMOTE
            and not data.get("remote_examined", "").strip()
        ):
            self.add_error("remote_examined", "远程检查须记录调阅的监控和视频数据")
        mine = data.get("mine") or (self.instance.mine if self.instance.mine_id else None)
        if mine is not None and data.get("experts"):
            from minesafe.enforcement import services

            try:
                services.check_experts(mine, list(data["experts"]), local_date())
            except forms.ValidationError as exc:
                for message in exc.message_dict["experts"]:
                    self.add_error("experts", message)
        return data


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = [
            "kind",
            "situation",
            "description",
            "place",
            "major",
            "basic_condition",
            "self_reported",
            "first_offence",
            "tip_off_verified",
            "repeated",
            "rectify_by",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "rectify_by": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from minesafe.hazards.catalogue import items_in_force

        self.fields["situation"].queryset = items_in_force(local_date())


class QuizForm(forms.Form):
    """PER-8 逢查必考."""

    worker_name = forms.CharField(label="姓名", max_length=50)
    worker_number = forms.CharField(label="工号/身份证号", max_length=30)
    post = forms.CharField(label="岗位", max_length=50, required=False)
    asked = forms.IntegerField(label="题数", min_value=1, max_value=100)
    correct = forms.IntegerField(label="答对", min_value=0, max_value=100)
    failed_topics = forms.MultipleChoiceField(
        label="未掌握内容", choices=QUIZ_TOPICS, required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("correct") or 0) > (data.get("asked") or 0):
            self.add_error("correct", "答对题数不能多于题数")
        return data


class SignForm(forms.Form):
    """HAZ-9: the responsible inspector signs; the end of the check cannot be in the future."""

    finished_at = forms.DateTimeField(label="检查结束时间", widget=DATETIME)
    confirm = forms.BooleanField(label="本人对检查记录的真实性负责（谁检查、谁签名、谁负责）")

    def clean_finished_at(self) -> Any:
        value = self.cleaned_data["finished_at"]
        if value > timezone.now():
            raise forms.ValidationError("检查时间不能晚于当前时间")
        return value


class DecideForm(forms.Form):
    """ENF-5/ENF-6: the final decision; only the rules' proposal is ticked, a deviation from it
    needs a written reason, and a fact the platform lacks (the manager's identity number when
    points are due) is asked for here with why it is needed. Posted once to see the summary,
    then again with ``confirmed`` to decide."""

    consequences = forms.MultipleChoiceField(
        label="处理措施",
        choices=Consequence.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项处理措施"},
    )
    deviation_reason = forms.CharField(
        label="偏离建议的理由", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fine = forms.DecimalField(label="罚款(元)", required=False, min_value=0, max_digits=12)
    legal_basis = forms.CharField(
        label="法律依据",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="已按处理措施和问题类型列出法律法规条款，可补充",
    )
    manager_name = forms.CharField(label="矿长姓名", max_length=50, required=False)
    manager_id_number = forms.RegexField(
        label="矿长身份证号",
        regex=r"^[0-9]{17}[0-9X]$",
        required=False,
        error_messages={"invalid": "身份证号须为18位（最后一位可为X）"},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, points: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.points = points
        if points:
            why = f"本次检查发现的问题须对矿长记{points}分，平台尚无该矿矿长的身份证号，请填写"
            for name in ("manager_name", "manager_id_number"):
                self.fields[name].required = True
            known = bool(self.initial.get("manager_id_number"))
            self.fields["manager_id_number"].help_text = (
                f"本次检查发现的问题须对矿长记{points}分；已填入平台记录的该矿矿长，请核对"
                if known
                else why
            )
            self.fields["manager_id_number"].error_messages["required"] = (
                f"{why}（记分跟人走，以身份证号识别矿长）"
            )
            self.fields["manager_name"].error_messages["required"] = "矿长记分须填写矿长姓名"


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审核结论",
        choices=[("1", "通过"), ("0", "退回修改")],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="文书类型", choices=DocumentKind.choices)
    confirmed = forms.BooleanField(required=False)


class StepForm(forms.Form):
    """A step of the inspection flow: an optional note on why (ENF-3)."""

    reason = forms.CharField(label="说明", max_length=300, required=False)


class ChecklistForm(forms.Form):
    """Load the items of a self-inspection checklist template into the record (ENF-3)."""

    template = forms.TypedChoiceField(label="检查表", coerce=int, choices=[])

    def __init__(self, *args: Any, templates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.pk, str(t)) for t in templates]


class ViolationForm(forms.Form):
    """An on-site 三违, recorded through the violations area."""

    person_name = forms.CharField(label="姓名", max_length=50)
    person_job = forms.CharField(label="岗位", max_length=50, required=False)
    kind = forms.ChoiceField(label="类型", choices=ViolationKind.choices)
    severity = forms.ChoiceField(label="性质", choices=Severity.choices)
    place = forms.CharField(label="地点", max_length=100, required=False)
    description = forms.CharField(label="违章情况", widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class PlanEntryForm(forms.ModelForm):
    months = forms.TypedMultipleChoiceField(
        label="计划月份",
        coerce=int,
        choices=[(m, f"{m}月") for m in range(1, 13)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = PlanEntry
        fields = ["inspector", "checks", "months", "surprise", "edited_reason"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = officers(user)
        self.fields["edited_reason"].required = True


class DrawForm(forms.Form):
    kind = forms.ChoiceField(
        label="检查方式",
        choices=[
            (k, InspectionKind(k).label) for k in ("unannounced", "night", "return", "closed_mine")
        ],
    )
    check_on = forms.DateField(label="检查日期", widget=DATE)
    count = forms.IntegerField(label="抽取数量", min_value=1, max_value=50)


class ExpertForm(forms.ModelForm):
    class Meta:
        model = Expert
        fields = [
            "name",
            "specialty",
            "title",
            "employer",
            "employer_enterprise",
            "employer_mine",
            "employed_until",
            "phone",
            "active",
        ]
        widgets = {"employed_until": DATE}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        """ENF-8: the employer behind the conflict-of-interest check, from what the user sees."""
        super().__init__(*args, **kwargs)
        self.fields["employer_enterprise"].queryset = Enterprise.objects.restrict(user)
        self.fields["employer_mine"].queryset = Mine.objects.restrict(user).order_by("code")


class CertificateForm(forms.Form):
    """ENF-4: an officer's enforcement certificate; only officers of the user's body and the
    bodies below it. Registering an officer who has one corrects it."""

    user = forms.ModelChoiceField(label="执法人员", queryset=User.objects.none())
    number = forms.RegexField(
        label="执法证号",
        regex=r"^[0-9A-Za-z\-]{6,30}$",
        error_messages={"invalid": "执法证号须为6至30位数字或字母"},
    )
    issued_by = forms.CharField(label="发证机关", max_length=100, required=False)
    valid_until = forms.DateField(label="有效期至", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = officers(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        person, number = data.get("user"), data.get("number")
        if person and number:
            taken = OfficerCertificate.objects.filter(number=number).exclude(user=person)
            if taken.exists():
                self.add_error("number", "该执法证号已登记给其他执法人员")
        return data


class ReferralForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["mine", "target", "matter", "sent_on"]
        widgets = {"sent_on": DATE, "matter": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.restrict(user).order_by("code")
        self.fields["target"].choices = ReferralTarget.choices


class ReferralAnswerForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["answered_on", "answer"]
        widgets = {"answered_on": DATE, "answer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answered_on"].required = True
        self.fields["answer"].required = True


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
