"""Rule sets as data: versioned editions, each with the date it takes effect.

Regulations change; a rule set file holds every edition, and an event is judged by the edition in
force on its date (shared/domain/regulations/README.md). Pure: no Django import.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any

import yaml

from minesafe.citations import cite_all


class RuleDataError(ValueError):
    """A rule-set file is missing, malformed, or has no edition in force on a date."""


class NoEditionInForce(RuleDataError):
    """No edition of a rule set was in force yet on a date: an input dated before the rules
    began, the client's error rather than the server's (see :mod:`minesafe.core.editions`)."""

    def __init__(self, name: str, on: dt.date, first: dt.date) -> None:
        super().__init__(f"rule set {name}: no edition in force on {on.isoformat()}")
        self.on, self.first = on, first

    def explain(self) -> str:
        """The refusal as the user reads it."""
        return f"{self.on.isoformat()} 早于适用规则最早版本的施行日期（{self.first.isoformat()}）"


@cache
def load_rule_set(package: str, name: str) -> dict[str, Any]:
    """Read ``<package>/data/<name>.yaml`` once per process."""
    try:
        text = resources.files(package).joinpath("data", f"{name}.yaml").read_text("utf-8")
    except FileNotFoundError as exc:
        raise RuleDataError(f"rule set {package}:{name} not found") from exc
    data = cite_all(yaml.safe_load(text))  # what users read cites sources officially
    if not isinstance(data, dict) or not data.get("editions"):
        raise RuleDataError(f"rule set {package}:{name} has no editions")
    return data


def edition_in_force(package: str, name: str, on: dt.date | None = None) -> dict[str, Any]:
    """The edition of a rule set in force on ``on`` (the newest one when ``on`` is None)."""
    editions = sorted(load_rule_set(package, name)["editions"], key=lambda e: e["effective_from"])
    if on is None:
        return dict(editions[-1])
    in_force = [e for e in editions if e["effective_from"] <= on]
    if not in_force:
        raise NoEditionInForce(name, on, editions[0]["effective_from"])
    return dict(in_force[-1])
