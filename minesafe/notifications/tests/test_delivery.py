"""End to end: an evacuation order and an overdue major hazard leave the platform through the
configured SMS gateway and webhook (a loopback HTTP server standing in for both), each attempt
in the delivery log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from minesafe.emergency.choices import OrderReason
from minesafe.emergency.models import EvacuationOrder
from minesafe.emergency.services import orders as emergency
from minesafe.hazards.testing import FIXES, make_hazard
from minesafe.hazards.worker import tick as hazard_tick
from minesafe.notifications import worker
from minesafe.notifications.choices import Channel, DeliveryStatus, Topic
from minesafe.notifications.models import DeliveryAttempt, Notification
from minesafe.notifications.testing import Receiver, loopback
from minesafe.testing import World

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 14, 0, tzinfo=SH)
PHONES = {"mine_a": "13900000001", "regulator_x": "13900000002"}


@pytest.fixture
def gateway(world: World, settings: Any) -> Iterator[str]:
    """The SMS gateway and the webhook on loopback, configured the way production is."""
    Notification.objects.all().delete()
    EvacuationOrder.objects.all().delete()
    for persona, phone in PHONES.items():
        world.users[persona].phone = phone
        world.users[persona].save()
    with loopback() as base:
        settings.MINESAFE_NOTIFICATIONS = {
            "WEBHOOK_URL": f"{base}/hook",
            "SMS_GATEWAY_URL": f"{base}/sms",
            "SMS_TOKEN": "t0k",
            "TIMEOUT": 2.0,
        }
        yield base


def _posted(path: str) -> list[dict[str, Any]]:
    return [body for p, body in zip(Receiver.paths, Receiver.bodies, strict=True) if p == path]


def test_an_evacuation_order_reaches_sms_and_the_webhook(world: World, gateway: str) -> None:
    order = emergency.issue_order(
        user=world.users["regulator_x"],
        mines=[world.mine_a],
        reason=OrderReason.OTHER,
        text="透水征兆，立即撤人",
        deadline=NOW + dt.timedelta(hours=1),
        now=NOW,
    )
    report = worker.tick(NOW)
    assert report.failed == 0 and report.sent >= 2
    sms = [b for b in _posted("/sms") if b["phone"] == PHONES["mine_a"]]
    assert len(sms) == 1 and order.number in sms[0]["text"]
    hooks = [b for b in _posted("/hook") if b["topic"] == Topic.EVACUATION]
    assert len(hooks) == 1 and hooks[0]["reason"] == "new_order"
    assert hooks[0]["mine_code"] == world.mine_a.code and order.number in hooks[0]["subject"]
    assert Receiver.auth[Receiver.paths.index("/sms")] == "Bearer t0k"
    row = Notification.objects.get(channel=Channel.SMS, recipient=world.users["mine_a"])
    assert row.status == DeliveryStatus.SENT
    attempt = DeliveryAttempt.objects.get(notification=row)
    assert attempt.outcome == DeliveryStatus.SENT and attempt.address == PHONES["mine_a"]
    assert worker.tick(NOW + dt.timedelta(minutes=1)).sent == 0  # sent once


def test_an_overdue_major_hazard_reaches_sms_and_the_webhook(world: World, gateway: str) -> None:
    fixes = {**FIXES, "deadline": dt.date(2026, 11, 25)}
    found = dt.datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    major = make_hazard(world.mine_a, situation="9(8)", fixes=fixes, found_at=found)
    Notification.objects.all().delete()  # the major report itself is not what this test is about
    later = dt.datetime(2026, 11, 27, 9, 0, tzinfo=SH)
    assert hazard_tick(later).overdue >= 1
    worker.tick(later)
    texts = {b["phone"]: b["text"] for b in _posted("/sms")}
    assert major.number in texts[PHONES["mine_a"]]  # the mine's own staff
    assert major.number in texts[PHONES["regulator_x"]]  # a member of the supervising bureau
    hooks = [b for b in _posted("/hook") if b["topic"] == Topic.HAZARD and b["reason"] == "overdue"]
    assert hooks and all(b["level"] == 2 for b in hooks)
    assert all(b["url"] == major.get_absolute_url() for b in hooks)
    failed = Notification.objects.filter(status=DeliveryStatus.FAILED)
    assert not failed.filter(channel__in=[Channel.SMS, Channel.WEBHOOK]).exists()


def test_a_gateway_outage_is_retried_and_logged(world: World, gateway: str) -> None:
    Receiver.codes = [503] * 10
    emergency.issue_order(
        user=world.users["regulator_x"],
        mines=[world.mine_a],
        reason=OrderReason.OTHER,
        text="立即撤人",
        deadline=NOW + dt.timedelta(hours=1),
        now=NOW,
    )
    report = worker.tick(NOW)
    assert report.retried >= 2 and report.sent == 0
    sms = Notification.objects.get(channel=Channel.SMS, recipient=world.users["mine_a"])
    assert sms.status == DeliveryStatus.RETRYING and "503" in sms.last_error
    Receiver.codes = []
    worker.tick(sms.next_attempt_at)
    outcomes = list(sms.log.order_by("at", "pk").values_list("outcome", flat=True))
    assert outcomes == [DeliveryStatus.RETRYING, DeliveryStatus.SENT]
