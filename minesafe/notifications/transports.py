"""How a notification leaves the platform (STYLE 9; healthchecks ``hc/api/transports.py``).

A transport sends one :class:`~minesafe.notifications.models.Notification` or raises a typed
error: :class:`RetryableError` (the worker tries again with backoff) or :class:`PermanentError`
(recorded, never retried). Which transports exist comes from the ``MINESAFE_NOTIFICATIONS``
setting, read by :func:`configured`; tests pass their own (a local fake, or the real ones pointed
at a loopback server).
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail

from minesafe.notifications.choices import Channel

if TYPE_CHECKING:  # pragma: no cover
    from minesafe.notifications.models import Notification


class TransportError(Exception):
    """A notification could not be delivered."""


class RetryableError(TransportError):
    """Worth trying again later: a timeout, a refused connection, a 5xx, a busy gateway."""


class PermanentError(TransportError):
    """Trying again will not help: no address, a rejected recipient, a 4xx."""


class Transport:
    """Send one notification through one channel."""

    channel: str = ""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class InAppTransport(Transport):
    """The row is the message: the pages show it with an unread badge."""

    channel = Channel.IN_APP

    def send(self, notification: Notification) -> None:
        if notification.recipient_id is None and notification.organization_id is None:
            raise PermanentError("站内消息没有接收人")


class EmailTransport(Transport):
    """E-mail through Django's configured backend (console locally, SMTP in production,
    locmem in tests)."""

    channel = Channel.EMAIL

    def send(self, notification: Notification) -> None:
        if not notification.address:
            raise PermanentError("接收人没有电子邮箱")
        sender = getattr(settings, "DEFAULT_FROM_EMAIL", "minesafe@localhost")
        try:
            send_mail(notification.subject, notification.body, sender, [notification.address])
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"收件人被拒绝: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"邮件发送失败: {exc}") from exc


def post_json(url: str, payload: Mapping[str, Any], timeout: float, token: str = "") -> None:
    """POST JSON and classify the outcome: 2xx delivered, 4xx permanent, else retryable."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentError(f"HTTP {exc.code}") from exc
        raise RetryableError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise RetryableError(f"连接失败: {exc}") from exc


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """What a webhook receiver gets: the message, its topic and level, and the facts of the
    object it is about (for an alarm case: the case, its kind, point, state and opening time)."""
    return {
        "topic": notification.topic,
        "reason": notification.kind,
        "level": notification.level,
        "mine_code": notification.mine.code if notification.mine else "",
        "url": notification.url,
        "subject": notification.subject,
        "text": notification.body,
        **notification.data,
    }


@dataclass
class WebhookTransport(Transport):
    """A real HTTP POST of the notification as JSON to a configured URL."""

    url: str
    timeout: float = 5.0
    channel = Channel.WEBHOOK

    def send(self, notification: Notification) -> None:
        post_json(notification.address or self.url, webhook_payload(notification), self.timeout)


@dataclass
class SmsTransport(Transport):
    """An SMS gateway behind an HTTP endpoint: ``{"phone": ..., "text": ...}`` with a bearer
    token, the shape most provincial 短信平台 and cloud SMS relays accept."""

    gateway_url: str
    token: str = ""
    timeout: float = 5.0
    channel = Channel.SMS

    def send(self, notification: Notification) -> None:
        if not notification.address:
            raise PermanentError("接收人没有手机号")
        text = f"【煤矿安全监管】{notification.subject}"
        post_json(
            self.gateway_url,
            {"phone": notification.address, "text": text},
            self.timeout,
            self.token,
        )


@dataclass(frozen=True)
class TransportConfig:
    """The outbound endpoints (empty = that channel is off)."""

    webhook_url: str = ""
    sms_gateway_url: str = ""
    sms_token: str = ""
    timeout: float = 5.0


def transport_config(values: Mapping[str, Any]) -> TransportConfig:
    """Pure: the ``MINESAFE_NOTIFICATIONS`` setting (``WEBHOOK_URL``, ``SMS_GATEWAY_URL``,
    ``SMS_TOKEN``, ``TIMEOUT``) as a configuration."""
    return TransportConfig(
        webhook_url=str(values.get("WEBHOOK_URL") or "").strip(),
        sms_gateway_url=str(values.get("SMS_GATEWAY_URL") or "").strip(),
        sms_token=str(values.get("SMS_TOKEN") or "").strip(),
        timeout=float(values.get("TIMEOUT") or 5.0),
    )


def build(config: TransportConfig) -> dict[str, Transport]:
    """The transports a configuration enables; in-app and e-mail are always there."""
    out: dict[str, Transport] = {
        Channel.IN_APP: InAppTransport(),
        Channel.EMAIL: EmailTransport(),
    }
    if config.webhook_url:
        out[Channel.WEBHOOK] = WebhookTransport(config.webhook_url, config.timeout)
    if config.sms_gateway_url:
        out[Channel.SMS] = SmsTransport(config.sms_gateway_url, config.sms_token, config.timeout)
    return out


def current_config() -> TransportConfig:
    """This process's configuration, from the settings."""
    return transport_config(getattr(settings, "MINESAFE_NOTIFICATIONS", {}))


def configured() -> dict[str, Transport]:
    """The transports of this process's settings."""
    return build(current_config())
