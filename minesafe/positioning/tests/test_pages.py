"""Pages of the positioning area (issue 6 §5; MON-5, PER-7): overview, mine page, card page,
the mine staff's entries, scoping and bad input."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minesafe.positioning.models import DescentRecord, Presence, WellheadDisplay
from minesafe.positioning.testing import make_descent, make_display, make_snapshot

pytestmark = pytest.mark.django_db


def client_for(world: Any, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def busy_mine(world: Any, now: dt.datetime) -> None:
    """Mine A now: 3 people in an area approved for 2, one overtime, one with two cards, no
    leader; the register misses one person and the display lists a stranger."""
    world.mine_a.approved_underground_headcount = 2
    world.mine_a.save()
    area = {"area_code": "A9", "area_name": "8101综采工作面", "area_approved": 2}
    people = [
        {"card": "p1", "name": "王伟", "identity": "ID1", **area},
        {"card": "p2", "name": "王伟", "identity": "ID1", **area},
        {"card": "p3", "name": "李强", "entered_at": now - dt.timedelta(hours=11), **area},
    ]
    make_snapshot(world.mine_a, now - dt.timedelta(seconds=30), people)
    make_descent(world.mine_a, "王伟", now - dt.timedelta(hours=1))
    make_descent(world.mine_a, "王伟", now - dt.timedelta(hours=1))
    make_display(world.mine_a, now - dt.timedelta(minutes=5), 3, ["王伟", "王伟", "赵军"])


def test_overview_shows_mines_in_jurisdiction_only(world: Any) -> None:
    busy_mine(world, timezone.now())
    page = client_for(world, "regulator_x").get(reverse("positioning:index"))
    text = page.content.decode()
    assert page.status_code == 200
    assert world.mine_a.name in text and world.mine_b.name in text
    assert world.mine_c.name not in text
    assert "超员" in text and "无数据" in text
    mine_b_view = client_for(world, "mine_b").get(reverse("positioning:index")).content.decode()
    assert world.mine_a.name not in mine_b_view


def test_overview_attention_filter(world: Any) -> None:
    busy_mine(world, timezone.now())
    page = client_for(world, "regulator_x").get(reverse("positioning:index") + "?attention=1")
    text = page.content.decode()
    assert world.mine_a.name in text and world.mine_b.name not in text


def test_mine_page_shows_limits_overtime_cards_and_correspondence(world: Any) -> None:
    """PER-7 over-staffing, overtime, several cards, no leader, 三对应 disagreements (MON-5)."""
    busy_mine(world, timezone.now())
    page = client_for(world, "regulator_x").get(
        reverse("positioning:detail", args=[world.mine_a.pk])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "超员" in text and "超时" in text and "一人多卡" in text
    assert "无领导带班" in text
    assert "赵军" in text and "李强" in text  # display stranger; not in register
    assert "人数一致，人员不符" in text or "人数不一致" in text
    assert "登记入井人员" not in text  # regulators read, mine staff enter
    filtered = client_for(world, "mine_a").get(
        reverse("positioning:detail", args=[world.mine_a.pk]) + "?area=NOPE"
    )
    assert filtered.status_code == 200 and "登记入井人员" in filtered.content.decode()


def test_mine_page_out_of_jurisdiction_is_404(world: Any) -> None:
    url = reverse("positioning:detail", args=[world.mine_a.pk])
    assert client_for(world, "mine_b").get(url).status_code == 404
    assert client_for(world, "regulator_y").get(url).status_code == 404


def test_card_page_shows_the_stay(world: Any) -> None:
    now = timezone.now()
    base = {"card": "t1", "name": "张磊", "area_name": "井底车场", "area_code": "B1"}
    make_snapshot(world.mine_a, now - dt.timedelta(minutes=3), [base])
    make_snapshot(world.mine_a, now - dt.timedelta(minutes=2),
                  [{**base, "area_code": "B2", "area_name": "运输大巷"}])  # fmt: skip
    presence = Presence.objects.get(mine=world.mine_a, card="t1")
    client = client_for(world, "regulator_x")
    page = client.get(reverse("positioning:card", args=[presence.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "井底车场" in text and "运输大巷" in text
    assert (
        client.get(reverse("positioning:card", args=[presence.pk]) + "?stay=x").status_code == 400
    )
    assert (
        client.get(reverse("positioning:card", args=[presence.pk]) + "?stay=999999").status_code
        == 200
    )
    assert (
        client_for(world, "mine_b").get(reverse("positioning:card", args=[presence.pk])).status_code
        == 404
    )


def test_mine_staff_add_descent_and_display(world: Any) -> None:
    client = client_for(world, "mine_a")
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    url = reverse("positioning:descent_add", args=[world.mine_a.pk])
    response = client.post(url, {"name": "周涛", "card": "", "went_down_at": when})
    assert response.status_code == 302
    assert DescentRecord.objects.filter(mine=world.mine_a, name="周涛").exists()
    url = reverse("positioning:display_add", args=[world.mine_a.pk])
    ok = client.post(url, {"at": when, "count": "2", "names_text": "周涛、王伟"})
    assert ok.status_code == 302
    assert WellheadDisplay.objects.filter(mine=world.mine_a, names=["周涛", "王伟"]).exists()
    bad = client.post(url, {"at": when, "count": "3", "names_text": "周涛"})
    assert bad.status_code == 400
    assert client.post(url, {"at": "yesterday", "count": "-1"}).status_code == 400


def test_regulator_may_not_enter_and_other_mine_gets_404(world: Any) -> None:
    url = reverse("positioning:descent_add", args=[world.mine_a.pk])
    assert client_for(world, "regulator_x").post(url, {}).status_code == 403
    assert client_for(world, "mine_b").post(url, {}).status_code == 404


def test_descent_edit_records_the_return(world: Any) -> None:
    record = make_descent(world.mine_a, "周涛", timezone.now() - dt.timedelta(hours=2))
    url = reverse("positioning:descent_edit", args=[record.pk])
    down = timezone.localtime(record.went_down_at).strftime("%Y-%m-%dT%H:%M")
    up = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    earlier = (timezone.localtime(record.went_down_at) - dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    client = client_for(world, "mine_a")
    assert (
        client.post(url, {"name": "周涛", "went_down_at": down, "came_up_at": earlier}).status_code
        == 400
    )
    response = client.post(url, {"name": "周涛", "went_down_at": down, "came_up_at": up})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.came_up_at is not None


def test_import_keeps_good_rows_and_reports_bad_ones(world: Any) -> None:
    client = client_for(world, "mine_a")
    url = reverse("positioning:descent_import", args=[world.mine_a.pk])
    assert client.get(url).status_code == 200
    text = (
        "姓名,定位卡号,入井时间,出井时间\n"
        "周涛,c9,2026-11-20 08:05,2026-11-20 15:40\n"
        ",c8,2026-11-20 08:05,\n"
        "吴军,,昨天,\n"
        "郑明,,2026-11-20 08:10,2026-11-20 07:00\n"
    )
    upload = io.BytesIO(text.encode("gb18030"))
    upload.name = "register.csv"
    response = client.post(url, {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert DescentRecord.objects.filter(mine=world.mine_a, name="周涛", card="c9").exists()
    assert "已导入 <strong>1</strong> 行" in body
    for row in ("3", "4", "5"):
        assert f"<td>{row}</td>" in body
    book = openpyxl.Workbook()
    book.active.append(["姓名", "入井时间"])
    book.active.append(["孙波", dt.datetime(2026, 11, 20, 8, 0)])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "register.xlsx"
    assert client.post(url, {"file": data}).status_code == 200
    assert DescentRecord.objects.filter(mine=world.mine_a, name="孙波").exists()
    junk = io.BytesIO(b"PK\x03\x04broken")
    junk.name = "register.xlsx"
    assert client.post(url, {"file": junk}).status_code == 400
    wrong = io.BytesIO(b"x")
    wrong.name = "register.txt"
    assert client.post(url, {"file": wrong}).status_code == 400


def test_stale_mine_shows_the_last_picture_not_zero(world: Any) -> None:
    """No data is not zero: the count is unknown, the last picture is shown with its time."""
    old = timezone.now() - dt.timedelta(hours=2)
    make_snapshot(world.mine_a, old, [{"card": "s1", "name": "钱坤"}])
    url = reverse("positioning:detail", args=[world.mine_a.pk])
    text = client_for(world, "regulator_x").get(url).content.decode()
    assert "数据中断" in text and "钱坤" in text and "无数据" in text
