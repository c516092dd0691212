"""The contract other areas rely on: record_hazard, the catalogue, HAZ-9 tracing (HAZ-1, HAZ-2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minesafe.hazards import services
from minesafe.hazards.choices import HazardGrade, HazardStatus, NotificationKind
from minesafe.hazards.models import (
    HazardTransition,
    MajorHazardCategory,
    MajorHazardItem,
)
from minesafe.hazards.testing import FIXES, NOW, make_hazard
from minesafe.notifications.choices import Channel
from minesafe.notifications.testing import notes
from minesafe.registry.models import Licence, Mine
from minesafe.testing import World


def test_haz2_catalogue_has_15_categories_and_81_situations(db: None) -> None:
    assert MajorHazardCategory.objects.filter(edition="2020").count() == 15
    items = MajorHazardItem.objects.filter(edition="2020")
    assert items.count() == 81
    assert items.get(code="4(6)").text.startswith("煤矿未制定或者未严格执行井下劳动定员制度")


def test_haz1_record_hazard_general_by_default(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine)
    assert hazard.grade == HazardGrade.GENERAL
    assert hazard.status == HazardStatus.REPORTED
    assert hazard.number.startswith("YH20261120-")
    record = HazardTransition.objects.get(hazard=hazard, step="record")
    assert (record.from_state, record.to_state) == ("", HazardStatus.REPORTED)


def test_haz1_record_with_five_fixes_completes_them(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine, fixes=FIXES)
    assert hazard.status == HazardStatus.FIXES_COMPLETE


def test_haz2_situation_code_makes_major_and_reports(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine, description="矿井单回路供电", situation="14(1)")
    assert hazard.grade == HazardGrade.MAJOR and hazard.situation.code == "14(1)"
    recipients = set(
        notes(hazard)
        .filter(kind=NotificationKind.MAJOR_REPORT, channel=Channel.IN_APP)
        .values_list("organization", flat=True)
    )
    assert recipients == {mine.supervisor_id, mine.inspectorate_id}
    mine.refresh_from_db()
    assert mine.major_hazards_12m == 1


def test_haz1_bad_input_names_the_field(world: World, mine: Mine) -> None:
    with pytest.raises(ValidationError) as exc:
        make_hazard(mine, source="gossip")
    assert "source" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_hazard(mine, situation="99(9)")
    assert "situation" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_hazard(mine, fixes={**FIXES, "deadline": dt.date(2026, 11, 1)})
    assert "deadline" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_hazard(mine, fixes={**FIXES, "funds": "-1"})
    assert "funds" in exc.value.message_dict


def test_haz1_origin_is_a_generic_link(world: World, mine: Mine) -> None:
    licence = Licence.objects.filter(mine=world.mine_a).first()
    assert licence is not None
    hazard = make_hazard(mine, origin=licence)
    assert hazard.origin == licence


def test_haz2_text_suggestion_for_over_staffing(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine, description="综采工作面单班作业人数42人，超过限员规定人数")
    codes = [s.item.code for s in hazard.suggestions.order_by("rank")]
    assert "4(6)" in codes[:3]


def test_haz9_open_responsibility_case_once(world: World, mine: Mine) -> None:
    hazard = make_hazard(mine, situation="14(1)")
    case = services.open_responsibility_case(hazard, ["张三", "李四"], ["检查-1"], NOW)
    again = services.open_responsibility_case(hazard, ["王五"], [], NOW)
    assert again.pk == case.pk and case.inspectors == ["张三", "李四"]
