"""Filters of the register lists, shared by the pages and the API (REG-1, REG-3, REG-4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from minesafe.accounts.models import Division
from minesafe.localtime import local_date
from minesafe.registry.choices import (
    GasGrade,
    LicenceKind,
    LicenceWarning,
    MineStatus,
    Ownership,
    SupervisionClass,
)
from minesafe.registry.models import Enterprise, Licence, Mine, WorkingFace

CHIPS = forms.CheckboxSelectMultiple(attrs={"class": "chips"})
ALL = "全部"

EXPIRING = [
    (LicenceWarning.EXPIRED, "已过期"),
    (LicenceWarning.DAYS_30, "30天内到期(含过期)"),
    (LicenceWarning.DAYS_90, "90天内到期(含过期)"),
]


def expiring_within(warning: str, today: dt.date) -> Q:
    """Licences valid until ≤ today (+30 / +90 days) for the REG-3 warning levels."""
    days = {LicenceWarning.EXPIRED: 0, LicenceWarning.DAYS_30: 30, LicenceWarning.DAYS_90: 90}
    return Q(valid_until__lte=today + dt.timedelta(days=days[LicenceWarning(warning)]))


def render_controls(form: forms.Form) -> SafeString:
    """A filter form's controls (label, then a text box, a select or chips), built in Python.

    Django renders every widget, and every ``<option>`` and checkbox inside it, through its
    widget templates: that was about 30 % of the mine list's cost per request (bench/web.py,
    docs/web-performance.md). Text inputs, selects and checkbox chips are built here with the
    same names, ids, attributes and selected values; any other widget keeps Django's rendering.
    """
    parts = []
    for field in form:
        widget = field.field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            control = _chips(field, widget)
        elif isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
            control = _select(field, widget)
        elif type(widget) is forms.TextInput:
            value = field.value()
            control = format_html(
                '<input type="text" name="{}"{}{} id="{}">',
                field.html_name,
                format_html(' value="{}"', value) if value not in (None, "") else "",
                _attrs(field, widget),
                field.auto_id,
            )
        else:
            control = field.as_widget()
        parts.append(
            format_html(
                '<div><label for="{}">{}</label>{}</div>', field.id_for_label, field.label, control
            )
        )
    return mark_safe("".join(parts))


def _attrs(field: forms.BoundField, widget: forms.Widget) -> str:
    """The widget's attributes plus Django's own (``aria-invalid`` on errors, ``required``)."""
    return flatatt({**widget.attrs, **field.build_widget_attrs({}, widget)})


def _chosen(field: forms.BoundField) -> set[str]:
    value = field.value()
    if value is None:
        return set()
    values = value if isinstance(value, list | tuple) else [value]
    return {str(v) for v in values if v is not None}


def _select(field: forms.BoundField, widget: forms.Select) -> SafeString:
    chosen = _chosen(field) or {""}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) in chosen else "", label)
            for value, label in field.field.choices
        ),
    )
    return format_html(
        '<select name="{}"{} id="{}">{}</select>',
        field.html_name,
        _attrs(field, widget),
        field.auto_id,
        options,
    )


def _chips(field: forms.BoundField, widget: forms.CheckboxSelectMultiple) -> SafeString:
    chosen = _chosen(field)
    attrs = _attrs(field, widget)
    boxes = format_html_join(
        "",
        '<div><label for="{0}_{1}"><input type="checkbox" name="{2}" value="{3}"{4} id="{0}_{1}"'
        "{5}> {6}</label></div>",
        (
            (
                field.auto_id,
                index,
                field.html_name,
                value,
                attrs,
                " checked" if str(value) in chosen else "",
                label,
            )
            for index, (value, label) in enumerate(field.field.choices)
        ),
    )
    wrapper = flatatt({"class": widget.attrs.get("class")})  # Django's wrapper: id and class
    return format_html('<div id="{}"{}>{}</div>', field.auto_id, wrapper, boxes)


class ScopedFilterSet(django_filters.FilterSet):
    """Choice lists of related objects are restricted to what the user may see."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        for f in self.filters.values():
            qs = getattr(f, "queryset", None)
            if isinstance(qs, QuerySet) and hasattr(qs, "restrict"):
                f.queryset = qs.restrict(user)


class MineFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    county = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Division.objects.filter(level="county"), label="县区"
    )
    enterprise = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Enterprise.objects.all(), method="in_enterprise", label="企业"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=MineStatus.choices, label="状态", widget=CHIPS
    )
    supervision_class = django_filters.MultipleChoiceFilter(
        choices=SupervisionClass.choices, label="类别", widget=CHIPS
    )
    gas_grade = django_filters.MultipleChoiceFilter(
        choices=GasGrade.choices, label="瓦斯等级", widget=CHIPS
    )
    ownership = django_filters.ChoiceFilter(
        empty_label=ALL,
        field_name="enterprise__ownership",
        choices=Ownership.choices,
        label="经济类型",
    )
    licence = django_filters.ChoiceFilter(
        empty_label=ALL, choices=EXPIRING, method="licence_expiring", label="证照预警"
    )

    class Meta:
        model = Mine
        fields = ["q", "county", "enterprise", "status", "supervision_class", "gas_grade"]

    def search(self, queryset: QuerySet[Mine], name: str, value: str) -> QuerySet[Mine]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def in_enterprise(
        self, queryset: QuerySet[Mine], name: str, value: Enterprise
    ) -> QuerySet[Mine]:
        """An enterprise filter includes the mines of its sub-enterprises."""
        return queryset.filter(enterprise__path__startswith=value.path)

    def licence_expiring(self, queryset: QuerySet[Mine], name: str, value: str) -> QuerySet[Mine]:
        soon = Licence.objects.filter(expiring_within(value, local_date()))
        return queryset.filter(pk__in=soon.values("mine"))


class EnterpriseFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="搜索")
    ownership = django_filters.ChoiceFilter(
        empty_label=ALL, choices=Ownership.choices, label="经济类型"
    )

    class Meta:
        model = Enterprise
        fields = ["q", "ownership", "parent"]


class LicenceFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )
    kind = django_filters.ChoiceFilter(
        empty_label=ALL, choices=LicenceKind.choices, label="证照类型"
    )
    warning = django_filters.ChoiceFilter(
        empty_label=ALL, choices=EXPIRING, method="expiring", label="证照预警"
    )

    class Meta:
        model = Licence
        fields = ["mine", "kind"]

    def expiring(self, queryset: QuerySet[Licence], name: str, value: str) -> QuerySet[Licence]:
        return queryset.filter(expiring_within(value, local_date()))


class WorkingFaceFilterSet(ScopedFilterSet):
    mine = django_filters.ModelChoiceFilter(
        empty_label=ALL, queryset=Mine.objects.all(), label="煤矿"
    )

    class Meta:
        model = WorkingFace
        fields = ["mine", "kind", "status"]
