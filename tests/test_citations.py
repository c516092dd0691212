"""Sources cited to users by official number, never by the developers' shorthand (SOURCES.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import minesafe
from minesafe.citations import cite
from minesafe.ruledata import load_rule_set

SHORTHAND = re.compile(r"\b00[0-9](:\d| task \d| ?[（(][一二三四五六七八九十]+[)）])")


@pytest.mark.parametrize(
    ("text", "official"),
    [
        ("002:34", "晋安办发〔2024〕34号第34项"),
        ("措施（002:30-34）", "措施（晋安办发〔2024〕34号第30-34项）"),
        ("000:37；001:18", "泽州县应急管理局通知（2025年）第37项；矿安〔2025〕1号第18项"),
        ("004 task 11", "泽安委办发〔2022〕19号（任务清单第11项）"),
        ("004:15", "泽安委办发〔2022〕19号（任务清单第15项）"),
        ("002 (二十一)", "晋安办发〔2024〕34号（二十一）"),
        ("传感器类型 0010，版本 002-2024，10:00:30", "传感器类型 0010，版本 002-2024，10:00:30"),
    ],
)
def test_shorthand_is_written_out(text: str, official: str) -> None:
    assert cite(text) == official


def _rule_sets() -> list[tuple[str, str]]:
    root = Path(minesafe.__file__).parent
    return sorted(
        (".".join(("minesafe", *path.parent.parent.relative_to(root).parts)), path.stem)
        for path in root.glob("**/data/*.yaml")
        if "editions:" in path.read_text("utf-8")
    )


@pytest.mark.parametrize(("package", "name"), _rule_sets())
def test_rule_data_as_loaded_carries_no_shorthand(package: str, name: str) -> None:
    """Every rule set reaches pages, documents and exports with official citations."""
    loaded = repr(load_rule_set(package, name))
    assert not SHORTHAND.search(loaded), SHORTHAND.search(loaded)
