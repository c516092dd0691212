"""The engine's rule data: parameters, location kinds, the regulation's table, grading.

All four come from YAML rule sets in ``minesafe/engine/data`` through
:mod:`minesafe.ruledata` (editions with effective dates); :class:`EngineConfig` holds the
editions in force on one date so a whole run is judged by one consistent set of rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.engine"
GAS_GRADES = ("low", "high", "outburst")


@dataclass(frozen=True, slots=True)
class LocationKind:
    kind: str
    label: str
    any_of: tuple[str, ...]
    none_of: tuple[str, ...]


@dataclass(slots=True)
class EngineConfig:
    """Rule sets in force on ``on`` (the newest when None); ``overrides`` patch parameters."""

    rules: dict[str, Any]
    locations: list[LocationKind]
    sensor_types: dict[str, str]
    regulation: dict[str, Any]
    grading: dict[str, Any]
    editions: dict[str, str] = field(default_factory=dict)
    _kind_cache: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls, on: dt.date | None = None, overrides: dict[str, dict[str, Any]] | None = None
    ) -> EngineConfig:
        rules = edition_in_force(PACKAGE, "rules", on)
        for kind, params in (overrides or {}).items():
            rules[kind] = {**rules.get(kind, {}), **params}
        loc = edition_in_force(PACKAGE, "locations", on)
        reg = edition_in_force(PACKAGE, "regulation", on)
        grading = edition_in_force(PACKAGE, "grading", on)
        kinds = [
            LocationKind(
                k["kind"], k.get("label", k["kind"]), tuple(k["any"]), tuple(k.get("not", ()))
            )
            for k in loc["kinds"]
        ]
        editions = {
            "rules": str(rules["edition"]),
            "locations": str(loc["edition"]),
            "regulation": str(reg["edition"]),
            "grading": str(grading["edition"]),
        }
        sensor_types = {str(k): str(v) for k, v in loc.get("sensor_types", {}).items()}
        return cls(rules, kinds, sensor_types, reg, grading, editions)

    def param(self, kind: str, name: str) -> Any:
        return self.rules[kind][name]

    def location_kind(self, text: str) -> str:
        """The table-19 location kind of an installation text ("other" when none matches)."""
        kind = self._kind_cache.get(text)
        if kind is None:
            kind = self._kind_cache[text] = self._match_kind(text)
        return kind

    def _match_kind(self, text: str) -> str:
        for row in self.locations:
            if any(w in text for w in row.any_of) and not any(w in text for w in row.none_of):
                return row.kind
        return "other"
