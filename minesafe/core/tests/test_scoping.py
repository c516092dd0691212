"""One place scopes every query by role and jurisdiction (issue 2 §2, STYLE 6)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from minesafe.accounts.models import Organization
from minesafe.core.models import AuditEntry
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW
from minesafe.registry.models import CLASSIFY, Enterprise, Licence, Mine, WorkingFace
from minesafe.testing import World


def names(queryset: object) -> set[str]:
    return {str(obj) for obj in queryset}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("persona", "mines"),
    [
        ("regulator_x", {"标记矿甲一", "标记矿乙二"}),
        ("regulator_y", {"标记矿丙三"}),
        ("city", {"标记矿甲一", "标记矿乙二", "标记矿丙三"}),
        ("inspector", {"标记矿甲一", "标记矿乙二", "标记矿丙三"}),
        ("enterprise", {"标记矿甲一"}),
        ("mine_a", {"标记矿甲一"}),
        ("admin", {"标记矿甲一", "标记矿乙二", "标记矿丙三"}),
    ],
)
def test_view_scope_follows_jurisdiction(world: World, persona: str, mines: set[str]) -> None:
    assert names(Mine.objects.restrict(world.users[persona], VIEW)) == mines


def test_anonymous_and_inactive_users_see_nothing(world: World) -> None:
    assert not Mine.objects.restrict(AnonymousUser()).exists()
    user = world.users["regulator_x"]
    user.is_active = False
    assert not Mine.objects.restrict(user).exists()


def test_read_and_write_differ(world: World) -> None:
    mine_a = world.users["mine_a"]
    assert names(WorkingFace.objects.restrict(mine_a, CHANGE)) == {"标记矿甲一 990101000001-1201"}
    assert names(Licence.objects.restrict(mine_a, DELETE)) == {"安全生产许可证 S-990101000001"}
    assert not Mine.objects.restrict(mine_a, CHANGE).exists()
    assert not Mine.objects.restrict(mine_a, CLASSIFY).exists()
    regulator = world.users["regulator_x"]
    assert Mine.objects.restrict(regulator, CLASSIFY).count() == 2
    assert not Mine.objects.restrict(world.users["inspector"], CLASSIFY).exists()
    assert not Mine.objects.restrict(world.users["enterprise"], ADD).exists()


def test_enterprises_visible_up_the_chain_of_visible_mines(world: World) -> None:
    assert names(Enterprise.objects.restrict(world.users["mine_a"])) == {
        "测试能源集团",
        "甲煤业公司",
    }
    assert names(Enterprise.objects.restrict(world.users["enterprise"])) == {
        "测试能源集团",
        "甲煤业公司",
    }
    assert names(Enterprise.objects.restrict(world.users["regulator_y"])) == {"乙煤业公司"}


def test_organisations_visible(world: World) -> None:
    seen = names(Organization.objects.restrict(world.users["mine_b"]))
    assert seen == {"甲县应急管理局"}
    regulator = names(Organization.objects.restrict(world.users["regulator_x"]))
    assert {"甲县应急管理局", "测试市应急管理局", "测试监察分局"} <= regulator
    assert "乙县应急管理局" not in regulator


def test_audit_rows_follow_the_mine_scope(world: World) -> None:
    rows = AuditEntry.objects.restrict(world.users["mine_b"])
    assert rows.exists()
    assert set(rows.values_list("mine_id", flat=True)) == {world.mine_b.pk}
