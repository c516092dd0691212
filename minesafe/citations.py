"""Citations as users read them: the developers' shorthand (``002:34``, ``004 task 11``,
``002 (二十一)``) rewritten to the official document number and item (SOURCES.md). Pure: no
Django import; rule data loaded through :mod:`minesafe.ruledata` passes through it, so a
page, a PDF or an export never shows the shorthand."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

_NUMERAL = "[一二三四五六七八九十]+"
_SHORTHAND = re.compile(
    r"\b(?P<doc>00[0-9])"
    r"(?::(?P<item>\d+(?:-\d+)?)"  # 002:34, 002:30-34
    r"| task (?P<task>\d+)"  # 004 task 11
    rf"| ?(?P<part>（{_NUMERAL}）|\({_NUMERAL}\)))"  # 002 (二十一)
)


@cache
def _table() -> dict[str, Any]:
    text = resources.files("minesafe").joinpath("data", "sources.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _official(match: re.Match[str]) -> str:
    table = _table()
    doc = match["doc"]
    name = table["documents"].get(doc)
    if name is None:
        return match[0]
    number = match["item"] or match["task"]
    if number is None:
        return f"{name}（{match['part'].strip('（）()')}）"
    if doc in table["task_lists"]:
        return f"{name}（任务清单第{number}项）"
    return f"{name}第{number}项"


def cite(text: str) -> str:
    """``text`` with every shorthand citation in it written out officially."""
    return _SHORTHAND.sub(_official, text)


def cite_all(value: Any) -> Any:
    """Every string inside ``value`` (rule data: dicts, lists, scalars) through :func:`cite`."""
    if isinstance(value, str):
        return cite(value)
    if isinstance(value, dict):
        return {k: cite_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cite_all(v) for v in value]
    return value
