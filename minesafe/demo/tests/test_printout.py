"""What ``make run`` prints while and after loading the demo: a line per stage with its time, the
figures the pages then show (read from the database as the pages read it) and every demo login;
and how the address is chosen (``MINESAFE_BIND``)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from minesafe import cli
from minesafe.accounts.models import User
from minesafe.demo.management.commands import load_demo as command
from minesafe.demo.printout import demo_logins, figures
from minesafe.registry.models import Mine
from minesafe.testing import PASSWORD, World

TODAY = dt.date(2026, 11, 22)


def test_figures_are_what_the_pages_show(world: World) -> None:
    user = world.users["regulator_x"]
    client = Client()
    client.force_login(user)
    lines = "\n".join(figures(user))
    total = client.get(reverse("registry:overview")).context["total"]
    assert f"煤矿 {total} 座" in lines and total == 2
    ledger = client.get(reverse("hazards:hazard_list")).context["page"].paginator.count
    assert f"隐患台账 {ledger} 条" in lines
    overdue = client.get(reverse("hazards:hazard_list"), {"overdue": "yes"})
    assert f"逾期未整改 {overdue.context['page'].paginator.count} 条" in lines
    major = client.get(reverse("hazards:hazard_list"), {"grade": "major"})
    assert f"重大事故隐患共 {major.context['page'].paginator.count} 条" in lines
    # The other county's regulator sees its one mine, the administrator all three.
    assert "煤矿 1 座" in figures(world.users["regulator_y"])[0]
    assert "煤矿 3 座" in figures(world.users["admin"])[0]


def test_logins_are_every_active_account_with_the_password(world: World) -> None:
    listed = {login.username: login for login in demo_logins(PASSWORD)}
    assert set(listed) == {u.username for u in world.users.values()}
    assert listed[world.users["mine_a"].username].mines == 1
    assert listed[world.users["regulator_x"].username].unit == "甲县应急管理局"
    world.users["mine_b"].is_active = False
    world.users["mine_b"].save()
    User.objects.filter(pk=world.users["city"].pk).update(password="!")
    names = [login.username for login in demo_logins(PASSWORD)]
    assert world.users["mine_b"].username not in names
    assert world.users["city"].username not in names
    assert names[0] == world.users["regulator_x"].username  # regulators first
    assert demo_logins("another-password") == []


def test_command_prints_each_stage_then_the_figures_and_every_login(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], empty_db: None
) -> None:
    monkeypatch.setattr(command, "DEMO_EXTENSIONS", ("minesafe.demo.selfinspection",))
    flushed: list[str] = []
    monkeypatch.setattr(
        command.Command, "_say", lambda self, text: flushed.append(text) or print(text)
    )
    call_command("load_demo", seed=2025, mines=16, today=TODAY)
    out = capsys.readouterr().out
    stages = [line for line in flushed if re.match(r"\[\d/\d\] ", line)]
    assert stages == ["[1/2] 煤矿档案、企业、机构与账号 …", "[2/2] 自查自改 …"]
    timings = [line for line in flushed if re.search(r"（\d+\.\d 秒）$", line)]
    assert len(timings) == 2
    regulator = User.objects.get(username="regulator")
    assert f"煤矿 {Mine.objects.restrict(regulator).count()} 座" in out
    assert "以 regulator 登录" in out and "以 admin 登录" in out
    for username in ("regulator", "regulator2", "city", "inspector", "enterprise", "mine1"):
        assert re.search(rf"^  {username} ", out, re.M), username
    manager = re.search(r"^  manager1 .*$", out, re.M)
    assert manager and "矿长" in manager.group(0)
    assert "MINESAFE_BIND" in out


def test_serve_binds_to_minesafe_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.build_parser().parse_args(["serve"]).bind == "127.0.0.1:8000"
    monkeypatch.setenv("MINESAFE_BIND", "0.0.0.0:8080")
    args = cli.build_parser().parse_args(["serve", "--no-scheduler"])
    assert args.bind == "0.0.0.0:8080"
    assert cli.build_parser().parse_args(["serve", "--bind", "127.0.0.1:9"]).bind == "127.0.0.1:9"
    ran: list[list[str]] = []
    monkeypatch.setattr(cli, "django_setup", lambda: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)

    def execvp(file: str, argv: list[str]) -> None:
        ran.append(argv)

    monkeypatch.setattr(cli.os, "execvp", execvp)
    cli._serve(args)
    assert ran and ran[0][ran[0].index("--bind") + 1] == "0.0.0.0:8080"
