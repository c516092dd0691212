"""The demo county (issue 2 §6): realistic, fictional, fixed seed, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction

from minesafe.accounts.models import User
from minesafe.registry.demo import load_demo
from minesafe.registry.models import Enterprise, Licence, Mine

TODAY = dt.date(2026, 11, 22)
pytestmark = pytest.mark.django_db


def test_reg1_demo_county_has_every_status_class_and_licence_warning() -> None:
    summary = load_demo(today=TODAY)
    assert (summary.created, summary.mines, summary.enterprises) == (True, 40, 12)
    assert set(Mine.objects.values_list("status", flat=True)) == {
        "producing",
        "construction",
        "trial",
        "suspended",
        "long_stopped",
        "to_close",
        "closed",
    }
    assert set(Mine.objects.values_list("supervision_class", flat=True)) == {"A", "B", "C"}
    warnings = [lic.warning(TODAY) for lic in Licence.objects.all()]
    assert warnings.count("expired") == 1
    assert {"30", "90", "ok"} <= set(warnings)
    assert Mine.objects.exclude(class_override="").count() == 1


def test_reg1_demo_users_and_their_jurisdiction() -> None:
    load_demo(today=TODAY)
    users = {u.username: u for u in User.objects.all()}
    mine1, mine2 = users["mine1"].mine, users["mine2"].mine
    assert mine1.enterprise_id != mine2.enterprise_id
    assert mine1.county == mine2.county == users["regulator"].organization.division
    assert Mine.objects.restrict(users["enterprise"]).count() >= 3
    county = set(Mine.objects.restrict(users["regulator"]).values_list("pk", flat=True))
    other = set(Mine.objects.restrict(users["regulator2"]).values_list("pk", flat=True))
    assert county and other and not county & other
    assert Mine.objects.restrict(users["city"]).count() == 40
    assert Mine.objects.restrict(users["mine1"]).get() == mine1
    assert all(u.check_password("demo-password") for u in users.values())


def test_demo_is_idempotent_and_deterministic() -> None:
    def snapshot() -> list[tuple[str, str, str]]:
        return list(Mine.objects.order_by("code").values_list("code", "name", "gas_grade"))

    with transaction.atomic():
        load_demo(today=TODAY)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Mine.objects.exists()
    load_demo(today=TODAY)
    assert snapshot() == first
    assert load_demo(today=TODAY).created is False
    assert Mine.objects.count() == 40 and Enterprise.objects.count() == 12


def test_load_demo_command_with_bulk_mines(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo", bulk=30)
    out = capsys.readouterr().out
    assert "demo-password" in out and "regulator" in out
    assert Mine.objects.count() == 70
    assert Licence.objects.filter(mine__name__startswith="基准测试").count() == 30
