"""How many people the demo county's mines have underground, by size, status and shift.

Pure functions over ``data/crews.yaml`` (demo assumptions, explained there): the positioning
demo sizes each mine's shift crews with them, so the county looks like a real one on an
ordinary day (issue 13 §7) — a large mine's day shift is several times a small mine's night
shift, and a suspended mine has only its watch crew (值守) underground.
"""

from __future__ import annotations

import random
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from minesafe.registry.choices import MineStatus

#: Statuses whose crews cut coal; STOPPED statuses keep only a watch crew underground.
PRODUCING = (MineStatus.PRODUCING, MineStatus.TRIAL)
STOPPED = (MineStatus.SUSPENDED, MineStatus.LONG_STOPPED)
SHIFT_NAMES = ("夜班", "早班", "中班")


@cache
def settings() -> dict[str, Any]:
    text = resources.files("minesafe.demo").joinpath("data", "crews.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def watch_max() -> int:
    """The largest watch crew a stopped mine sends underground in one shift."""
    return int(settings()["watch"]["max"])


def shift_crew(capacity: Decimal | float | None, status: str, shift: int, code: str) -> int:
    """People underground in one shift (0 夜班, 1 早班, 2 中班 of the 三八制) of a mine of this
    approved capacity (万吨/年) and status; 0 for mines that send nobody down. Deterministic per
    mine ``code`` (its own variation around the rule of thumb)."""
    rng = random.Random(f"crew|{code}|{shift}")
    if status in STOPPED:
        watch = settings()["watch"]
        return rng.randint(int(watch["min"]), int(watch["max"]))
    if status not in PRODUCING:
        return 0
    spec = settings()["production"]
    day = float(spec["day_base"]) + float(spec["day_per_10kt"]) * float(capacity or 0)
    mine_factor = random.Random(f"crew|{code}").uniform(1 - spec["jitter"], 1 + spec["jitter"])
    share = float(spec["shift_share"][shift])
    return max(4, round(day * mine_factor * share))


def approved_headcount(capacity: Decimal | float | None, code: str) -> int:
    """核定井下人数 of a demo mine: its largest production shift with the margin of the data
    file, rounded up to tens (so an ordinary day never shows the mine over-staffed)."""
    largest = max(shift_crew(capacity, MineStatus.PRODUCING, k, code) for k in range(3))
    margin = float(settings()["production"]["approved_margin"])
    return -(-round(largest * margin) // 10) * 10


def watch_jobs() -> list[str]:
    return list(settings()["watch"]["jobs"])


def feed_crew(capacity: Decimal | float | None, status: str, code: str) -> dict[str, Any]:
    """What the live feed's mines file carries for a mine (``crew`` per shift, ``watch``), so the
    simulator streams these crews instead of the same roster everywhere."""
    crew = [shift_crew(capacity, status, k, code) for k in range(3)]
    return {"crew": crew, "watch": status in STOPPED}
