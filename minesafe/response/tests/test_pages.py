"""Pages and API of the graded response: the loop through forms and POSTs, "my alarms",
planned work, the unread badge, scoping and bad input (MON-4, issue 6 §1–§4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.monitoring.choices import AlarmLevel
from minesafe.monitoring.models import Alarm
from minesafe.response import worker
from minesafe.response.choices import CaseState
from minesafe.response.models import AlarmCase, PlannedWork
from minesafe.response.testing import make_alarm
from minesafe.testing import World


def client(world: World, persona: str) -> Client:
    c = Client()
    c.force_login(world.users[persona])
    return c


@pytest.fixture
def case(world: World) -> AlarmCase:
    AlarmCase.objects.update(state=CaseState.CLOSED, deadline=None)
    now = timezone.now()
    alarm = make_alarm(
        world.mine_a, now - dt.timedelta(minutes=1), level=AlarmLevel.II, point_code="PG-1"
    )
    worker.intake(now, worker.TickReport())
    return AlarmCase.objects.get(alarm=alarm)


def step(c: Client, case: AlarmCase, **data: object) -> object:
    return c.post(reverse("response:case_step", args=[case.pk]), data)


def test_mon4_loop_through_the_pages(world: World, case: AlarmCase) -> None:
    mine, regulator = client(world, "mine_a"), client(world, "regulator_x")
    page = mine.get(case.get_absolute_url()).content.decode()
    assert 'id="step-acknowledge"' in page and 'id="step-verify"' not in page
    assert step(mine, case, transition="acknowledge").status_code == 302
    refused = step(mine, case, transition="acknowledge")
    assert refused.status_code == 400 and "不能确认接警" in refused.content.decode()
    missing = step(mine, case, transition="dispose", measures="")
    assert missing.status_code == 400 and "须填写处置措施" in missing.content.decode()
    assert (
        step(
            mine,
            case,
            transition="dispose",
            measures="撤人断电",
            evacuated="8",
            power_cut_confirmed="on",
        ).status_code
        == 302
    )
    assert step(mine, case, transition="feedback", feedback="已恢复正常").status_code == 302
    assert step(mine, case, transition="verify").status_code == 403
    assert step(client(world, "enterprise"), case, transition="verify").status_code == 403
    assert step(client(world, "regulator_y"), case, transition="verify").status_code == 404
    assert step(regulator, case, transition="return").status_code == 400  # no reason
    # An inspector is government here as in every area: the level above a level II case.
    inspector = client(world, "inspector")
    assert step(inspector, case, transition="verify", reason="现场核实").status_code == 302
    page = regulator.get(case.get_absolute_url()).content.decode()
    assert 'id="step-close"' not in page and 'id="step-override_close"' in page
    active = step(regulator, case, transition="close")
    assert active.status_code == 400 and "报警尚未解除" in active.content.decode()
    Alarm.objects.filter(pk=case.alarm_id).update(closed_at=timezone.now())
    assert step(regulator, case, transition="close").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.evacuated == 8 and case.power_cut_confirmed
    page = regulator.get(case.get_absolute_url()).content.decode()
    assert "现场核实" in page and "处置时间线" in page
    bad = step(mine, case, transition="nonsense")
    assert bad.status_code == 400
    assert step(mine, case, transition="dispose", evacuated="-3").status_code == 400


def test_mon4_comment_and_assign_on_the_page(world: World, case: AlarmCase) -> None:
    mine = client(world, "mine_a")
    url = reverse("response:case_comment", args=[case.pk])
    assert mine.post(url, {"text": ""}).status_code == 400
    assert client(world, "inspector").post(url, {"text": "已关注"}).status_code == 302
    assign = reverse("response:case_assign", args=[case.pk])
    assert mine.post(assign, {"assignee": world.users["regulator_x"].pk}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == world.users["regulator_x"]
    assert mine.post(assign, {"assignee": world.users["mine_b"].pk}).status_code == 400
    assert "已关注" in mine.get(case.get_absolute_url()).content.decode()


def test_mon4_my_alarms_list_and_filters(world: World, case: AlarmCase) -> None:
    url = reverse("response:case_list")
    mine = client(world, "mine_a")
    assert f"#{case.pk}<" in mine.get(url, {"waiting": "me"}).content.decode()
    assert f"#{case.pk}<" in mine.get(url, {"level": "2", "state": "new"}).content.decode()
    assert f"#{case.pk}<" not in mine.get(url, {"overdue": "yes"}).content.decode()
    other = client(world, "mine_b").get(url).content.decode()
    assert f"#{case.pk}<" not in other and world.mine_a.name not in other
    city = client(world, "city").get(url, {"waiting": "me"}).content.decode()
    assert f"#{case.pk}<" not in city  # level II waits on the county, not the city
    assert client(world, "mine_a").get(url, {"level": "x"}).status_code == 200


def test_in_app_badge_and_mark_read(world: World, case: AlarmCase) -> None:
    mine = client(world, "mine_a")
    badge = mine.get(reverse("response:unread_badge")).content.decode()
    assert 'id="unread-count"' in badge and ">1<" in badge
    assert world.mine_a.name in mine.get(reverse("response:notifications")).content.decode()
    assert mine.post(reverse("response:notifications_read"), {"case": "x"}).status_code == 400
    mine.post(reverse("response:notifications_read"), {"case": str(case.pk)})
    assert "unread-count" not in mine.get(reverse("response:unread_badge")).content.decode()


def test_planned_work_declared_by_the_mine_only(world: World) -> None:
    mine = client(world, "mine_a")
    start = timezone.localtime() + dt.timedelta(hours=1)
    data = {
        "mine": world.mine_a.pk,
        "kind": "calibration",
        "points": "99010100000101MN*",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "甲烷传感器标校",
        "kinds": ["over_limit"],
    }
    assert mine.post(reverse("response:planned_add"), data).status_code == 302
    work = PlannedWork.objects.get(reason="甲烷传感器标校")
    assert work.declared_by and work.kinds == ["over_limit"]
    late = {**data, "starts_at": (start - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}
    response = mine.post(reverse("response:planned_add"), late)
    assert response.status_code == 400 and "提前申报" in response.content.decode()
    assert (
        mine.post(reverse("response:planned_add"), {**data, "mine": world.mine_b.pk}).status_code
        == 400
    )
    assert client(world, "regulator_x").get(reverse("response:planned_add")).status_code == 403
    listing = client(world, "regulator_x").get(reverse("response:planned_list")).content.decode()
    assert "甲烷传感器标校" in listing
    cancel = reverse("response:planned_cancel", args=[work.pk])
    assert mine.post(cancel, {"reason": ""}).status_code == 400
    assert mine.post(cancel, {"reason": "改期"}).status_code == 302
    work.refresh_from_db()
    assert work.cancelled_at is not None


def test_mon4_api_cases_steps_and_errors(world: World, case: AlarmCase) -> None:
    mine = client(world, "mine_a")
    listing = mine.get("/api/alarm-cases/").json()
    ids = (
        [row["id"] for row in listing["results"]]
        if "results" in listing
        else [row["id"] for row in listing]
    )
    assert case.pk in ids
    assert client(world, "regulator_y").get(f"/api/alarm-cases/{case.pk}/").status_code == 404
    url = f"/api/alarm-cases/{case.pk}/steps/"
    bad = mine.post(url + "fly/", {}, content_type="application/json")
    assert bad.status_code == 400 and "step" in bad.json()
    assert mine.post(url + "acknowledge/", "[]", content_type="application/json").status_code == 400
    assert mine.post(url + "acknowledge/", "{", content_type="application/json").status_code == 400
    ok = mine.post(url + "acknowledge/", {}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "acknowledged"
    again = mine.post(url + "acknowledge/", {}, content_type="application/json")
    assert again.status_code == 400 and "不能确认接警" in str(again.json())
    neg = mine.post(
        url + "dispose/", {"measures": "x", "evacuated": -1}, content_type="application/json"
    )
    assert neg.status_code == 400 and "evacuated" in neg.json()
    nomeasure = mine.post(url + "dispose/", {}, content_type="application/json")
    assert nomeasure.status_code == 400 and "measures" in nomeasure.json()
    outside = client(world, "regulator_y").post(
        url + "acknowledge/", {}, content_type="application/json"
    )
    assert outside.status_code == 404
    done = mine.post(url + "dispose/", {"measures": "撤人"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["measures"] == "撤人"
    mine.post(url + "feedback/", {"feedback": "已恢复"}, content_type="application/json")
    assert mine.post(url + "verify/", {}, content_type="application/json").status_code == 403
    regulator = client(world, "regulator_x")
    unexplained = regulator.post(url + "return/", {}, content_type="application/json")
    assert unexplained.status_code == 400 and "reason" in unexplained.json()
    history = regulator.get(f"/api/alarm-cases/{case.pk}/").json()["transitions"]
    assert [row["step"] for row in history][-3:] == ["acknowledge", "dispose", "feedback"]
    assert mine.post("/api/alarm-cases/", {}, content_type="application/json").status_code in (
        403,
        405,
    )
    comment = mine.post(
        f"/api/alarm-cases/{case.pk}/comment/", {"text": ""}, content_type="application/json"
    )
    assert comment.status_code == 400 and "text" in comment.json()


def test_planned_work_api(world: World) -> None:
    mine = client(world, "mine_a")
    start = timezone.now() + dt.timedelta(hours=1)
    body = {
        "mine": world.mine_a.pk,
        "kind": "maintenance",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
        "reason": "分站检修",
        "kinds": ["line_break"],
    }
    created = mine.post("/api/planned-work/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    wrong = mine.post(
        "/api/planned-work/", {**body, "kinds": ["nope"]}, content_type="application/json"
    )
    assert wrong.status_code == 400 and "kinds" in wrong.json()
    long = mine.post(
        "/api/planned-work/",
        {**body, "ends_at": (start + dt.timedelta(days=9)).isoformat()},
        content_type="application/json",
    )
    assert long.status_code == 400 and "ends_at" in long.json()
    other = mine.post(
        "/api/planned-work/", {**body, "mine": world.mine_b.pk}, content_type="application/json"
    )
    assert other.status_code == 400 and "mine" in other.json()
    regulator = client(world, "regulator_x")
    assert (
        regulator.post("/api/planned-work/", body, content_type="application/json").status_code
        == 403
    )
    cancel = mine.post(f"/api/planned-work/{pk}/cancel/", {}, content_type="application/json")
    assert cancel.status_code == 400 and "reason" in cancel.json()
    done = mine.post(
        f"/api/planned-work/{pk}/cancel/", {"reason": "取消"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["cancelled_at"]


def test_open_case_offers_an_evacuation_order_to_who_may_issue_one(
    world: World, case: AlarmCase
) -> None:
    """MON-8 / EMG-2: from an open alarm case, a regulator (or the mine itself) goes straight to
    the order form with the case as its cause; an inspector, who may not issue, sees no link."""
    link = f"{reverse('emergency:order_add')}?case={case.pk}"
    for persona, shown in (("regulator_x", True), ("mine_a", True), ("inspector", False)):
        page = client(world, persona).get(case.get_absolute_url()).content.decode()
        assert (link in page) is shown, persona
    form = client(world, "regulator_x").get(link)
    assert form.status_code == 200 and world.mine_a.name in form.content.decode()


def test_mon4_case_list_refresh_keeps_the_current_filters(world: World, case: AlarmCase) -> None:
    """The 30 s refresh of the case list (MON-4) asks for the filters the list shows now, not
    those the page first loaded with: the htmx fragment carries its own refresh URL."""
    import re

    url = reverse("response:case_list")
    mine = client(world, "mine_a")
    first = mine.get(url, {"state": "closed"}).content.decode()
    assert re.search(r'id="case-table"[^>]*hx-get="[^"]*state=closed', first)
    # The user picks another filter: htmx asks for the fragment with the new query.
    fragment = mine.get(url, {"state": "new", "level": "2"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    poller = re.search(r'<div id="case-table"[^>]*>', html)
    assert poller is not None, html[:300]
    tag = poller.group(0)
    assert 'hx-trigger="every 30s"' in tag and 'hx-swap="outerHTML"' in tag
    refresh = re.search(r'hx-get="([^"]*)"', tag)
    assert refresh is not None
    assert "state=new" in refresh.group(1) and "level=2" in refresh.group(1)
    assert "state=closed" not in refresh.group(1)
    assert f"#{case.pk}<" in html
    # The refresh itself answers the same filtered rows.
    again = mine.get(refresh.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    assert f"#{case.pk}<" in again.content.decode()
