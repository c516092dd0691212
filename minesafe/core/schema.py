"""Names of the OpenAPI enum components, one per choice class of the project.

drf-spectacular names an enum after the field that uses it, so the many ``kind`` / ``level`` /
``status`` fields of different areas collided into hashed names (``Kind87aEnum``). Naming each
component after its choice class gives API clients stable, meaningful types.
"""

from __future__ import annotations

import importlib
import inspect
from collections import Counter

from django.db import models


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
