"""Template helpers: coloured badges and readable audit changes."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def badge(text: Any, color: str | None = None) -> str:
    return format_html('<span class="badge {}">{}</span>', color or "grey", text)


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


def _display(field: Any, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if not isinstance(value, dict | list) and value in choices:  # JSON values are never choices
        return choices[value]
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


@register.simple_tag
def audit_changes(entry: Any) -> list[tuple[str, Any, Any]]:
    """(label, old, new) for each changed field, with verbose names and choice labels."""
    model = entry.content_type.model_class()
    rows = []
    for attname, (old, new) in (entry.changes or {}).items():
        try:
            field = model._meta.get_field(attname.removesuffix("_id")) if model else None
        except FieldDoesNotExist:
            field = None
        label = str(getattr(field, "verbose_name", attname))
        rows.append((label, _display(field, old), _display(field, new)))
    return rows
