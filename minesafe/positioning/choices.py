"""Kinds of the positioning area with their Chinese labels (MON-5)."""

from django.db import models


class TrackKind(models.TextChoices):
    """What a trajectory point records about a card."""

    ENTER = "enter", "入井"
    MOVE = "move", "位置变化"
    EXIT = "exit", "出井"


class DescentSource(models.TextChoices):
    """Where a line of the descent register (三对应 source 1) came from."""

    MANUAL = "manual", "人工录入"
    IMPORT = "import", "文件导入"
    API = "api", "接口上报"
