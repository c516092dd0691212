"""Pages, exports and API of the hazard loop: scoping, bad input as field errors, the loop
through HTTP (HAZ-1, HAZ-2, §8, §9)."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minesafe.hazards.choices import HazardStatus
from minesafe.hazards.models import Hazard, HazardPhoto
from minesafe.hazards.testing import FIXES, TINY_PNG, make_hazard
from minesafe.registry.models import Mine
from minesafe.testing import World


def client_for(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def record_form(mine: Mine, **extra: str) -> dict[str, str]:
    return {
        "mine": str(mine.pk),
        "source": "mine_self_check",
        "found_at": "2026-11-20T09:30",
        "place": "1201运输顺槽",
        "profession": "mining",
        "description": "运输顺槽锚杆托盘松动",
        "finder": "张三",
        "signer": "张三",
        "grade": "general",
        **extra,
    }


def test_haz1_mine_records_a_hazard_through_the_page(world: World) -> None:
    client = client_for(world, "mine_a")
    response = client.post("/hazards/add/", record_form(world.mine_a))
    assert response.status_code == 302
    hazard = Hazard.objects.filter(description="运输顺槽锚杆托盘松动").get()
    assert hazard.recorded_by == "mine_a" and hazard.status == HazardStatus.REPORTED


def test_haz1_bad_input_is_a_field_error(world: World) -> None:
    client = client_for(world, "mine_a")
    cases = {
        "deadline": {**record_form(world.mine_a), "deadline": "2026-11-01"},
        "funds": {**record_form(world.mine_a), "funds": "-5"},
        "mine": {**record_form(world.mine_a), "mine": str(world.mine_c.pk)},
        "found_at": {**record_form(world.mine_a), "found_at": "yesterday"},
        "source": {**record_form(world.mine_a), "source": "inspectorate"},
    }
    for field, data in cases.items():
        response = client.post("/hazards/add/", data)
        assert response.status_code == 400, field
        assert field in response.context["form"].errors, (field, response.context["form"].errors)
    assert not Hazard.objects.filter(description="运输顺槽锚杆托盘松动").exists()


def test_haz1_wrong_or_oversized_upload_is_refused(world: World) -> None:
    client = client_for(world, "mine_a")
    hazard = make_hazard(world.mine_a)
    url = f"/hazards/{hazard.pk}/photos/add/"
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(url, {"image": fake, "stage": "found"})
    assert response.status_code == 400 and "JPEG或PNG" in response.content.decode()
    big = SimpleUploadedFile("big.png", TINY_PNG + b"\0" * (5 * 1024 * 1024), "image/png")
    response = client.post(url, {"image": big, "stage": "found"})
    assert response.status_code == 400 and "5MB" in response.content.decode()
    good = SimpleUploadedFile("ok.png", TINY_PNG, content_type="image/png")
    assert client.post(url, {"image": good, "stage": "found"}).status_code == 302
    photo = HazardPhoto.objects.filter(hazard=hazard).get()
    assert client.get(f"/hazards/photos/{photo.pk}/").content == TINY_PNG
    assert client_for(world, "regulator_y").get(f"/hazards/photos/{photo.pk}/").status_code == 404


def step_url(hazard: Hazard, name: str) -> str:
    return f"/hazards/{hazard.pk}/steps/{name}/"


def test_haz2_loop_through_the_pages_and_illegal_step_is_400(world: World) -> None:
    client, regulator = client_for(world, "mine_a"), client_for(world, "regulator_x")
    hazard = make_hazard(world.mine_a)
    assert client.get(f"/hazards/{hazard.pk}/").context["actions"] == []
    response = client.post(step_url(hazard, "start"))
    assert response.status_code == 400 and "不能开始整改" in response.content.decode()
    fixes = {**FIXES, "deadline": "2026-11-30"}
    assert client.post(f"/hazards/{hazard.pk}/fixes/", fixes).status_code == 302
    bad = {**fixes, "deadline": "2026-11-01", "funds": "-1"}
    response = client.post(f"/hazards/{hazard.pk}/fixes/", bad)
    assert response.status_code == 400
    assert {"deadline", "funds"} <= set(response.context["form"].errors)
    buttons = client.get(f"/hazards/{hazard.pk}/").context["actions"]
    assert [(b["name"], b["url"]) for b in buttons] == [("start", step_url(hazard, "start"))]
    assert client.get(step_url(hazard, "rectify")).status_code == 200  # the step's own page
    for step, extra in [("start", {}), ("rectify", {"evidence": "已处理"})]:
        assert client.post(step_url(hazard, step), extra).status_code == 302, step
    response = client.post(step_url(hazard, "start"))
    assert response.status_code == 400 and "不能开始整改" in response.content.decode()
    for step in ("verify", "close"):
        assert regulator.post(step_url(hazard, step)).status_code == 302, step
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED and hazard.verified_by == str(
        world.users["regulator_x"]
    )
    page = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert "验收通过" in page and "销号" in page and "已处理" in page


def rectified_hazard(world: World) -> Hazard:
    """A general hazard of mine A that its safety officer recorded rectified."""
    hazard = make_hazard(world.mine_a, fixes=FIXES)
    client = client_for(world, "mine_a")
    client.post(step_url(hazard, "start"))
    assert client.post(step_url(hazard, "rectify"), {"evidence": "已更换"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED
    return hazard


def test_haz2_step_pages_refuse_by_who_where_and_what(world: World) -> None:
    hazard = rectified_hazard(world)
    verify, send_back = step_url(hazard, "verify"), step_url(hazard, "send_back")
    assert client_for(world, "regulator_y").post(verify).status_code == 404  # other county
    assert client_for(world, "mine_b").post(verify).status_code == 404  # other mine
    assert client_for(world, "enterprise").post(verify).status_code == 403  # no right to handle
    own = client_for(world, "mine_a").post(verify)  # the rectifier verifying their own work
    assert own.status_code == 403
    regulator = client_for(world, "regulator_x")
    missing = regulator.post(send_back, {"reason": "  "})
    assert missing.status_code == 400 and "reason" in missing.context["form"].errors
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFIED
    assert regulator.post(send_back, {"reason": "托辊仍有异响"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING
    rectify = regulator.post(step_url(hazard, "rectify"), {"evidence": "x"})
    assert rectify.status_code == 403  # rectifying is the mine's own work


def test_haz2_rectified_needs_its_evidence(world: World) -> None:
    hazard = make_hazard(world.mine_a, fixes=FIXES)
    client = client_for(world, "mine_a")
    assert client.post(step_url(hazard, "start")).status_code == 302
    response = client.post(step_url(hazard, "rectify"), {"evidence": ""})
    assert response.status_code == 400 and "evidence" in response.context["form"].errors


def test_haz2_major_hazard_buttons_only_for_government(world: World) -> None:
    hazard = make_hazard(world.mine_a, situation="9(8)", fixes=FIXES)
    client = client_for(world, "mine_a")
    client.post(step_url(hazard, "start"))
    client.post(step_url(hazard, "rectify"), {"evidence": "已增设水泵"})
    assert client.get(f"/hazards/{hazard.pk}/").context["actions"] == []
    assert client.post(step_url(hazard, "verify")).status_code == 403
    inspector = client_for(world, "inspector")
    names = [b["name"] for b in inspector.get(f"/hazards/{hazard.pk}/").context["actions"]]
    assert names == ["verify", "send_back"]


def test_haz2_regulator_lists_major_and_board_shows_it(world: World) -> None:
    hazard = make_hazard(world.mine_a, situation="9(8)", description="主排水泵能力不足")
    regulator = client_for(world, "regulator_x")
    response = regulator.post(f"/hazards/{hazard.pk}/supervise/", {"listed_deadline": "2099-01-01"})
    assert response.status_code == 302
    assert "主排水泵能力不足" in regulator.get("/hazards/board/").content.decode()
    mine_user = client_for(world, "mine_a")
    assert mine_user.post(f"/hazards/{hazard.pk}/supervise/", {}).status_code == 403


def test_haz2_list_filters_and_export(world: World) -> None:
    make_hazard(world.mine_a, situation="14(1)", description="矿井单回路供电（筛选）")
    client = client_for(world, "regulator_x")
    response = client.get("/hazards/", {"grade": "major", "q": "筛选"})
    assert "矿井单回路供电（筛选）" in response.content.decode()
    response = client.get("/hazards/", {"grade": "general", "q": "筛选"}, HTTP_HX_REQUEST="true")
    assert "矿井单回路供电（筛选）" not in response.content.decode()
    export = client.get("/hazards/export.xlsx", {"q": "筛选"})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[2][:3] == ("序号", "隐患编号", "煤矿") and rows[3][6] == "矿井单回路供电（筛选）"


def test_haz2_pdf_notice_and_stats(world: World) -> None:
    hazard = make_hazard(world.mine_a, fixes=FIXES)
    client = client_for(world, "mine_a")
    pdf = client.get(f"/hazards/{hazard.pk}/notice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    stats = client.get("/hazards/stats/")
    assert stats.status_code == 200 and "charts-data" in stats.content.decode()


def test_api_scoping_create_and_transition(world: World) -> None:
    api = client_for(world, "mine_a")
    body = {
        "mine": world.mine_a.pk,
        "source": "mine_self_check",
        "found_at": "2026-11-20T09:30:00+08:00",
        "finder": "张三",
        "description": "掘进工作面风电闭锁装置失效",
        **{k: str(v) for k, v in FIXES.items()},
    }
    created = api.post("/api/hazards/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == HazardStatus.FIXES_COMPLETE
    steps = f"/api/hazards/{pk}/steps"
    bad = api.post(f"{steps}/close/", {}, content_type="application/json")
    assert bad.status_code == 400 and "不能销号" in json.dumps(bad.json(), ensure_ascii=False)
    ok = api.post(f"{steps}/start/", {}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == HazardStatus.RECTIFYING
    other = dict(body, mine=world.mine_c.pk)
    refused = api.post("/api/hazards/", json.dumps(other), content_type="application/json")
    assert refused.status_code == 400 and "mine" in refused.json()
    negative = dict(body, funds="-3")
    assert api.post("/api/hazards/", negative, content_type="application/json").status_code == 400
    assert client_for(world, "regulator_y").get(f"/api/hazards/{pk}/").status_code == 404
    listed = client_for(world, "enterprise").get("/api/hazards/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert all(r["mine"] in {world.mine_a.pk} for r in rows)


def test_api_suggest_endpoint(world: World) -> None:
    api = client_for(world, "inspector")
    response = api.post(
        "/api/hazards/suggest/",
        {"description": "瓦斯超限后继续作业，未撤出人员"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()[0]["code"] == "5(2)"
    assert api.post("/api/hazards/suggest/", {}, content_type="application/json").status_code == 400


def test_haz7_common_problems_of_the_month(world: World) -> None:
    from django.utils import timezone

    from minesafe.hazards.reports import common_problems

    now = timezone.now()
    for mine in (world.mine_a, world.mine_b):
        make_hazard(mine, situation="8(8)", description="风电闭锁失效", found_at=now, now=now)
    make_hazard(world.mine_c, situation="8(8)", description="风电闭锁失效", found_at=now, now=now)
    scoped = Hazard.objects.restrict(world.users["regulator_x"])
    rows = common_problems(scoped, timezone.localdate())
    row = next(r for r in rows if r["what"].startswith("第8(8)"))
    assert row["mines"] == 2 and row["n"] == 2  # mine C lies outside county X
    stats = client_for(world, "regulator_x").get("/hazards/stats/").content.decode()
    assert "本月共性问题" in stats and "第8(8)" in stats


def test_api_steps_refuse_by_who_where_and_what(world: World) -> None:
    hazard = rectified_hazard(world)
    steps = f"/api/hazards/{hazard.pk}/steps"

    def post(persona: str, name: str, body: dict[str, str] | None = None) -> Any:
        return client_for(world, persona).post(
            f"{steps}/{name}/", body or {}, content_type="application/json"
        )

    assert post("regulator_y", "verify").status_code == 404
    assert post("enterprise", "verify").status_code == 403
    own = post("mine_a", "verify")
    assert own.status_code == 403 and "整改完成的人不能再验收通过" in own.json()["detail"]
    missing = post("regulator_x", "send_back")
    assert missing.status_code == 400 and "reason" in missing.json()
    assert post("regulator_x", "no_such_step").status_code == 400
    assert post("mine_a", "complete_fixes").status_code == 400
    verified = post("regulator_x", "verify")
    assert verified.status_code == 200 and verified.json()["status"] == HazardStatus.VERIFIED
    history = client_for(world, "mine_a").get("/api/hazard-history/", {"hazard": hazard.pk})
    rows = history.json()["results"] if isinstance(history.json(), dict) else history.json()
    mine_rows = [r for r in rows if r["hazard"] == hazard.pk]
    rectify = next(r for r in mine_rows if r["step"] == "rectify")
    assert rectify["evidence"] == {"text": "已更换"} and rectify["to_state"] == "rectified"


def test_haz2_api_open_suggestion_holds_verify_until_rejected_with_a_reason(
    world: World,
) -> None:
    """Through the steps endpoint: a rectified hazard with an undecided major-hazard suggestion
    is not verified; rejecting the suggestion without a reason is refused, with one it frees
    the verification by someone other than the rectifier."""
    hazard = make_hazard(
        world.mine_a, description="掘进工作面风电闭锁装置失效，停风后仍能送电", fixes=FIXES
    )
    mine = client_for(world, "mine_a")
    steps = f"/api/hazards/{hazard.pk}/steps"
    assert mine.post(f"{steps}/start/", {}, content_type="application/json").status_code == 200
    body = {"evidence": "已修复"}
    assert mine.post(f"{steps}/rectify/", body, content_type="application/json").status_code == 200
    regulator = client_for(world, "regulator_x")
    held = regulator.post(f"{steps}/verify/", {}, content_type="application/json")
    assert held.status_code == 400 and "判定建议" in json.dumps(held.json(), ensure_ascii=False)
    for suggestion in hazard.suggestions.all():
        url = f"/api/hazard-suggestions/{suggestion.pk}/decide/"
        bare = regulator.post(url, {"accept": False}, content_type="application/json")
        assert bare.status_code == 400
        why = {"accept": False, "reason": "现场核查闭锁正常，系显示故障"}
        assert regulator.post(url, why, content_type="application/json").status_code == 200
    done = regulator.post(f"{steps}/verify/", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == HazardStatus.VERIFIED
