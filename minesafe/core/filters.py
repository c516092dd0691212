"""Filter kit shared by every area's lists: the scoped filter set, the "all" label and chip
widget, and a fast renderer of a filter form's controls (pages and API filter the same way)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

CHIPS = forms.CheckboxSelectMultiple(attrs={"class": "chips"})
ALL = "全部"


class ScopedFilterSet(django_filters.FilterSet):
    """Choice lists of related objects are restricted to what the user may see."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        for f in self.filters.values():
            qs = getattr(f, "queryset", None)
            if isinstance(qs, QuerySet) and hasattr(qs, "restrict"):
                f.queryset = qs.restrict(user)


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
