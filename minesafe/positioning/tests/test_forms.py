"""The wellhead display's names (三对应 source 2) are split on the usual separators."""

from __future__ import annotations

from minesafe.positioning.forms import split_names


def test_display_names_split_on_usual_separators() -> None:
    assert split_names("王伟、李强,张磊，赵军\n周涛 吴军") == [
        "王伟",
        "李强",
        "张磊",
        "赵军",
        "周涛",
        "吴军",
    ]
