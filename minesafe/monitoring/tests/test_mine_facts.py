"""The register's mine facts reach the engine (issue 3 §2, PER-7): gas grade and the approved
underground headcount, so a mine over its approved headcount raises a mine-level alarm."""

from __future__ import annotations

import datetime as dt

from minesafe.monitoring.pipeline import Pipeline
from minesafe.monitoring.sink import MineIndex
from minesafe.positioning.tests import files as f
from minesafe.testing import World

T0 = f.START + dt.timedelta(hours=1)


def _down(card: str, name: str) -> tuple[str, str, str, dt.datetime, str, str, bool]:
    return (card, name, "1", f.START, "A1", "S1", False)


def test_facts_carry_gas_grade_and_approved_headcount(world: World) -> None:
    world.mine_a.approved_underground_headcount = 2
    world.mine_a.save()
    facts = MineIndex().facts()
    assert facts[world.mine_a.code] == {"gas_grade": "low", "approved_underground": 2}
    assert "approved_underground" not in facts[world.mine_b.code]  # none declared: no limit


def test_per7_mine_over_its_approved_headcount_raises_a_mine_level_alarm(world: World) -> None:
    world.mine_a.approved_underground_headcount = 2
    world.mine_a.save()
    pipeline = Pipeline.restore(None)
    pipeline.load_definitions(MineIndex(), only=[world.mine_a.code])
    people = [_down("c1", "王伟"), _down("c2", "李强"), _down("c3", "张勇")]
    result = pipeline.feed([f.ryss(world.mine_a.code, T0, people)])
    mine_level = [e for e in result.events if e.kind == "over_staffing" and not e.subject]
    assert len(mine_level) == 1
    assert mine_level[0].details["count"] == 3 and mine_level[0].details["approved"] == 2
