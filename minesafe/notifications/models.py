"""Notifications of every area: one message to one recipient through one channel, its delivery
attempts, and each person's channel preferences.

A recipient is a user or an organisation (its members read the organisation's in-app row). The
row says what it is about (any object, through a content type) and for which mine, so pages of an
area find the notifications of their objects without a foreign key into each area.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from minesafe.core.models import BaseModel
from minesafe.core.scoping import Access
from minesafe.notifications.choices import (
    STATUS_COLORS,
    Channel,
    DeliveryStatus,
    Level,
    Reach,
    Topic,
)


def own_notifications(user: Any, prefix: str = "") -> Q:
    """A person's notifications: addressed to them or to their organisation (administrators see
    every row through ``restrict``)."""
    query = Q(**{f"{prefix}recipient_id": user.pk})
    if getattr(user, "organization_id", None):
        query |= Q(**{f"{prefix}organization_id": user.organization_id})
    return query


class Notification(BaseModel):
    """One message to one recipient through one channel, with its delivery state.

    In-app rows are the message itself (delivered by being stored); the others are sent by the
    worker through a transport and retried with backoff on retryable errors. ``key`` makes a
    repeat of the same message (another worker, a retry of the area's step) write nothing.
    """

    topic = models.CharField("主题", max_length=20, choices=Topic.choices, db_index=True)
    kind = models.CharField("类型", max_length=30)
    kind_label = models.CharField("类型名称", max_length=60)
    level = models.PositiveSmallIntegerField("等级", choices=Level.choices)
    mine = models.ForeignKey(
        "registry.Mine",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="煤矿",
    )
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    url = models.CharField("链接", max_length=300, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收单位",
    )
    recipient_label = models.CharField("接收方", max_length=150)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    address = models.CharField("地址", max_length=300, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    #: Facts of the object for a webhook receiver (the alarm case's kind, point, state …).
    data = models.JSONField("附加数据", default=dict, blank=True)
    status = models.CharField(
        "发送状态",
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    last_error = models.TextField("错误", blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    key = models.CharField("去重标识", max_length=200, unique=True)
    #: When the area decided to notify (its injected clock, not the row's insertion time).
    at = models.DateTimeField("通知时间", default=timezone.now, db_index=True)

    access: ClassVar[Access] = Access(mine_field=None, scope=own_notifications)
    audit_exclude = BaseModel.audit_exclude | {"body", "data"}

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["about_type", "about_id"], name="notification_about_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
        ]
        verbose_name = "通知"
        verbose_name_plural = "通知"

    def __str__(self) -> str:
        return self.subject

    def audit_mine_id(self) -> int | None:
        return self.mine_id

    @property
    def status_color(self) -> str:
        return STATUS_COLORS.get(DeliveryStatus(self.status), "grey")


class DeliveryAttempt(BaseModel):
    """One try to deliver a notification through a transport: where to, how it ended, why it
    failed. The delivery log a person sees for their notifications and an administrator for
    all."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="log", verbose_name="通知"
    )
    at = models.DateTimeField("时间", db_index=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    address = models.CharField("地址", max_length=300, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=DeliveryStatus.choices)
    error = models.TextField("错误", blank=True)

    access: ClassVar[Access] = Access(
        mine_field=None, scope=lambda user: own_notifications(user, "notification__")
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "发送记录"
        verbose_name_plural = "发送记录"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_outcome_display()}"

    @property
    def outcome_color(self) -> str:
        return STATUS_COLORS.get(DeliveryStatus(self.outcome), "grey")


class Preference(BaseModel):
    """From which level on a person wants one topic through one channel (e-mail, SMS); without
    a row the level's default channels apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name="用户",
    )
    topic = models.CharField("主题", max_length=20, choices=Topic.choices)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    reach = models.PositiveSmallIntegerField("接收等级", choices=Reach.choices)

    access: ClassVar[Access] = Access(mine_field=None, scope=lambda user: Q(user_id=user.pk))

    class Meta:
        ordering = ["user", "topic", "channel"]
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic", "channel"], name="notification_preference_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} {self.get_channel_display()} {self.get_reach_display()}"
