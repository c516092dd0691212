"""Register pages: overview, list, dossier, edits with reasons (REG-1 … REG-7)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from minesafe.core.models import AuditEntry
from minesafe.registry.models import DisasterAppraisal, Mine, StatusChange
from minesafe.testing import World


def login(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_overview_counts_and_charts_for_the_regulator(world: World) -> None:
    response = login(world, "regulator_x").get(reverse("registry:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲县" in html
    assert 'id="charts-data"' in html
    assert "/static/vendor/echarts.min.js" in html
    assert response.context["total"] == 2
    assert response.context["warnings"]["30"] == 2


def test_overview_sends_mine_users_to_their_home_page(world: World) -> None:
    """The county overview (REG-3, REG-4) is the regulators' page: a mine role typing its address
    is sent to its own home page instead of a one-mine "regulator overview"."""
    from minesafe.accounts.choices import Role
    from minesafe.testing import make_user

    manager = Client()
    manager.force_login(make_user("manager_ov", Role.MINE_MANAGER, mine=world.mine_a))
    for client in (login(world, "mine_a"), manager):
        response = client.get(reverse("registry:overview"))
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert "煤矿总数" not in client.get(reverse("home")).content.decode()
    for persona in ("regulator_x", "city", "inspector"):
        response = login(world, persona).get(reverse("registry:overview"))
        assert response.status_code == 200 and "煤矿总数" in response.content.decode(), persona


def test_reg1_list_filters_sorting_and_htmx_partial(world: World) -> None:
    client = login(world, "city")
    url = reverse("registry:mine_list")
    response = client.get(url, {"gas_grade": "high"})
    assert [m.code for m in response.context["page"]] == ["990101000002"]
    ordered = client.get(url, {"sort": "-code"})
    assert [m.code for m in ordered.context["page"]] == sorted(
        [m.code for m in world.mines], reverse=True
    )
    partial = client.get(url, {"q": "丙三"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert [m.name for m in partial.context["page"]] == ["标记矿丙三"]
    assert client.get(url, {"sort": "password", "page": "x"}).status_code == 200


def test_reg1_dossier_shows_chain_class_factors_licences_and_history(world: World) -> None:
    response = login(world, "regulator_x").get(world.mine_a.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "测试能源集团",
        "甲煤业公司",
        "规则计算",
        "安全生产许可证",
        "30天内到期",
        "包保责任领导",
        "变更记录",
        "竣工验收",
    ):
        assert text in html, text


def test_mine_staff_is_refused_another_mines_dossier(world: World) -> None:
    client = login(world, "mine_a")
    assert client.get(world.mine_b.get_absolute_url()).status_code == 404
    assert client.get(world.mine_a.get_absolute_url()).status_code == 200


def test_reg1_edit_with_reason_is_audited_old_to_new(world: World) -> None:
    client = login(world, "regulator_x")
    url = reverse("registry:mine_edit", args=[world.mine_a.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "declared_key_flags"}
    data.update(capacity="150", reason="产能核增批复")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    entry = AuditEntry.objects.filter(mine=world.mine_a, action="update").latest("id")
    assert entry.changes["capacity"] == ["120.0", "150"]
    assert entry.reason == "产能核增批复"
    assert entry.username == "reg_x"
    history = client.get(world.mine_a.get_absolute_url()).content.decode()
    assert "产能核增批复" in history


def test_reg1_edit_without_reason_is_a_field_error(world: World) -> None:
    client = login(world, "regulator_x")
    response = client.post(
        reverse("registry:mine_edit", args=[world.mine_a.pk]), {"capacity": "-1"}
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert "capacity" in response.context["form"].errors


def test_reg4_class_override_needs_a_reason(world: World) -> None:
    client = login(world, "regulator_x")
    url = reverse("registry:mine_class", args=[world.mine_b.pk])
    refused = client.post(url, {"class_override": "A", "class_override_reason": " "})
    assert refused.status_code == 400
    done = client.post(url, {"class_override": "A", "class_override_reason": "标准化一级复核"})
    assert done.status_code == 302
    mine = Mine.objects.get(pk=world.mine_b.pk)
    assert (mine.supervision_class, mine.class_override_reason) == ("A", "标准化一级复核")
    cleared = client.post(url, {"class_override": "", "class_override_reason": ""})
    assert cleared.status_code == 302
    assert Mine.objects.get(pk=world.mine_b.pk).supervision_class == mine.computed_class


def test_reg4_only_regulators_change_the_class(world: World) -> None:
    url = reverse("registry:mine_class", args=[world.mine_a.pk])
    response = login(world, "mine_a").post(
        url, {"class_override": "A", "class_override_reason": "自评"}
    )
    assert response.status_code == 403
    assert login(world, "regulator_y").get(url).status_code == 404


def test_reg7_suspension_and_resumption_needs_acceptance(world: World) -> None:
    client = login(world, "regulator_x")
    url = reverse("registry:mine_status", args=[world.mine_a.pk])
    today = dt.date(2026, 11, 22).isoformat()
    stop = client.post(url, {"new_status": "suspended", "changed_on": today, "reason": "重大隐患"})
    assert stop.status_code == 302
    assert Mine.objects.get(pk=world.mine_a.pk).status == "suspended"
    resume = client.post(
        url, {"new_status": "producing", "changed_on": today, "reason": "整改完成"}
    )
    assert resume.status_code == 400
    assert "acceptance_document" in resume.context["form"].errors
    accepted = client.post(
        url,
        {
            "new_status": "producing",
            "changed_on": today,
            "reason": "整改完成",
            "acceptance_document": "复产验收〔2026〕7号",
        },
    )
    assert accepted.status_code == 302
    changes = StatusChange.objects.filter(mine=world.mine_a).order_by("id")
    assert [(c.old_status, c.new_status) for c in changes][-2:] == [
        ("producing", "suspended"),
        ("suspended", "producing"),
    ]


def test_reg2_a_higher_appraisal_raises_the_mines_grade(world: World) -> None:
    client = login(world, "mine_a")
    url = reverse("registry:appraisal_add", args=[world.mine_a.pk])
    response = client.post(
        url,
        {
            "kind": "gas",
            "result": "high",
            "appraised_on": "2026-10-01",
            "reason": "2026年瓦斯等级鉴定",
        },
    )
    assert response.status_code == 302
    mine = Mine.objects.get(pk=world.mine_a.pk)
    assert mine.gas_grade == "high"
    # A later, lower appraisal does not lower it: 就高不就低 (002:36).
    client.post(
        url, {"kind": "gas", "result": "low", "appraised_on": "2026-11-01", "reason": "复测"}
    )
    assert Mine.objects.get(pk=world.mine_a.pk).gas_grade == "high"
    assert DisasterAppraisal.objects.filter(mine=world.mine_a).count() == 3
    bad = client.post(
        url, {"kind": "gas", "result": "medium", "appraised_on": "2026-11-01", "reason": "x"}
    )
    assert bad.status_code == 400


def test_rules_page_uses_the_same_rules(world: World) -> None:
    client = login(world, "mine_b")
    response = client.get(
        reverse("registry:rules"),
        {
            "kind": "new",
            "capacity": "100",
            "depth": "500",
            "gas_grade": "low",
            "hydro_type": "simple",
            "size": "medium",
        },
    )
    assert "不予核准" in response.content.decode()
    grade = client.get(
        reverse("registry:rules"), {"deaths": "10", "serious_injuries": "0", "direct_loss": "0"}
    )
    assert "重大事故" in grade.content.decode()
    assert client.get(reverse("registry:rules"), {"deaths": "-3"}).status_code == 400


def test_reg5_key_mine_flags_and_count_agree(world: World) -> None:
    mine = Mine.objects.get(pk=world.mine_b.pk)
    assert mine.key_flags() == ["private"]
    mine.hydro_type = "extreme"
    mine.declared_key_flags = ["integration"]
    mine.save()
    assert Mine.objects.get(pk=mine.pk).key_flags() == ["severe_disaster", "integration", "private"]
    by_query = set(Mine.objects.filter(Mine.key_mine_q()).values_list("pk", flat=True))
    by_python = {m.pk for m in Mine.objects.all() if m.key_flags()}
    assert by_query == by_python == {world.mine_b.pk, world.mine_c.pk}


def test_regulator_registers_an_enterprise_in_its_division(world: World) -> None:
    client = login(world, "regulator_y")
    response = client.post(
        reverse("registry:enterprise_add"),
        {
            "name": "新建煤业公司",
            "credit_code": "91140000MA0000NEW1",
            "ownership": "private",
            "division": world.county_y.pk,
            "reason": "新设企业",
        },
    )
    assert response.status_code == 302
    from minesafe.registry.models import Enterprise

    created = Enterprise.objects.get(credit_code="91140000MA0000NEW1")
    assert Enterprise.objects.restrict(world.users["regulator_y"]).filter(pk=created.pk).exists()
    assert (
        not Enterprise.objects.restrict(world.users["regulator_x"]).filter(pk=created.pk).exists()
    )
    assert login(world, "mine_a").get(reverse("registry:enterprise_add")).status_code == 403


def test_reg3_licence_edit_form_shows_the_stored_date_in_the_date_picker(world: World) -> None:
    """A browser date picker takes only ISO dates: the zh-Hans format (2026/01/02) would show an
    empty field and the edit would lose the stored expiry date."""
    licence = world.mine_a.licences.first()
    assert licence is not None
    client = login(world, "regulator_x")
    body = client.get(reverse("registry:licence_edit", args=[licence.pk])).content.decode()
    assert f'value="{licence.valid_until:%Y-%m-%d}"' in body


def test_error_pages_lead_back_to_the_home_page(world: World) -> None:
    """The "返回首页" link on the 403/404 pages is the home page (a mine user's own), not the county
    overview."""
    client = login(world, "mine_a")
    missing = client.get(reverse("registry:mine_detail", args=[world.mine_b.pk]))
    assert missing.status_code == 404
    assert f'href="{reverse("home")}">返回首页' in missing.content.decode()
    refused = client.get(reverse("user_list"))
    assert refused.status_code == 403
    assert f'href="{reverse("home")}">返回首页' in refused.content.decode()
