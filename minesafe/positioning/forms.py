"""Forms of the positioning area: the descent register (入井人员记录) line by line or imported
from CSV / Excel with a per-row error report, and the wellhead display (井口公示) — the two
sources of the three correspondences a mine's staff enter (MON-5, 002:69)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from minesafe.core.forms import DATETIME
from minesafe.positioning.models import DescentRecord, WellheadDisplay

#: How far in the future an entered time may lie (clock skew between a phone and the server).
FUTURE_SLACK = dt.timedelta(minutes=10)
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _not_future(value: dt.datetime | None, label: str) -> None:
    if value is not None and value > timezone.now() + FUTURE_SLACK:
        raise forms.ValidationError(f"{label}不能晚于当前时间")


class DescentRecordForm(forms.ModelForm):
    """One line of the descent register: who went down when (and came up when)."""

    class Meta:
        model = DescentRecord
        fields = ["name", "card", "went_down_at", "came_up_at"]
        widgets = {"went_down_at": DATETIME, "came_up_at": DATETIME}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        down, up = data.get("went_down_at"), data.get("came_up_at")
        for name, value, label in (
            ("went_down_at", down, "入井时间"),
            ("came_up_at", up, "出井时间"),
        ):
            try:
                _not_future(value, label)
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        if down and up and up < down:
            self.add_error("came_up_at", "出井时间不能早于入井时间")
        return data


def split_names(text: str) -> list[str]:
    """Names as typed from a display: one per line or separated by commas / 、 / spaces."""
    return [n for n in re.split(r"[\s,，、;；]+", text) if n]


class WellheadDisplayForm(forms.ModelForm):
    """What the wellhead display showed: the count and, when readable, the names."""

    names_text = forms.CharField(
        label="公示人员姓名",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个，或以逗号、顿号分隔；只公示人数时可不填",
    )

    class Meta:
        model = WellheadDisplay
        fields = ["at", "count"]
        widgets = {"at": DATETIME}

    def clean_at(self) -> dt.datetime:
        at: dt.datetime = self.cleaned_data["at"]
        _not_future(at, "公示时间")
        return at

    def clean_count(self) -> int:
        count: int = self.cleaned_data["count"]
        if count > 100000:
            raise forms.ValidationError("人数不合理")
        return count

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = split_names(data.get("names_text", "") or "")
        if names and data.get("count") is not None and len(names) != data["count"]:
            self.add_error(
                "names_text", f"填写了{len(names)}个姓名，与公示人数{data['count']}不一致"
            )
        data["names"] = names
        return data

    def save(self, commit: bool = True) -> WellheadDisplay:
        self.instance.names = self.cleaned_data.get("names", [])
        obj: WellheadDisplay = super().save(commit)
        return obj


class DescentImportForm(forms.Form):
    """A descent register file: CSV (UTF-8 or GBK) or Excel with the columns 姓名, 定位卡号
    (optional), 入井时间, 出井时间 (optional)."""

    file = forms.FileField(label="入井记录文件（CSV或Excel）")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("文件不能超过5MB")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("只支持 .csv 或 .xlsx 文件")
        return upload
