"""Template helpers: coloured badges, readable audit changes and amounts of money."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def badge(text: Any, color: str | None = None) -> str:
    return format_html('<span class="badge {}">{}</span>', color or "grey", text)


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


#: Labels of fields whose model gives no Chinese verbose name (keys, generic relations).
FALLBACK_LABELS = {
    "id": "编号",
    "path": "层级路径",
    "origin_type": "来源对象类型",
    "origin_id": "来源对象",
    "about_type": "关联对象类型",
    "about_id": "关联对象",
    "author": "填写人",
    "decided_by": "决定人",
    "issued_by": "签发人",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _label(field: Any, attname: str) -> str:
    """The field's Chinese name: its verbose name, else a known label, else its name as is."""
    label = str(getattr(field, "verbose_name", "") or "")
    if CJK.search(label):
        return label
    name = getattr(field, "name", None) or attname.removesuffix("_id")
    return FALLBACK_LABELS.get(name) or FALLBACK_LABELS.get(attname) or label or attname


def _plain(value: Any, labels: dict[Any, str]) -> str:
    """A JSON value as text a reader understands: items joined, never a Python repr."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return (
            "；".join(f"{labels.get(k, k)}：{_plain(v, labels)}" for k, v in value.items()) or "—"
        )
    if isinstance(value, list | tuple):
        return "、".join(_plain(v, labels) for v in value) or "—"
    if isinstance(value, str | int) and value in labels:
        return labels[value]
    return str(value)


def _moment(value: str) -> str:
    """A stored ISO time in local time (Asia/Shanghai), to the minute."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _related(field: Any, value: Any, cache: dict[Any, str]) -> str:
    """A foreign key's object by name (its ``str``), not its row id; looked up once per call."""
    key = (field.related_model, value)
    if key not in cache:
        obj = field.related_model._base_manager.filter(pk=value).first()
        cache[key] = str(obj) if obj is not None else f"（已删除，编号 {value}）"
    return cache[key]


def _field(model: Any, attname: str) -> Any:
    try:
        return model._meta.get_field(attname.removesuffix("_id")) if model else None
    except FieldDoesNotExist:
        return None


def name_related(entries: Iterable[Any], cache: dict[Any, str]) -> None:
    """Fill ``cache`` with the names of the objects the entries' changes point to, one query
    per kind of object (a history of any length costs as many queries as kinds it names)."""
    wanted: dict[Any, set[Any]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for attname, values in (entry.changes or {}).items():
            field = _field(model, attname)
            if isinstance(field, models.ForeignKey):
                wanted[field.related_model].update(v for v in values if v not in (None, ""))
    for related, keys in wanted.items():
        found = related._base_manager.in_bulk(keys - {k for (m, k) in cache if m is related})
        for key, obj in found.items():
            cache[(related, key)] = str(obj)


def _display(field: Any, value: Any, model: Any = None, cache: dict[Any, str] | None = None) -> Any:
    if value is None or value == "":
        return "—"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if not isinstance(value, dict | list) and value in choices:  # JSON values are never choices
        return choices[value]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        item_choices = getattr(model, "audit_item_labels", {}).get(getattr(field, "name", ""))
        return _plain(value, dict(item_choices.choices) if item_choices else {})
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return _moment(value)
    if isinstance(field, models.ForeignKey) and cache is not None:
        return _related(field, value, cache)
    if isinstance(field, models.DecimalField):
        return grouped(Decimal(str(value)), field.decimal_places)
    return value


@register.simple_tag
def audit_changes(entry: Any, cache: dict[Any, str] | None = None) -> list[tuple[str, Any, Any]]:
    """(label, old, new) for each changed field: Chinese field names, choice labels, local
    times, objects by name, JSON as text (``cache`` keeps objects looked up across entries)."""
    model = entry.content_type.model_class()
    cache = {} if cache is None else cache
    rows = []
    for attname, (old, new) in (entry.changes or {}).items():
        field = _field(model, attname)
        rows.append(
            (
                _label(field, attname),
                _display(field, old, model, cache),
                _display(field, new, model, cache),
            )
        )
    return rows


def grouped(amount: Decimal, places: int) -> str:
    """``amount`` with ``places`` decimals and a comma every three digits (the zh-Hans locale
    of Django groups nothing)."""
    return str(intcomma(f"{amount:.{places}f}", use_l10n=False))


@register.filter
def money(value: Any) -> str:
    """An amount of yuan with thousands separators and two decimals (12,500.00); — when none."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return grouped(amount, 2)
