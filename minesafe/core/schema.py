"""Names of the OpenAPI enum components, one per choice class of the project, and the
change-reason header every writing operation accepts.

drf-spectacular names an enum after the field that uses it, so the many ``kind`` / ``level`` /
``status`` fields of different areas collided into hashed names (``Kind87aEnum``). Naming each
component after its choice class gives API clients stable, meaningful types.
"""

from __future__ import annotations

import importlib
import inspect
from collections import Counter
from typing import Any

from django.db import models

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def enum_name_overrides(apps: list[str]) -> dict[str, str]:
    """``{component name: dotted path of the choice class}`` for every ``<app>.choices`` module
    among ``apps``; a class name used by two areas is prefixed with its area."""
    found: list[tuple[str, str, str]] = []  # (area, class name, dotted path)
    for app in apps:
        try:
            module = importlib.import_module(f"{app}.choices")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.choices":
                raise
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, models.Choices) and cls.__module__ == module.__name__:
                found.append((app.rsplit(".", 1)[-1], name, f"{module.__name__}.{name}"))
    counts = Counter(name for _, name, _ in found)
    return {
        (f"{area.title()}{name}Enum" if counts[name] > 1 else f"{name}Enum"): path
        for area, name, path in found
    }


def change_reason_header(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Document the change-reason header on every operation that changes data (a
    drf-spectacular postprocessing hook; the middleware reads the header)."""
    from minesafe.core.middleware import REASON_HEADER, REASON_MAX

    parameter = {
        "in": "header",
        "name": REASON_HEADER,
        "required": False,
        "schema": {"type": "string", "maxLength": REASON_MAX},
        "description": "变更原因，记入变更记录（UTF-8 百分号编码，例如 %E6%A0%B8%E5%AE%9E）",
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in WRITE_METHODS:
                operation.setdefault("parameters", []).append(parameter)
    return result
