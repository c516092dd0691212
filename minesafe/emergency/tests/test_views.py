"""Pages and API of the evacuation orders: scoping (out of jurisdiction 404, no right 403), bad
input 400, the issue → confirm path (MON-8, EMG-2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.emergency.choices import CheckResult, TargetState
from minesafe.emergency.models import EvacuationOrder, OrderTarget, SpotCheck
from minesafe.emergency.testing import make_order, make_warning
from minesafe.testing import World


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


@pytest.fixture
def order(world: World) -> EvacuationOrder:
    now = timezone.now()
    return make_order([world.mine_a, world.mine_b], now - dt.timedelta(minutes=5))


def test_mine_b_cannot_see_or_confirm_mine_a_target(world: World, order: EvacuationOrder) -> None:
    target_a = OrderTarget.objects.get(order=order, mine=world.mine_a)
    client = _client(world, "mine_b")
    assert client.get(reverse("emergency:target_detail", args=[target_a.pk])).status_code == 404
    url = reverse("emergency:target_confirm", args=[target_a.pk])
    answer = client.post(url, {"people_out": 1, "people_remaining": 0})
    assert answer.status_code == 404
    api = client.post(
        f"/api/evacuation-targets/{target_a.pk}/steps/confirm/",
        {"people_out": 1, "people_remaining": 0},
        content_type="application/json",
    )
    assert api.status_code == 404
    page = client.get(reverse("emergency:order_detail", args=[order.pk]))
    assert page.status_code == 200
    assert world.mine_a.name not in page.content.decode()
    listing = client.get("/api/evacuation-orders/").json()
    targets = listing["results"][0]["targets"] if "results" in listing else listing[0]["targets"]
    assert {t["mine"] for t in targets} == {world.mine_b.pk}


def test_regulator_sees_but_cannot_confirm(world: World, order: EvacuationOrder) -> None:
    target_a = OrderTarget.objects.get(order=order, mine=world.mine_a)
    client = _client(world, "regulator_x")
    url = reverse("emergency:target_confirm", args=[target_a.pk])
    assert client.post(url, {"people_out": 1, "people_remaining": 0}).status_code == 403
    assert (
        _client(world, "regulator_y")
        .get(reverse("emergency:order_detail", args=[order.pk]))
        .status_code
        == 404
    )


def test_mon8_target_steps_refused_on_the_spine(world: World, order: EvacuationOrder) -> None:
    """The mine's steps on the workflow spine: out of jurisdiction 404, a role without the step
    403, a step the state does not allow 400 naming it; the history keeps who took it."""
    target = OrderTarget.objects.get(order=order, mine=world.mine_a)
    receive = reverse("emergency:target_receive", args=[target.pk])
    assert _client(world, "mine_b").post(receive).status_code == 404
    assert _client(world, "regulator_x").post(receive).status_code == 403
    mine = _client(world, "mine_a")
    assert mine.get(receive).status_code == 405
    assert mine.post(receive).status_code == 302
    again = mine.post(receive)
    assert again.status_code == 400 and "不能签收" in again.content.decode()
    row = target.events.get(step="receive")
    assert (row.user_id, row.from_state, row.to_state) == (
        world.users["mine_a"].pk,
        TargetState.ISSUED,
        TargetState.RECEIVED,
    )
    page = mine.get(reverse("emergency:target_detail", args=[target.pk])).content.decode()
    assert "已签收" in page and 'id="confirm-form"' in page
    api = f"/api/evacuation-targets/{target.pk}/steps/"
    by_hand = mine.post(api + "overdue/", {}, content_type="application/json")
    assert by_hand.status_code == 403  # the clock's step, nobody's to take
    unknown = mine.post(api + "fly/", {}, content_type="application/json")
    assert unknown.status_code == 400 and "step" in unknown.json()
    inspector = _client(world, "inspector")
    assert inspector.post(api + "receive/", {}, content_type="application/json").status_code == 403
    lift = reverse("emergency:order_lift", args=[order.pk])
    unexplained = _client(world, "regulator_x").post(lift, {"reason": ""})
    assert unexplained.status_code == 400
    assert not EvacuationOrder.objects.get(pk=order.pk).is_lifted


def test_mine_confirms_through_the_page(world: World, order: EvacuationOrder) -> None:
    target = OrderTarget.objects.get(order=order, mine=world.mine_a)
    client = _client(world, "mine_a")
    page = client.get(reverse("emergency:target_detail", args=[target.pk]))
    assert "确认撤离" in page.content.decode()
    url = reverse("emergency:target_confirm", args=[target.pk])
    bad = client.post(url, {"people_out": "-3", "people_remaining": "x"})
    assert bad.status_code == 400
    unlisted = client.post(url, {"people_out": 10, "people_remaining": 2})
    assert unlisted.status_code == 400 and "其余人员必须撤出" in unlisted.content.decode()
    ok = client.post(
        url, {"people_out": 10, "people_remaining": 1, "exemptions": "C1,李四,主排水泵房值守"}
    )
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.state == TargetState.CONFIRMED
    assert target.exemptions == [{"card": "C1", "name": "李四", "reason": "主排水泵房值守"}]
    # No positioning snapshot within the window: never "consistent".
    assert target.check_result == CheckResult.NO_DATA
    again = client.post(url, {"people_out": 10, "people_remaining": 0})
    assert again.status_code == 400


def test_issue_form_preselects_the_warning_mines(world: World) -> None:
    warning = make_warning([world.county_x], timezone.now())
    client = _client(world, "regulator_x")
    page = client.get(reverse("emergency:order_add"), {"warning": warning.pk})
    text = page.content.decode()
    assert page.status_code == 200 and "拟撤人煤矿 2 座" in text
    assert text.count("checked") >= 2 and world.mine_c.name not in text
    assert client.get(reverse("emergency:order_add"), {"warning": "abc"}).status_code == 200
    assert client.get(reverse("emergency:order_add"), {"case": "9" * 30}).status_code == 200
    deadline = timezone.localtime(timezone.now() + dt.timedelta(hours=1))
    answer = client.post(
        reverse("emergency:order_add") + f"?warning={warning.pk}",
        {
            "reason": "weather",
            "mines": [world.mine_a.pk],
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "scope": "whole",
            "text": "立即撤人",
        },
    )
    assert answer.status_code == 302
    order = EvacuationOrder.objects.get(warning=warning)
    assert order.targets.get().basis
    refused = client.post(
        reverse("emergency:order_add"),
        {
            "reason": "weather",
            "mines": [world.mine_c.pk],
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            "scope": "whole",
            "text": "立即撤人",
        },
    )
    assert refused.status_code == 400


def test_mine_staff_issue_only_for_own_mine_and_inspector_cannot_issue(world: World) -> None:
    assert _client(world, "inspector").get(reverse("emergency:order_add")).status_code == 403
    assert _client(world, "enterprise").get(reverse("emergency:order_add")).status_code == 403
    client = _client(world, "mine_a")
    page = client.get(reverse("emergency:order_add"))
    assert page.status_code == 200 and world.mine_b.name not in page.content.decode()


def test_spot_check_page_action_and_rights(world: World, order: EvacuationOrder) -> None:
    target = OrderTarget.objects.get(order=order, mine=world.mine_a)
    url = reverse("emergency:target_spot_check", args=[target.pk])
    assert _client(world, "mine_a").post(url, {}).status_code == 403
    client = _client(world, "inspector")
    assert client.post(url, {"method": "phone", "compliant": "maybe"}).status_code == 400
    ok = client.post(url, {"method": "phone", "compliant": "yes", "findings": "电话抽查调度室"})
    assert ok.status_code == 302 and SpotCheck.objects.filter(target=target).count() == 1


def test_api_issue_confirm_and_bad_bodies(world: World) -> None:
    reg = _client(world, "regulator_x")
    deadline = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    too_large = (
        f'{{"mines": [{2**70}], "reason": "other", "text": "撤人", "deadline": "{deadline}"}}'
    )
    for body in ("{", "[]", '{"mines": "x"}', '{"mines": [1], "reason": "nope"}', too_large):
        answer = reg.post("/api/evacuation-orders/", body, content_type="application/json")
        assert answer.status_code == 400, body
    created = reg.post(
        "/api/evacuation-orders/",
        {"mines": [world.mine_a.pk], "reason": "other", "text": "撤人", "deadline": deadline},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    target_id = created.json()["targets"][0]["id"]
    outside = reg.post(
        "/api/evacuation-orders/",
        {"mines": [world.mine_c.pk], "reason": "other", "text": "撤人", "deadline": deadline},
        content_type="application/json",
    )
    assert outside.status_code == 400
    mine = _client(world, "mine_a")
    confirm = f"/api/evacuation-targets/{target_id}/steps/confirm/"
    assert mine.post(confirm, "[]", content_type="application/json").status_code == 400
    done = mine.post(
        confirm, {"people_out": 30, "people_remaining": 0}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "confirmed"
    assert reg.post(confirm, {}, content_type="application/json").status_code == 403


def test_api_warning_and_affected_mines(world: World) -> None:
    reg = _client(world, "regulator_x")
    now = timezone.now()
    body = {
        "issuer": "甲县气象台",
        "kind": "rainstorm",
        "level": "red",
        "divisions": [world.county_x.pk],
        "valid_from": now.isoformat(),
        "valid_to": (now + dt.timedelta(hours=6)).isoformat(),
        "text": "红色暴雨预警",
    }
    created = reg.post("/api/weather-warnings/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    mines = reg.get(f"/api/weather-warnings/{pk}/affected-mines/").json()
    assert {m["mine"] for m in mines} == {world.mine_a.pk, world.mine_b.pk}
    foreign = dict(body, divisions=[world.county_y.pk])
    assert (
        reg.post("/api/weather-warnings/", foreign, content_type="application/json").status_code
        == 400
    )
    backwards = dict(body, valid_to=(now - dt.timedelta(hours=1)).isoformat())
    assert (
        reg.post("/api/weather-warnings/", backwards, content_type="application/json").status_code
        == 400
    )
    assert _client(world, "regulator_y").get(f"/api/weather-warnings/{pk}/").status_code == 404
    assert (
        _client(world, "mine_a")
        .post("/api/weather-warnings/", body, content_type="application/json")
        .status_code
        == 403
    )


def test_lists_answer_to_junk(world: World, order: EvacuationOrder) -> None:
    client = _client(world, "regulator_x")
    for name in ("order_list", "inbox", "warning_list", "notices"):
        for query in (
            {"state": "\u2603", "reason": "x", "q": "a" * 500, "page": "-1"},
            {"kind": "z", "level": "q", "show": "all"},
        ):
            assert client.get(reverse(f"emergency:{name}"), query).status_code == 200
    listing = client.get(reverse("emergency:order_list"))
    assert order.number in listing.content.decode()
    assert world.mine_c.name not in listing.content.decode()


def test_issue_form_from_an_alarm_case_preselects_its_mine(world: World) -> None:
    from minesafe.response.models import AlarmCase

    case = AlarmCase.objects.filter(mine=world.mine_a).first()
    assert case is not None
    client = _client(world, "regulator_x")
    text = client.get(reverse("emergency:order_add"), {"case": case.pk}).content.decode()
    assert f"报警处置 #{case.pk}" in text
    boxes = re.findall(r'<input type="checkbox" name="mines"[^>]*>', text)
    checked = [b for b in boxes if "checked" in b]
    assert len(checked) == 1 and f'value="{world.mine_a.pk}"' in checked[0]
    hidden = _client(world, "regulator_y").get(reverse("emergency:order_add"), {"case": case.pk})
    assert hidden.status_code == 200 and f"报警处置 #{case.pk}" not in hidden.content.decode()


def test_order_filters_are_the_same_on_the_page_and_the_api(world: World) -> None:
    """MON-8: one filter set decides which orders the list, its htmx refresh and the API show:
    by the state of the parts the user may see, by reason and by mine name."""
    now = timezone.now()
    confirmed = make_order([world.mine_a], now - dt.timedelta(hours=2))
    confirmed.targets.update(state=TargetState.CONFIRMED)
    waiting = make_order([world.mine_b], now - dt.timedelta(hours=1))
    client = _client(world, "regulator_x")
    ours = {confirmed.number, waiting.number}
    for query, expected in (
        ({"state": TargetState.CONFIRMED}, {confirmed.number}),
        ({"state": TargetState.ISSUED}, {waiting.number}),
        ({"q": world.mine_b.name}, {waiting.number}),
        ({}, ours),
    ):
        page = client.get(reverse("emergency:order_list"), query, HTTP_HX_REQUEST="true")
        shown = set(re.findall(r"CR\d{8}-\d{5}", page.content.decode()))
        api = client.get("/api/evacuation-orders/", query).json()
        rows = api["results"]
        assert shown & ours == expected, query
        assert {row["number"] for row in rows} == shown, query
    mine = _client(world, "mine_b").get("/api/evacuation-orders/", {"state": "confirmed"}).json()
    assert mine["results"] == []
    assert client.get("/api/evacuation-orders/", {"state": "\u2603"}).status_code == 400
