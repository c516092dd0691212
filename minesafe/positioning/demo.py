"""Demo data of the positioning area for ``minesafe demo``."""

from __future__ import annotations

import datetime as dt


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the area's demo records to the demo county."""
    return "人员定位：暂无演示数据"
