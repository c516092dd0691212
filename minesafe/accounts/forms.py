"""Account administration forms: each offers only the roles and bodies the administrator may
give (services.grantable_roles, organizations_for …) and carries the reason the audit keeps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from minesafe.accounts import services
from minesafe.accounts.models import Division, Organization, User
from minesafe.core.forms import ReasonForm

ANCHOR_HELP = "按角色填写其一：监管监察人员填机构，企业人员填企业，煤矿人员填煤矿"
REASON = forms.CharField(label="变更原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AccountForm(ReasonForm):
    """Create or edit an account: name, role and the body the role acts for."""

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "title",
            "phone",
            "role",
            "organization",
            "enterprise",
            "mine",
        ]
        labels = {"first_name": "姓名"}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        grantable = set(services.grantable_roles(actor))
        self.fields["role"].choices = [
            (value, label) for value, label in self.fields["role"].choices if value in grantable
        ]
        self.fields["organization"].queryset = services.organizations_for(actor)
        self.fields["enterprise"].queryset = services.enterprises_for(actor).order_by("name")
        self.fields["mine"].queryset = services.mines_for(actor).order_by("name")
        self.fields["first_name"].required = True
        self.fields["role"].help_text = ANCHOR_HELP

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role = data.get("role")
        anchor = services.ANCHOR_OF_ROLE.get(role) if role else None
        if anchor and not data.get(anchor) and anchor not in self.errors:
            self.add_error(anchor, "该角色必须指定所属单位")
        organization = data.get("organization")
        if anchor == "organization" and organization is not None:
            inspectorate = organization.kind == "inspectorate"
            if (role == "inspector") != inspectorate:
                self.add_error(
                    "organization",
                    "监察员属国家矿山安全监察机构，监管部门人员属地方监管部门",
                )
            elif role == "county_regulator" and organization.division.level != "county":
                self.add_error("organization", "县级监管部门人员须属县级机构")
            elif role == "city_regulator" and organization.division.level == "county":
                self.add_error("organization", "市/省级监管部门人员须属市级或省级机构")
        return data


class ActivationForm(forms.Form):
    reason = REASON


class PasswordResetForm(forms.Form):
    """Generate a one-time password (shown once) or set one that passes the validators."""

    GENERATE, SET = "generate", "set"
    mode = forms.ChoiceField(
        label="方式",
        choices=[(GENERATE, "生成一次性密码（仅显示一次）"), (SET, "由管理员设置")],
        initial=GENERATE,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="选择“由管理员设置”时填写；该用户下次登录须改为本人设定的密码",
    )
    reason = REASON

    def __init__(self, *args: Any, account: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == self.SET:
            password = data.get("password") or ""
            if not password:
                self.add_error("password", "请填写新密码")
            else:
                try:
                    password_validation.validate_password(password, self.account)
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        return data


class OrganizationForm(ReasonForm):
    """Register or edit a body: a city regulator within its own division, under its own body."""

    class Meta:
        model = Organization
        fields = ["name", "kind", "division", "parent"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = services.organizations_for(user)
        divisions = Division.objects.restrict(user)
        if not services.is_platform_admin(user):
            divisions = divisions.filter(path__startswith=user.organization.division.path)
            kinds = [(v, label) for v, label in self.fields["kind"].choices if v != "inspectorate"]
            self.fields["kind"].choices = kinds
            self.fields["parent"].required = True
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)  # no cycle
        self.fields["parent"].queryset = parents
        self.fields["division"].queryset = divisions
