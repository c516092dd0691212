"""REG-2: grades follow the appraisals (就高不就低); a direct edit is an override with a reason,
shown as 人工调整 on the dossier."""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from minesafe.registry.forms import MineForm
from minesafe.registry.models import MINE_REGISTER_FIELDS, Mine
from minesafe.testing import World


def edit_data(mine: Mine, **changes: Any) -> dict[str, Any]:
    data = {k: v for k, v in model_to_dict(mine, fields=MINE_REGISTER_FIELDS).items()}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(reason="核对档案", **changes)
    return data


def test_reg2_changing_a_grade_without_its_own_reason_is_refused(world: World) -> None:
    mine = world.mine_a
    form = MineForm(edit_data(mine, gas_grade="high"), instance=mine, user=world.users["admin"])
    assert not form.is_valid()
    assert "grade_override_reason" in form.errors


def test_reg2_an_unchanged_grade_needs_no_override_reason(world: World) -> None:
    mine = world.mine_a
    form = MineForm(edit_data(mine, depth=500), instance=mine, user=world.users["admin"])
    assert form.is_valid(), form.errors


def test_reg2_override_with_reason_is_shown_on_the_dossier(world: World) -> None:
    mine = world.mine_a  # its gas appraisal says low
    client = Client()
    client.force_login(world.users["regulator_x"])
    url = reverse("registry:mine_detail", args=[mine.pk])
    assert "人工调整" not in client.get(url).content.decode()
    response = client.post(
        reverse("registry:mine_edit", args=[mine.pk]),
        edit_data(mine, gas_grade="high", grade_override_reason="瓦斯涌出量实测超过鉴定值"),
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.gas_grade == "high"
    assert mine.grade_overrides() == ["gas_grade"]
    assert "人工调整：瓦斯涌出量实测超过鉴定值" in client.get(url).content.decode()


def test_reg2_appraisals_set_the_highest_grade(world: World) -> None:
    mine = world.mine_a
    mine.appraisals.create(kind="gas", result="outburst", appraised_on="2025-01-01")
    mine.appraisals.create(kind="gas", result="high", appraised_on="2026-01-01")
    mine.apply_appraisals()
    assert mine.gas_grade == "outburst"
    assert mine.grade_overrides() == []


def test_reg2_api_grade_edit_needs_the_override_reason(world: World) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world.users["regulator_x"])
    url = f"/api/mines/{world.mine_a.pk}/"
    refused = client.patch(url, {"gas_grade": "high"}, format="json")
    assert refused.status_code == 400
    assert "grade_override_reason" in refused.json()
    accepted = client.patch(
        url, {"gas_grade": "high", "grade_override_reason": "实测涌出量超限"}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["gas_grade"] == "high"
