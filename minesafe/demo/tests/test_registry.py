"""The demo county (issue 2 §6): realistic, fictional, fixed seed, idempotent, scoped."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from minesafe.accounts.models import Division, Organization, User
from minesafe.core.models import AuditEntry
from minesafe.demo.registry import (
    BULK_PREFIX,
    COUNTY_CODE,
    DEMO_USERNAMES,
    OTHER_COUNTY_CODE,
    PASSWORD,
    credit_code,
    load_bulk_mines,
    load_demo,
)
from minesafe.registry import rules, services
from minesafe.registry.choices import AssignmentKind, MineStatus, Ownership, WorkingFaceKind
from minesafe.registry.models import (
    DisasterAppraisal,
    Enterprise,
    Licence,
    Mine,
    StatusChange,
    SupervisionAssignment,
    WorkingFace,
)

TODAY = dt.date(2026, 11, 22)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_db")]  # the demo's own world


@pytest.fixture
def demo() -> dict[str, User]:
    load_demo(today=TODAY)
    return {user.username: user for user in User.objects.all()}


def _snapshot() -> list[tuple[str, str, str, str]]:
    return list(
        Mine.objects.order_by("code").values_list("code", "name", "status", "enterprise__name")
    )


def test_reg1_demo_county_loads_forty_mines_of_twelve_enterprises() -> None:
    summary = load_demo(today=TODAY)
    assert (summary.created, summary.mines, summary.enterprises) == (True, 40, 12)
    assert Mine.objects.count() == 40 and Enterprise.objects.count() == 12
    assert Mine.objects.filter(county__code=COUNTY_CODE).count() == 35
    assert Mine.objects.filter(county__code=OTHER_COUNTY_CODE).count() == 5
    assert summary.working_faces == WorkingFace.objects.count() > 80
    assert summary.licences == Licence.objects.count() > 100
    assert all(len(code) <= 12 for code in Division.objects.values_list("code", flat=True))
    for mine in Mine.objects.select_related("county"):
        assert re.fullmatch(r"\d{12}", mine.code) and mine.code.startswith(mine.county.code)
        assert 30 <= mine.capacity <= 500
        assert 112 < mine.longitude < 114 and 35 < mine.latitude < 36
        mine.full_clean()


def test_reg1_demo_county_has_all_statuses() -> None:
    load_demo(today=TODAY)
    county = Mine.objects.filter(county__code=COUNTY_CODE)
    assert set(county.values_list("status", flat=True)) == set(MineStatus.values)
    statuses = Counter(Mine.objects.values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == MineStatus.PRODUCING
    assert Mine.objects.filter(mining_method="open_pit").count() == 1


def test_reg1_demo_enterprises_have_group_chains_and_valid_credit_codes(
    demo: dict[str, User],
) -> None:
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    assert len(set(codes)) == 12 and all(len(code) == 18 for code in codes)
    assert all(credit_code(code[2:8], code[8:16]) == code for code in codes)  # check digits
    assert set(Enterprise.objects.values_list("ownership", flat=True)) == set(Ownership.values)
    subsidiaries = Enterprise.objects.filter(parent__isnull=False)
    assert subsidiaries.count() >= 4
    assert not Mine.objects.filter(enterprise__children__isnull=False).exists()  # operators only
    group = demo["enterprise"].enterprise
    assert group.parent is None and group.children.count() >= 2
    mines = Mine.objects.restrict(demo["enterprise"])
    assert mines.count() >= 3
    assert mines.values("enterprise").distinct().count() >= 2
    assert set(mines.values_list("enterprise__parent", flat=True)) == {group.pk}


def test_reg2_demo_appraisals_keep_the_highest_grade(demo: dict[str, User]) -> None:
    assert set(DisasterAppraisal.objects.values_list("kind", flat=True)) >= {
        "gas",
        "hydro",
        "spontaneous_combustion",
        "coal_dust",
        "rock_burst",
    }
    twice = 0
    for mine in Mine.objects.prefetch_related("appraisals"):
        gas = [a.result for a in mine.appraisals.all() if a.kind == "gas"]
        if gas:
            assert mine.gas_grade == rules.highest_grade("gas", gas)
        if len(set(gas)) > 1:
            twice += 1
            newest = max((a for a in mine.appraisals.all() if a.kind == "gas"),
                         key=lambda a: a.appraised_on)  # fmt: skip
            assert newest.result != mine.gas_grade  # the newer, lower result does not count
    assert twice >= 1


def test_reg3_demo_has_exactly_one_expired_safety_licence_and_warnings() -> None:
    load_demo(today=TODAY)
    warnings = Counter((lic.kind, lic.warning(TODAY)) for lic in Licence.objects.all())
    assert warnings[("safety_production", "expired")] == 1
    assert sum(n for (_, level), n in warnings.items() if level == "expired") == 1
    assert sum(n for (_, level), n in warnings.items() if level == "30") >= 2
    assert sum(n for (_, level), n in warnings.items() if level == "90") >= 2
    expired = Licence.objects.get(valid_until__lte=TODAY).mine
    assert expired.status == MineStatus.PRODUCING and expired.county.code == COUNTY_CODE
    producing = Mine.objects.filter(status=MineStatus.PRODUCING)
    assert all(m.licences.count() == 3 for m in producing)
    # the expired licence is the demo's one case of producing without a valid licence (002:34)
    unlicensed = [m for m in Mine.objects.all() if services.licence_flags(m, TODAY)]
    assert unlicensed == [expired]


def test_reg4_demo_has_all_three_classes_and_one_reasoned_override() -> None:
    load_demo(today=TODAY)
    classes = Counter(Mine.objects.values_list("supervision_class", flat=True))
    assert set(classes) == {"A", "B", "C"}
    assert set(Mine.objects.values_list("computed_class", flat=True)) == {"A", "B", "C"}
    override = Mine.objects.exclude(class_override="").get()
    assert override.class_override_reason.strip()
    assert override.supervision_class == override.class_override != override.computed_class
    assert Mine.objects.filter(accidents_12m__gt=0).exists()
    assert Mine.objects.filter(major_hazards_12m__gt=0).exists()
    assert Mine.objects.filter(management_changes_12m__gt=0).exists()


def test_reg5_reg9_demo_has_declared_flags_standardisation_and_smart_mining() -> None:
    load_demo(today=TODAY)
    assert Mine.objects.exclude(declared_key_flags=[]).count() >= 3
    assert len(set(Mine.objects.values_list("standardization_grade", flat=True))) >= 3
    assert len(set(Mine.objects.values_list("smart_mining", flat=True))) >= 3


def test_reg1_reg6_demo_faces_and_supervision_assignments() -> None:
    load_demo(today=TODAY)
    for mine in Mine.objects.prefetch_related("assignments", "working_faces"):
        kinds = Counter(a.kind for a in mine.assignments.all())
        assert kinds[AssignmentKind.FIVE_PERSON_GROUP] == 5
        assert kinds[AssignmentKind.DAILY_SUPERVISOR] == kinds[AssignmentKind.BAOBAO_LEADER] == 1
        stopped = mine.status in ("suspended", "long_stopped", "to_close")
        assert (kinds[AssignmentKind.RESIDENT_WATCH] > 0) == stopped
        faces = mine.working_faces.all()
        if mine.status == MineStatus.PRODUCING and mine.mining_method == "underground":
            assert {f.kind for f in faces} == set(WorkingFaceKind.values)
            assert any(f.status == "active" for f in faces)
            assert all(f.approved_headcount for f in faces)


def test_reg7_demo_status_history_and_resumption_with_acceptance() -> None:
    load_demo(today=TODAY)
    for mine in Mine.objects.exclude(status=MineStatus.PRODUCING):
        latest = mine.status_changes.order_by("-changed_on").first()
        assert latest is not None and latest.new_status == mine.status and latest.reason
    resumed = StatusChange.objects.exclude(acceptance_document="")
    assert resumed.count() == 1
    change = resumed.get()
    assert (change.old_status, change.new_status) == ("suspended", "producing")
    assert change.mine.status == MineStatus.PRODUCING
    assert all(c.changed_on < TODAY for c in StatusChange.objects.all())


def test_reg1_demo_users_mine1_and_mine2_are_in_different_enterprises(
    demo: dict[str, User],
) -> None:
    assert set(demo) == set(DEMO_USERNAMES)
    mine1, mine2 = demo["mine1"].mine, demo["mine2"].mine
    assert mine1.enterprise_id != mine2.enterprise_id
    assert mine1.status == mine2.status == MineStatus.PRODUCING
    assert mine1.county == mine2.county == demo["regulator"].organization.division
    assert demo["regulator"].organization.name == "青川县应急管理局"
    assert demo["city"].role == "city_regulator" and demo["inspector"].role == "inspector"
    assert demo["admin"].is_staff and demo["admin"].is_superuser
    for user in demo.values():
        user.full_clean(exclude=["password"])
    # One real check; the others share the very same hash, hence the same password.
    assert demo["regulator"].check_password(PASSWORD)
    assert {user.password for user in demo.values()} == {demo["regulator"].password}


def test_reg1_demo_scoping_by_county_city_and_mine(demo: dict[str, User]) -> None:
    def visible(username: str) -> set[str]:
        return set(Mine.objects.restrict(demo[username]).values_list("code", flat=True))

    county = set(Mine.objects.filter(county__code=COUNTY_CODE).values_list("code", flat=True))
    other = set(Mine.objects.filter(county__code=OTHER_COUNTY_CODE).values_list("code", flat=True))
    assert visible("regulator") == county
    assert visible("regulator2") == other
    assert visible("city") == county | other
    assert visible("inspector") == county | other
    assert visible("mine1") == {demo["mine1"].mine.code}
    assert visible("mine2") == {demo["mine2"].mine.code}
    assert len(visible("admin")) == 40
    assert (
        not Organization.objects.restrict(demo["regulator2"])
        .filter(name="青川县应急管理局")
        .exists()
    )


def test_demo_is_idempotent() -> None:
    load_demo(today=TODAY)
    counts = (Mine.objects.count(), Licence.objects.count(), AuditEntry.objects.count())
    again = load_demo(today=TODAY)
    assert again.created is False and (again.mines, again.enterprises) == (40, 12)
    assert (Mine.objects.count(), Licence.objects.count(), AuditEntry.objects.count()) == counts
    assert User.objects.count() == len(DEMO_USERNAMES)


def test_demo_same_seed_gives_same_codes_and_names() -> None:
    runs = []
    for seed in (2025, 2025, 7):
        with transaction.atomic():
            load_demo(seed=seed, today=TODAY)
            runs.append(_snapshot())
            transaction.set_rollback(True)
        assert not Mine.objects.exists()
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert [code for code, *_ in runs[0]] == [code for code, *_ in runs[2]]


def test_demo_other_mine_counts_keep_every_status_and_class() -> None:
    summary = load_demo(seed=11, mines=16, today=TODAY)
    assert summary.mines == Mine.objects.count() == 16
    assert set(Mine.objects.values_list("status", flat=True)) == set(MineStatus.values)
    assert set(Mine.objects.values_list("supervision_class", flat=True)) == {"A", "B", "C"}
    with pytest.raises(ValueError):
        load_demo(mines=5)


def test_demo_load_is_audited_as_demo_data() -> None:
    load_demo(today=TODAY)
    mine = Mine.objects.first()
    entries = AuditEntry.objects.filter(mine=mine)
    assert entries.exists()
    assert set(entries.values_list("reason", flat=True)) == {"演示数据"}
    assert set(entries.values_list("username", flat=True)) == {"系统"}


def test_load_demo_command_prints_summary_and_logins_then_adds_bulk_mines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One run of the whole demo (every area's history too): it is the slowest fixture there is."""
    call_command("load_demo", seed=2025, mines=40, today=TODAY)
    out = capsys.readouterr().out
    assert "demo-password" in out and "煤矿 40 座" in out
    assert all(username in out for username in DEMO_USERNAMES)
    call_command("load_demo", seed=2025, mines=40, bulk=30, today=TODAY)
    out = capsys.readouterr().out
    assert "已存在" in out and "基准测试煤矿 30 座" in out
    with pytest.raises(CommandError):
        call_command("load_demo", mines=3)
    bulk = Mine.objects.filter(name__startswith=BULK_PREFIX)
    assert bulk.count() == 30 and Mine.objects.count() == 70
    assert set(bulk.values_list("county__code", flat=True)) == {COUNTY_CODE, OTHER_COUNTY_CODE}
    assert all(re.fullmatch(r"\d{12}", code) for code in bulk.values_list("code", flat=True))
    assert not bulk.filter(supervision_class="").exists()
    assert Licence.objects.filter(mine__in=bulk).count() >= 60
    assert WorkingFace.objects.filter(mine__in=bulk).count() >= 30
    assert not AuditEntry.objects.filter(mine__in=bulk).exists()
    mine = bulk.first()
    assert mine.supervision_class == mine.classify().supervision_class
    assert load_bulk_mines(10, seed=1, today=TODAY) == 10  # more codes, no collision
    assert bulk.count() == 40
    assert SupervisionAssignment.objects.filter(mine__in=bulk).count() == 0
