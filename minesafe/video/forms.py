"""Forms of the video pages: a channel of the register, the register import, finding review."""

from __future__ import annotations

from typing import Any

from django import forms

from minesafe.registry.models import Mine, WorkingFace
from minesafe.video.excel import MAX_BYTES
from minesafe.video.models import IMPORT, VideoChannel
from minesafe.violations.choices import Severity


class ChannelForm(forms.ModelForm):
    """One channel of a mine's video register (MON-7); the model checks face and kind agree.

    ``mine`` is offered only when creating, limited to the mines the user may add channels to;
    the face list holds only faces of those mines.
    """

    reason = forms.CharField(label="变更原因", max_length=500, required=False)

    class Meta:
        model = VideoChannel
        fields = [
            "mine",
            "code",
            "name",
            "place_kind",
            "working_face",
            "equipment",
            "status",
            "retention_days",
        ]
        help_texts = {
            "working_face": "采煤/掘进工作面的通道必选，其他类型不选",
            "equipment": "同类设备有多台时写明（如 1号主要通风机、2号主要通风机）",
            "status": "通常由视频系统心跳自动更新；检修时可手工设为离线或故障",
            "retention_days": "《煤矿安全规程》第五百二十六条：视频保存1个月以上",
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["mine"]
            mines = Mine.objects.filter(pk=self.instance.mine_id)
        else:
            mines = Mine.objects.restrict(user).order_by("code")
            self.fields["mine"].queryset = mines
        self.fields["working_face"].queryset = WorkingFace.objects.filter(
            mine__in=mines
        ).select_related("mine")

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not code:
            raise forms.ValidationError("必填")
        return code


class ChannelImportForm(forms.Form):
    """The mine whose register is imported and the file (.xlsx or .csv)."""

    mine = forms.ModelChoiceField(label="煤矿", queryset=Mine.objects.none(), empty_label=None)
    file = forms.FileField(label="通道登记表（.xlsx 或 .csv）")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = _import_mines(user)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("文件超过5MB")
        return upload


def _import_mines(user: Any) -> Any:
    """Mines whose register the user may import: mine staff their own (admins every mine)."""
    from minesafe.core.scoping import can

    if not can(user, VideoChannel, IMPORT):
        return Mine.objects.none()
    return Mine.objects.restrict(user).order_by("code")


class ConfirmForm(forms.Form):
    """Confirm a finding; a person's act needs the person (the 三违 record's 违章人员)."""

    person_name = forms.CharField(label="违章人员", max_length=50, required=False)
    team = forms.CharField(label="区队/班组", max_length=80, required=False)
    severity = forms.ChoiceField(label="性质", choices=Severity.choices, initial=Severity.GENERAL)
    note = forms.CharField(
        label="审核意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label="驳回原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
