"""Channels, delivery outcomes, topics and levels of notifications, with Chinese labels."""

from django.db import models


class Channel(models.TextChoices):
    """How a notification travels."""

    IN_APP = "in_app", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WEBHOOK = "webhook", "Webhook"


#: Channels a user may switch on or off per topic (in-app is the record and always kept; the
#: webhook is the platform's, not a person's).
PERSONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class DeliveryStatus(models.TextChoices):
    """Where a notification's delivery stands; also the outcome of one attempt."""

    PENDING = "pending", "待发送"
    RETRYING = "retrying", "重试中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "未配置"


STATUS_COLORS = {
    DeliveryStatus.PENDING: "blue",
    DeliveryStatus.RETRYING: "orange",
    DeliveryStatus.SENT: "green",
    DeliveryStatus.FAILED: "red",
    DeliveryStatus.SKIPPED: "grey",
}


class Topic(models.TextChoices):
    """What a notification is about: the area that sends it (preferences are per topic)."""

    ALARM = "alarm", "报警处置"
    HAZARD = "hazard", "隐患排查治理"
    EVACUATION = "evacuation", "应急撤人"
    INSPECTION = "inspection", "监管执法"
    SELF_INSPECTION = "self_inspection", "自查自改"


class Level(models.IntegerChoices):
    """How urgent: I (most severe) … IV, the graded levels the alarm response uses (MON-4)."""

    I = 1, "I级"  # noqa: E741 - the regulation's own numeral
    II = 2, "II级"
    III = 3, "III级"
    IV = 4, "IV级"


class Reach(models.IntegerChoices):
    """A user's preference for one channel and topic: from which level on they want it."""

    NEVER = 0, "不接收"
    I = 1, "仅I级"  # noqa: E741 - the regulation's own numeral
    II = 2, "II级及以上"
    III = 3, "III级及以上"
    ALL = 4, "全部等级"
