"""Mines of their own sizes (issue 13 §7): a mines file may give each mine its crews per shift,
and a stopped mine's watch crew stays in the general area; without crews every mine gets the
default roster, as before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from minesafe.simulator.catalogue import given_mines, make_points
from minesafe.simulator.cli import read_mines_file
from minesafe.simulator.people import make_personnel
from minesafe.simulator.render import CHINA

ROWS = [
    ("960121000001", "大矿", "low", (20, 60, 40), False),
    ("960121000002", "小矿", "high", (6, 18, 12), False),
    ("960121000003", "停产矿", "low", (2, 3, 2), True),
]


def _underground(people, mine: int, at: dt.datetime) -> int:  # type: ignore[no-untyped-def]
    t = at.timestamp()
    enter, leave = people.presence(t)
    return int(((enter <= t) & (t < leave) & (people.mine == mine)).sum())


def test_mines_of_their_own_sizes_and_shifts() -> None:
    mines = given_mines(ROWS)
    people = make_personnel(mines, make_points(mines, 22, 1), seed=1)
    day = dt.datetime(2026, 12, 8, 11, 0, tzinfo=CHINA)
    night = dt.datetime(2026, 12, 8, 3, 0, tzinfo=CHINA)
    assert [_underground(people, m, day) for m in range(3)] == [60, 18, 3]
    assert [_underground(people, m, night) for m in range(3)] == [20, 6, 2]
    watch = people.mine == 2
    general = {
        a for a, area in enumerate(people.areas) if area.mine == 2 and area.kind == "general"
    }
    assert set(people.area[watch].tolist()) <= general
    assert people.leader[watch].sum() == 3  # one leader on duty per shift


def test_default_roster_unchanged_without_crews() -> None:
    mines = given_mines([r[:3] for r in ROWS])
    people = make_personnel(mines, make_points(mines, 22, 1), seed=1)
    day = dt.datetime(2026, 12, 8, 11, 0, tzinfo=CHINA)
    counts = {_underground(people, m, day) for m in range(3)}
    assert len(counts) == 1  # the same tiled roster everywhere


def test_mines_file_carries_crews(tmp_path: Path) -> None:
    path = tmp_path / "mines.json"
    rows = [
        {"mine_code": "960121000001", "name": "大矿", "gas_grade": "low", "crew": [1, 5, 3]},
        {"mine_code": "960121000002", "name": "小矿", "gas_grade": "low"},
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    mines = given_mines(list(read_mines_file(path)))
    assert mines[0].crew == (1, 5, 3) and not mines[0].watch
    assert mines[1].crew is None
