"""The schema class of the REST API (``DEFAULT_SCHEMA_CLASS``): drf-spectacular's, corrected
where it describes a response other than the one the API sends.

Kept apart from :mod:`minesafe.core.schema`, which the settings module imports before Django
is configured; this module imports drf-spectacular's machinery, which reads the settings.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import serializers


class AutoSchema(openapi.AutoSchema):
    """A read-only choice may be blank when its model field may be: DRF drops ``allow_blank``
    from read-only fields, so the enum left out the ``""`` such a field really answers (an alarm
    case's group reason, the old state of a first transition)."""

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> Any:
        if isinstance(field, serializers.ChoiceField) and field.read_only and _blank(field):
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _blank(field: serializers.Field) -> bool:
    """Whether the model field behind a serializer field accepts the empty string."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in field.source:
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:
        return False
