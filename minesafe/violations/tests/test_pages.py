"""三违 pages, export and API (VIO-1): scoping, field errors, statistics, repeat offenders."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.testing import World
from minesafe.violations.choices import Severity, ViolationKind, ViolationSource
from minesafe.violations.models import Violation
from minesafe.violations.services import record_violation
from minesafe.violations.testing import make_violation


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(world: World, **extra) -> dict:
    found = timezone.localtime() - dt.timedelta(hours=2)
    return {
        "mine": world.mine_a.pk,
        "person_name": "赵铁柱",
        "team": "掘进二队",
        "place": "2302运输巷",
        "kind": ViolationKind.OPERATION,
        "severity": Severity.SERIOUS,
        "source": ViolationSource.VIDEO,
        "found_at": found.strftime("%Y-%m-%dT%H:%M"),
        "description": "空顶作业",
        "penalty": "fine",
        "fine": "500",
        **extra,
    }


def test_vio1_mine_records_a_violation_and_sees_it(world: World) -> None:
    client = _client(world.users["mine_a"])
    response = client.post(reverse("violations:violation_add"), _form(world))
    assert response.status_code == 302
    violation = Violation.objects.get(person_name="赵铁柱")
    assert violation.recorded_by == world.users["mine_a"] and violation.fine == Decimal("500")
    page = client.get(violation.get_absolute_url()).content.decode()
    assert "空顶作业" in page and "严重三违" in page


def test_vio1_bad_input_names_the_field(world: World) -> None:
    client = _client(world.users["regulator_x"])
    url = reverse("violations:violation_add")
    for field, value in [("fine", "-5"), ("mine", str(world.mine_c.pk)), ("kind", "x")]:
        response = client.post(url, _form(world, **{field: value}))
        assert response.status_code == 400 and field in response.context["form"].errors
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, _form(world, found_at=future))
    assert response.status_code == 400 and "found_at" in response.context["form"].errors
    response = client.post(url, _form(world, fine="0"))  # a fine penalty needs an amount
    assert response.status_code == 400 and "fine" in response.context["form"].errors


def test_vio1_record_violation_service_validates(world: World) -> None:
    found = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    made = record_violation(
        mine=world.mine_a, person_name="钱二", kind=ViolationKind.COMMAND, found_at=found,
        description="违章指挥工人进入盲巷", source=ViolationSource.INSPECTION,
        origin=world.mine_a, user=world.users["inspector"],
    )  # fmt: skip
    assert made.origin == world.mine_a and made.recorded_by == world.users["inspector"]
    with pytest.raises(ValidationError) as caught:
        record_violation(
            mine=world.mine_a, person_name="钱二", kind="bad", found_at=found, description="x",
            fine=-1,
        )  # fmt: skip
    assert {"kind", "fine"} <= set(caught.value.message_dict)


def test_vio1_list_filters_export_and_scope(world: World) -> None:
    make_violation(world.mine_a, timezone.localdate(), person_name="孙重复", kind="command")
    client = _client(world.users["regulator_x"])
    listed = client.get(reverse("violations:violation_list"), {"kind": "command"})
    text = listed.content.decode()
    assert "孙重复" in text and "标记矿甲一" in text
    assert "标记矿丙三" not in client.get(reverse("violations:violation_list")).content.decode()
    export = client.get(reverse("violations:violation_export"))
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][0] == "序号" and len(rows) == 1 + 3  # mines A (2) and B of county X
    mine_b = _client(world.users["mine_b"]).get(reverse("violations:violation_list"))
    assert "孙重复" not in mine_b.content.decode()


def test_vio1_statistics_and_repeat_offenders(world: World) -> None:
    today = timezone.localdate()
    for days in (1, 10, 20):
        make_violation(
            world.mine_a, today - dt.timedelta(days=days), person_name="周屡犯", team="机电队"
        )
    client = _client(world.users["enterprise"])
    stats = client.get(reverse("violations:statistics"))
    assert stats.status_code == 200 and stats.context["total"] == 4
    persons = dict(stats.context["charts"]["persons"])
    assert persons["周屡犯（标记矿甲一）"] == 3
    repeat = client.get(reverse("violations:repeat_offenders"))
    assert [r["o"].person_name for r in repeat.context["offenders"]] == ["周屡犯"]
    api = client.get("/api/violations/repeat-offenders/").json()
    assert api["offenders"][0]["person_name"] == "周屡犯" and api["min_count"] == 3
    month = client.get(reverse("violations:notification"), {"month": "garbage"})
    assert month.status_code == 200


def test_vio1_api_create_with_field_errors(world: World) -> None:
    client = _client(world.users["mine_a"])
    body = {
        "mine": world.mine_a.pk,
        "person_name": "吴六",
        "kind": "discipline",
        "found_at": "2026-11-20T08:00:00+08:00",
        "description": "班中睡岗",
        "fine": "-10",
    }
    response = client.post("/api/violations/", body, content_type="application/json")
    assert response.status_code == 400 and "fine" in response.json()
    body.update(fine="0", mine=world.mine_b.pk)
    response = client.post("/api/violations/", body, content_type="application/json")
    assert response.status_code == 400 and "mine" in response.json()
    body["mine"] = world.mine_a.pk
    for found_at in ("0190-01-10T02:12:44-03:55", "2099-01-01T08:00:00+08:00"):
        wrong = {**body, "found_at": found_at}
        response = client.post("/api/violations/", wrong, content_type="application/json")
        assert response.status_code == 400 and "found_at" in response.json(), found_at
    response = client.post("/api/violations/", body, content_type="application/json")
    assert response.status_code == 201, response.content
