"""Delivery through the transport interface: a local fake transport for the retry logic and
the delivery log, Django's locmem outbox for e-mail, and a tiny HTTP server on 127.0.0.1 as the
real receiver of the webhook and the SMS gateway."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from minesafe.monitoring.choices import AlarmLevel
from minesafe.notifications import rules, transports, worker
from minesafe.notifications.choices import Channel, DeliveryStatus
from minesafe.notifications.models import DeliveryAttempt, Notification
from minesafe.notifications.testing import Receiver, notes
from minesafe.response import worker as response_worker
from minesafe.response.choices import CaseState
from minesafe.response.models import AlarmCase
from minesafe.response.testing import make_alarm
from minesafe.testing import World

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SH)
TABLE = rules.policy(T0.date())


class FakeTransport(transports.Transport):
    """Fails as scripted, then succeeds; remembers what it was asked to send."""

    def __init__(self, channel: str, script: list[type[Exception] | None]) -> None:
        self.channel, self.script, self.sent = channel, list(script), []

    def send(self, notification: Notification) -> None:
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome("scripted")
        self.sent.append(notification.address)


@pytest.fixture(autouse=True)
def quiet_world(world: World) -> None:
    AlarmCase.objects.update(state=CaseState.CLOSED, deadline=None)
    world.users["mine_a"].email = "mine_a@example.test"
    world.users["mine_a"].save()


def open_case(world: World, level: int = AlarmLevel.III) -> AlarmCase:
    alarm = make_alarm(world.mine_a, T0, level=level, point_code=f"P-{level}")
    response_worker.intake(T0, response_worker.TickReport())  # cases and rows, nothing sent
    return AlarmCase.objects.get(alarm=alarm)


def emails(case: AlarmCase) -> list[Notification]:
    return list(notes(case).filter(channel=Channel.EMAIL))


def test_retryable_errors_are_retried_with_backoff_then_sent(world: World) -> None:
    case = open_case(world)
    note = emails(case)[0]
    fake = FakeTransport(Channel.EMAIL, [transports.RetryableError, transports.RetryableError])
    report = worker.tick(T0, transports={Channel.EMAIL: fake})
    assert report.retried == 1
    note.refresh_from_db()
    assert note.status == DeliveryStatus.RETRYING and note.attempts == 1
    assert note.next_attempt_at == T0 + dt.timedelta(
        seconds=TABLE["delivery"]["backoff_seconds"][0]
    )
    assert worker.tick(T0 + dt.timedelta(seconds=10), transports={Channel.EMAIL: fake}).retried == 0
    second = note.next_attempt_at
    worker.tick(second, transports={Channel.EMAIL: fake})
    note.refresh_from_db()
    assert note.attempts == 2 and note.status == DeliveryStatus.RETRYING
    worker.tick(note.next_attempt_at, transports={Channel.EMAIL: fake})
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and note.attempts == 3 and note.last_error == ""
    assert fake.sent == ["mine_a@example.test"]
    log = list(note.log.order_by("at", "pk").values_list("outcome", "error", "address"))
    assert log == [
        (DeliveryStatus.RETRYING, "scripted", "mine_a@example.test"),
        (DeliveryStatus.RETRYING, "scripted", "mine_a@example.test"),
        (DeliveryStatus.SENT, "", "mine_a@example.test"),
    ]


def test_permanent_errors_and_exhausted_retries_are_recorded(world: World) -> None:
    case = open_case(world)
    note = emails(case)[0]
    worker.tick(
        T0, transports={Channel.EMAIL: FakeTransport(Channel.EMAIL, [transports.PermanentError])}
    )
    note.refresh_from_db()
    assert note.status == DeliveryStatus.FAILED and note.last_error == "scripted"
    assert worker.tick(T0 + dt.timedelta(days=1), transports={}).failed == 0  # never again
    other = open_case(world, AlarmLevel.II)
    always = FakeTransport(Channel.EMAIL, [transports.RetryableError] * 100)
    now = T0
    for _ in range(TABLE["delivery"]["max_attempts"]):
        worker.tick(now, transports={Channel.EMAIL: always})
        now += dt.timedelta(hours=1)
    first = notes(other).get(channel=Channel.EMAIL, kind="opened")
    assert first.status == DeliveryStatus.FAILED and first.attempts == 5


def test_channel_without_transport_is_recorded_as_skipped(world: World) -> None:
    case = open_case(world)
    assert worker.tick(T0, transports={}).skipped == len(emails(case))
    assert emails(case)[0].status == DeliveryStatus.SKIPPED


def test_email_goes_through_djangos_backend(world: World, mailoutbox: list[Any]) -> None:
    case = open_case(world)
    worker.tick(T0, transports=transports.build(transports.TransportConfig()))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mine_a@example.test"]
    assert world.mine_a.name in mailoutbox[0].subject
    assert emails(case)[0].status == DeliveryStatus.SENT


def test_webhook_is_a_real_http_post_retried_on_5xx(
    world: World, receiver: str, settings: Any
) -> None:
    settings.MINESAFE_NOTIFICATIONS = {"WEBHOOK_URL": receiver}
    case = open_case(world)
    hook = notes(case).get(channel=Channel.WEBHOOK)
    Receiver.codes = [503]
    config = transports.transport_config({"WEBHOOK_URL": receiver})
    worker.tick(T0, transports=transports.build(config))
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.RETRYING and "503" in hook.last_error
    worker.tick(hook.next_attempt_at, transports=transports.build(config))
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.SENT
    body = Receiver.bodies[-1]
    assert body["case"] == case.pk and body["mine_code"] == world.mine_a.code
    assert body["topic"] == "alarm" and body["reason"] == "opened" and body["kind"] == case.kind


def test_webhook_4xx_is_permanent(world: World, receiver: str) -> None:
    Receiver.codes = [410]
    case = open_case(world)
    note = Notification.objects.create(
        topic="alarm",
        kind="opened",
        kind_label="新报警",
        mine=case.mine,
        recipient_label="Webhook",
        channel=Channel.WEBHOOK,
        address=receiver,
        level=3,
        subject="s",
        body="b",
        key="hook-410",
        next_attempt_at=T0,
    )
    worker.tick(T0, transports={Channel.WEBHOOK: transports.WebhookTransport(receiver)})
    note.refresh_from_db()
    assert note.status == DeliveryStatus.FAILED and "410" in note.last_error
    attempt = DeliveryAttempt.objects.get(notification=note)
    assert attempt.outcome == DeliveryStatus.FAILED and "410" in attempt.error


def test_sms_gateway_gets_phone_text_and_token(world: World, receiver: str) -> None:
    world.users["regulator_x"].phone = "13800000000"
    world.users["regulator_x"].save()
    case = open_case(world, AlarmLevel.II)
    sms = notes(case).get(channel=Channel.SMS)
    assert sms.address == "13800000000"
    config = transports.transport_config({"SMS_GATEWAY_URL": receiver, "SMS_TOKEN": "t0k"})
    worker.tick(T0, transports=transports.build(config))
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.SENT
    body = Receiver.bodies[-1]
    assert body["phone"] == "13800000000" and world.mine_a.name in body["text"]
    assert Receiver.auth[-1] == "Bearer t0k"


def test_unreachable_gateway_is_retryable() -> None:
    with pytest.raises(transports.RetryableError):
        transports.post_json("http://127.0.0.1:9/none", {}, timeout=1.0)
    assert transports.transport_config({}).webhook_url == ""
    assert set(transports.build(transports.TransportConfig())) == {Channel.IN_APP, Channel.EMAIL}


class ReentrantTransport(transports.Transport):
    """While sending, another worker runs the same delivery step: it must not send again."""

    channel = Channel.EMAIL

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(notification.pk)
        if len(self.sent) == 1:
            worker.deliver(T0, {Channel.EMAIL: self}, worker.TickReport())


def test_a_delivery_is_claimed_by_one_worker_only(world: World) -> None:
    case = open_case(world)
    reentrant = ReentrantTransport()
    worker.deliver(T0, {Channel.EMAIL: reentrant}, worker.TickReport())
    assert sorted(reentrant.sent) == sorted(n.pk for n in emails(case))
    assert len(reentrant.sent) == len(set(reentrant.sent))
