"""Forms of the register. Edits carry a reason that the audit trail keeps (REG dossier history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from minesafe.core.forms import DATE, ReasonForm, restrict_choices
from minesafe.registry import rules
from minesafe.registry.choices import (
    GasGrade,
    HydroType,
    MineSize,
    ProjectKind,
)
from minesafe.registry.models import (
    ENTERPRISE_FIELDS,
    MINE_REGISTER_FIELDS,
    DisasterAppraisal,
    Enterprise,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)


class MineForm(ReasonForm):
    class Meta:
        model = Mine
        fields = MINE_REGISTER_FIELDS

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from minesafe.registry.choices import KeyMineFlag

        self.fields["declared_key_flags"] = forms.MultipleChoiceField(
            label="重点煤矿标识",
            choices=KeyMineFlag.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        restrict_choices(self, user, "enterprise", "county", "supervisor", "inspectorate")
        self.fields["grade_override_reason"].widget = forms.Textarea(attrs={"rows": 2})
        self.fields[
            "grade_override_reason"
        ].help_text = "灾害等级随鉴定结果就高不就低；直接修改等级属人工调整，须说明理由"

    def clean(self) -> dict[str, Any]:
        """REG-2: changing a disaster grade by hand is an override and needs its own reason."""
        data = super().clean()
        changed = [name for name in rules.GRADE_FIELDS if name in self.changed_data]
        reason = (data.get("grade_override_reason") or "").strip()
        fresh = "grade_override_reason" in self.changed_data  # not a reason left from before
        if changed and self.instance.pk and not (reason and fresh):
            self.add_error("grade_override_reason", "直接修改灾害等级属人工调整，必须说明理由")
        return data


class EnterpriseForm(ReasonForm):
    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FIELDS

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, user, "parent", "division")


class ClassOverrideForm(forms.ModelForm):
    """REG-4: a regulator overrides the computed class; a reason is mandatory."""

    class Meta:
        model = Mine
        fields = ["class_override", "class_override_reason"]
        labels = {"class_override": "调整为", "class_override_reason": "调整理由"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("class_override"):
            data["class_override_reason"] = ""  # back to the computed class: nothing to explain
        return data


class StatusChangeForm(forms.ModelForm):
    """REG-7: a status change with reason; resuming needs the acceptance document (002:57)."""

    class Meta:
        model = StatusChange
        fields = ["new_status", "changed_on", "reason", "acceptance_document"]
        widgets = {"changed_on": DATE, "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, mine: Mine, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mine = mine

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        new = data.get("new_status")
        if new == self.mine.status:
            raise ValidationError({"new_status": "新状态与当前状态相同"})
        if new and not rules.resumption_allowed(
            self.mine.status, new, data.get("acceptance_document") or ""
        ):
            raise ValidationError(
                {"acceptance_document": "停产停建煤矿恢复生产建设须经复工复产验收（002:57）"}
            )
        return data


class WorkingFaceForm(ReasonForm):
    class Meta:
        model = WorkingFace
        fields = ["name", "kind", "status", "seam", "approved_headcount", "started_on"]
        widgets = {"started_on": DATE}


class LicenceForm(ReasonForm):
    class Meta:
        model = Licence
        fields = ["kind", "number", "issuer", "issued_on", "valid_until"]
        widgets = {"issued_on": DATE, "valid_until": DATE}


APPRAISAL_RESULTS = {
    "gas": GasGrade.values,
    "hydro": HydroType.values,
    "spontaneous_combustion": ["not_easy", "spontaneous", "easy"],
    "rock_burst": ["yes", "no"],
    "coal_dust": ["yes", "no"],
}


class AppraisalForm(ReasonForm):
    class Meta:
        model = DisasterAppraisal
        fields = ["kind", "result", "appraised_on", "agency", "report_number"]
        widgets = {"appraised_on": DATE}
        help_texts = {
            "result": "瓦斯: low/high/outburst；水文: simple/medium/complex/extreme；"
            "自燃: not_easy/spontaneous/easy；冲击地压、煤尘: yes/no"
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, result = data.get("kind"), data.get("result")
        if kind and result not in APPRAISAL_RESULTS[kind]:
            allowed = "、".join(APPRAISAL_RESULTS[kind])
            raise ValidationError({"result": f"鉴定结果无效，可选：{allowed}"})
        return data


class AssignmentForm(ReasonForm):
    class Meta:
        model = SupervisionAssignment
        fields = ["kind", "person", "title", "phone", "since"]
        widgets = {"since": DATE}


class ProjectApprovalForm(forms.Form):
    """REG-8 check, the same function as ``minesafe rules project-approval``."""

    kind = forms.ChoiceField(label="项目类型", choices=ProjectKind.choices)
    capacity = forms.DecimalField(label="设计产能(万吨/年)", min_value=0, max_digits=8)
    depth = forms.IntegerField(label="开采深度(米)", min_value=0)
    gas_grade = forms.ChoiceField(label="瓦斯等级", choices=GasGrade.choices)
    rock_burst = forms.BooleanField(label="冲击地压", required=False)
    hydro_type = forms.ChoiceField(label="水文地质类型", choices=HydroType.choices)
    size = forms.ChoiceField(label="矿井规模", choices=MineSize.choices)


class AccidentGradeForm(forms.Form):
    """ACC-2 grading, the same function as ``minesafe rules accident-grade``."""

    deaths = forms.IntegerField(label="死亡人数", min_value=0)
    serious_injuries = forms.IntegerField(label="重伤人数(含急性工业中毒)", min_value=0)
    direct_loss = forms.DecimalField(label="直接经济损失(万元)", min_value=0, max_digits=12)
