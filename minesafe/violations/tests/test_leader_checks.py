"""Leaders' monthly underground 三违 checks (VIO-1, source 000:30): recorded by the mine and
its enterprise, refused outside the jurisdiction, missed months listed for regulators, through
the pages and the API, with the same scoping."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.core.models import AuditEntry
from minesafe.localtime import LOCAL, local_date
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.testing import World
from minesafe.violations import rules
from minesafe.violations.choices import LeaderPost
from minesafe.violations.models import LeaderCheck
from minesafe.violations.services import leader_check_month, missed_leader_checks
from minesafe.violations.testing import make_violation

MANAGER, LEADER = LeaderPost.MINE_MANAGER, LeaderPost.ENTERPRISE_LEADER


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _this_month() -> str:
    return rules.month_key(local_date())


def _check(mine: Mine, post: str, at: dt.datetime | None = None) -> LeaderCheck:
    at = at or timezone.now()  # this local month, even in its first minutes
    return LeaderCheck.objects.create(
        mine=mine, post=post, person_name="王矿长", went_down_at=at, places="1201工作面"
    )


def _form(world: World, **extra) -> dict:
    down = timezone.localtime() - dt.timedelta(hours=3)
    return {
        "mine": world.mine_a.pk,
        "post": MANAGER,
        "person_name": "李建国",
        "went_down_at": down.strftime("%Y-%m-%dT%H:%M"),
        "places": "1201工作面、2302运输巷",
        "violations_found": "1",
        "notes": "",
        **extra,
    }


def _missed(user, month: str) -> dict[str, list[str]]:
    return {mine.name: posts for mine, posts in missed_leader_checks(user, month)}


def test_vio1_mine_staff_record_a_check_audited(world: World) -> None:
    violation = make_violation(world.mine_a, local_date())
    client = _client(world.users["mine_a"])
    response = client.post(
        reverse("violations:leader_check_add"), _form(world, violations=[violation.pk])
    )
    assert response.status_code == 302, response.content.decode()[:500]
    check = LeaderCheck.objects.get(person_name="李建国")
    assert check.recorded_by == world.users["mine_a"] and list(check.violations.all()) == [
        violation
    ]
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(LeaderCheck), object_id=str(check.pk)
    )
    assert entry.mine_id == world.mine_a.pk and entry.user == world.users["mine_a"]
    listed = client.get(reverse("violations:leader_check_list"), {"post": MANAGER})
    assert "李建国" in listed.content.decode() and "标记矿乙二" not in listed.content.decode()


def test_vio1_check_refused_outside_jurisdiction_and_for_regulators(world: World) -> None:
    url = reverse("violations:leader_check_add")
    response = _client(world.users["mine_a"]).post(url, _form(world, mine=world.mine_b.pk))
    assert response.status_code == 400 and "mine" in response.context["form"].errors
    other = make_violation(world.mine_b, local_date())
    response = _client(world.users["regulator_x"]).post(url, _form(world))
    assert response.status_code == 403
    enterprise = _client(world.users["enterprise"])  # mine A is in its group, mine B is not
    response = enterprise.post(url, _form(world, violations=[other.pk]))
    assert response.status_code == 400 and "violations" in response.context["form"].errors
    assert enterprise.post(url, _form(world, mine=world.mine_b.pk)).status_code == 400
    assert not LeaderCheck.objects.filter(person_name="李建国").exists()


def test_vio1_bad_check_input_names_the_field(world: World) -> None:
    client = _client(world.users["mine_a"])
    url = reverse("violations:leader_check_add")
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    mine_violation = make_violation(world.mine_a, local_date())
    for field, value in [
        ("went_down_at", future),
        ("went_down_at", "1900-01-01T08:00"),
        ("post", "boss"),
        ("violations_found", "-1"),
        ("violations", [mine_violation.pk, 10**9]),
    ]:
        response = client.post(url, _form(world, **{field: value}))
        assert response.status_code == 400 and field in response.context["form"].errors, field
    too_many = _form(world, violations_found="0", violations=[mine_violation.pk])
    response = client.post(url, too_many)
    assert response.status_code == 400 and "violations" in response.context["form"].errors


def test_vio1_missed_service_is_scoped_and_counts_producing_trial_construction(
    world: World,
) -> None:
    month = _this_month()
    regulator = world.users["regulator_x"]
    assert _missed(regulator, month) == {
        "标记矿甲一": ["企业挂牌责任领导", "矿长"],
        "标记矿乙二": ["企业挂牌责任领导", "矿长"],
    }
    assert set(_missed(world.users["city"], month)) == {"标记矿甲一", "标记矿乙二", "标记矿丙三"}
    assert set(_missed(world.users["mine_b"], month)) == {"标记矿乙二"}
    _check(world.mine_a, MANAGER)
    _check(world.mine_a, LEADER)
    _check(world.mine_b, MANAGER)
    assert _missed(regulator, month) == {"标记矿乙二": ["企业挂牌责任领导"]}
    for status, required in [
        (MineStatus.TRIAL, True),
        (MineStatus.CONSTRUCTION, True),
        (MineStatus.SUSPENDED, False),
        (MineStatus.LONG_STOPPED, False),
        (MineStatus.CLOSED, False),
    ]:
        Mine.objects.filter(pk=world.mine_b.pk).update(status=status)
        assert ("标记矿乙二" in _missed(regulator, month)) is required, status


def test_vio1_missed_month_is_the_local_calendar_month(world: World) -> None:
    # A descent at 23:30 UTC on 31 October is 07:30 on 1 November in Beijing.
    late = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
    _check(world.mine_a, MANAGER, late)
    _check(world.mine_a, LEADER, dt.datetime(2026, 10, 1, 0, 10, tzinfo=LOCAL))
    user = world.users["regulator_x"]
    assert _missed(user, "2026-10")["标记矿甲一"] == ["矿长"]
    assert _missed(user, "2026-11")["标记矿甲一"] == ["企业挂牌责任领导"]


def test_vio1_month_parameter_falls_back_to_the_last_complete_month() -> None:
    today = dt.date(2026, 12, 8)
    assert leader_check_month(None, today) == "2026-11"
    assert leader_check_month("2026-12", today) == "2026-12"
    assert leader_check_month("2026-9", today) == "2026-09"
    for bad in ("2027-01", "1999-05", "garbage", "2026-13", "99999-01", "2026-1-1", ""):
        assert leader_check_month(bad, today) == "2026-11", bad


def test_vio1_regulator_sees_missed_list_and_the_mine_drops_out(world: World) -> None:
    client = _client(world.users["regulator_x"])
    url = reverse("violations:leader_checks_missed")
    page = client.get(url, {"month": _this_month()})
    assert page.status_code == 200 and "标记矿乙二" in page.content.decode()
    assert "标记矿丙三" not in page.content.decode()
    _check(world.mine_b, MANAGER)
    _check(world.mine_b, LEADER)
    page = client.get(url, {"month": _this_month()})
    rows = {mine.name for mine, _ in page.context["rows"]}
    assert rows == {"标记矿甲一"}
    default = client.get(url, {"month": "2099-99"})
    assert default.status_code == 200
    assert default.context["month"] == rules.default_missed_month(local_date())
    nav = client.get(reverse("violations:violation_list")).content.decode()
    assert url in nav and reverse("violations:leader_check_list") in nav


def test_vio1_leader_check_api_create_scope_and_missed(world: World) -> None:
    mine = _client(world.users["mine_a"])
    body = {
        "mine": world.mine_a.pk,
        "post": MANAGER,
        "person_name": "赵矿长",
        "went_down_at": timezone.now().isoformat(),  # this local month
        "places": "中央变电所",
        "violations_found": 0,
    }
    created = mine.post("/api/leader-checks/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert LeaderCheck.objects.get(pk=created.json()["id"]).recorded_by == world.users["mine_a"]
    own = make_violation(world.mine_a, local_date())
    linked_own = mine.post(
        "/api/leader-checks/",
        {**body, "violations_found": 1, "violations": [own.pk]},
        content_type="application/json",
    )
    assert linked_own.status_code == 201 and linked_own.json()["violations"] == [own.pk]
    assert list(LeaderCheck.objects.get(pk=linked_own.json()["id"]).violations.all()) == [own]
    foreign = mine.post(
        "/api/leader-checks/", {**body, "mine": world.mine_c.pk}, content_type="application/json"
    )
    assert foreign.status_code == 400 and "mine" in foreign.json()
    other = make_violation(world.mine_b, local_date())
    linked = _client(world.users["regulator_x"]).post(
        "/api/leader-checks/", body, content_type="application/json"
    )
    assert linked.status_code == 403
    enterprise = _client(world.users["enterprise"]).post(
        "/api/leader-checks/",
        {**body, "violations_found": 1, "violations": [other.pk]},
        content_type="application/json",
    )
    assert enterprise.status_code == 400 and "violations" in enterprise.json()
    regulator = _client(world.users["regulator_y"])
    listed = regulator.get("/api/leader-checks/").json()["results"]
    assert listed and {c["mine"] for c in listed} == {world.mine_c.pk}
    missed = regulator.get("/api/leader-checks/missed/", {"month": _this_month()}).json()
    assert [m["mine_name"] for m in missed["mines"]] == ["标记矿丙三"]
    missed = _client(world.users["regulator_x"]).get(
        "/api/leader-checks/missed/", {"month": _this_month()}
    )
    by_name = {m["mine_name"]: m["missing_posts"] for m in missed.json()["mines"]}
    assert by_name["标记矿甲一"] == ["企业挂牌责任领导"] and missed.json()["complete"] is False


def test_vio1_model_clean_refuses_naive_and_future_times(world: World) -> None:
    check = LeaderCheck(
        mine=world.mine_a, post=MANAGER, person_name="x", places="y",
        went_down_at=dt.datetime(2026, 11, 1, 8),
    )  # fmt: skip
    try:
        check.full_clean()
    except ValidationError as exc:
        assert "went_down_at" in exc.message_dict
    else:
        raise AssertionError("a naive time was accepted")
