"""The catalogue as versioned data: the converter, and a later edition judged by date (HAZ-2)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from minesafe.hazards.catalogue import edition_on, items_in_force, sync_catalogue
from minesafe.hazards.convert_standard import chinese_number, convert
from minesafe.hazards.testing import make_hazard
from minesafe.registry.models import Mine
from minesafe.ruledata import load_rule_set

SOURCE = Path("/work/shared/domain/regulations/major_hazard_standard_2020.txt")
SH = ZoneInfo("Asia/Shanghai")


def test_haz2_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ("一", "十", "十一", "十八", "二十", "二十三")] == [
        1,
        10,
        11,
        18,
        20,
        23,
    ]


@pytest.mark.skipif(not SOURCE.exists(), reason="the shared regulation text is not on this machine")
def test_haz2_committed_catalogue_is_the_conversion_of_the_text() -> None:
    committed = load_rule_set("minesafe.hazards", "major_hazard_standard")["editions"][0]
    fresh = convert(SOURCE.read_text("utf-8"), "2020", dt.date(2021, 1, 1), "")
    assert fresh["categories"] == committed["categories"]
    assert [len(c["situations"]) for c in fresh["categories"]] == [
        6,
        3,
        7,
        2,
        10,
        9,
        3,
        5,
        4,
        6,
        3,
        4,
        5,
        3,
        11,
    ]


def test_haz2_later_edition_loads_the_same_way_and_is_judged_by_date(mine: Mine) -> None:
    data = copy.deepcopy(load_rule_set("minesafe.hazards", "major_hazard_standard"))
    later = copy.deepcopy(data["editions"][0])
    later.update(edition="2026", effective_from=dt.date(2026, 7, 1))
    later["categories"][10]["situations"][0]["text"] = "（2026版测试文本）单回路供电的"
    assert sync_catalogue({"editions": [*data["editions"], later]}) == 81
    assert sync_catalogue({"editions": [*data["editions"], later]}) == 0  # idempotent
    assert edition_on(dt.date(2026, 6, 30)) == "2020"
    assert edition_on(dt.date(2026, 7, 1)) == "2026"
    assert items_in_force(dt.date(2026, 7, 1)).count() == 81
    before = make_hazard(mine, situation="14(1)", found_at=dt.datetime(2026, 6, 30, 9, tzinfo=SH))
    after = make_hazard(mine, situation="14(1)", found_at=dt.datetime(2026, 7, 1, 9, tzinfo=SH))
    assert before.situation.edition == "2020"
    assert after.situation.edition == "2026" and after.situation.text.startswith("（2026版")
