"""Checklist templates as data (HAZ-8): the default underground and open-pit tables shipped in
``data/checklists/*.yaml``, and building a template from rows (defaults or an Excel import)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from django.db import transaction

from minesafe.selfinspection.choices import TemplateKind
from minesafe.selfinspection.models import ChecklistItem, ChecklistSection, ChecklistTemplate

DEFAULT_FILES = {TemplateKind.UNDERGROUND: "underground", TemplateKind.OPEN_PIT: "open_pit"}
CODE_PREFIX = {TemplateKind.UNDERGROUND: "J", TemplateKind.OPEN_PIT: "L"}


@dataclass(frozen=True)
class ItemRow:
    """One checklist line as read from data or a spreadsheet."""

    section: str
    text: str
    basis: str = ""
    code: str = ""


def default_checklist(kind: str) -> dict[str, Any]:
    """The shipped checklist of a kind, as its YAML mapping."""
    name = DEFAULT_FILES[TemplateKind(kind)]
    text = (
        resources.files("minesafe.selfinspection")
        .joinpath("data", "checklists", f"{name}.yaml")
        .read_text("utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def rows_of(data: dict[str, Any]) -> list[ItemRow]:
    return [
        ItemRow(section["title"], item["text"], item.get("basis", ""), item.get("code", ""))
        for section in data["sections"]
        for item in section["items"]
    ]


def build_template(
    *, name: str, kind: str, version: str, rows: list[ItemRow], source: str = ""
) -> ChecklistTemplate:
    """Create a template with its sections (in first-seen order) and numbered items."""
    prefix = CODE_PREFIX[TemplateKind(kind)]
    with transaction.atomic():
        template = ChecklistTemplate.objects.create(
            name=name, kind=kind, version=version, source=source
        )
        sections: dict[str, ChecklistSection] = {}
        counts: dict[str, int] = {}
        items = []
        for row in rows:
            if row.section not in sections:
                sections[row.section] = ChecklistSection.objects.create(
                    template=template, order=len(sections) + 1, title=row.section
                )
            section = sections[row.section]
            counts[row.section] = counts.get(row.section, 0) + 1
            order = counts[row.section]
            code = row.code or f"{prefix}{section.order:02d}-{order:02d}"
            items.append(
                ChecklistItem(
                    section=section, order=order, code=code, text=row.text, basis=row.basis
                )
            )
        ChecklistItem.objects.bulk_create(items)
    return template


def ensure_default_templates() -> list[ChecklistTemplate]:
    """The shipped templates, created once (idempotent: existing name+version are kept)."""
    made = []
    for kind in DEFAULT_FILES:
        data = default_checklist(kind)
        existing = ChecklistTemplate.objects.filter(
            name=data["name"], version=str(data["version"])
        ).first()
        made.append(
            existing
            or build_template(
                name=data["name"],
                kind=data["kind"],
                version=str(data["version"]),
                rows=rows_of(data),
                source=data.get("source", ""),
            )
        )
    return made
