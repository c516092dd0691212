"""Factories of the video area for the shared test world (STYLE 14): a channel on the mine's
active face and a pending AI finding with a snapshot, so every video route has an object of
mine A to open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from minesafe.registry.choices import WorkingFaceStatus
from minesafe.registry.models import WorkingFace
from minesafe.video.choices import ChannelStatus, FindingKind, PlaceKind
from minesafe.video.models import VideoChannel, VideoFinding

#: The smallest PNG a browser shows (1×1 transparent pixel).
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def make_channel(mine: Any, code: str, **extra: Any) -> VideoChannel:
    """A channel of ``mine``; by default an online key-place channel that reported just now."""
    fields: dict[str, Any] = {
        "name": f"{code} 通道",
        "place_kind": PlaceKind.CENTRAL_SUBSTATION,
        "status": ChannelStatus.ONLINE,
        "last_heartbeat": timezone.now(),
        "retention_days": 30,
        **extra,
    }
    return VideoChannel.objects.create(mine=mine, code=code, **fields)


def make_finding(channel: VideoChannel, at: dt.datetime, **extra: Any) -> VideoFinding:
    fields: dict[str, Any] = {
        "kind": FindingKind.NO_HELMET,
        "confidence": Decimal("0.930"),
        **extra,
    }
    return VideoFinding.objects.create(mine=channel.mine, channel=channel, at=at, **fields)


def furnish(mine: Any, today: dt.date) -> None:
    """Give a mine a channel on its first active face and a pending finding with a snapshot."""
    face = (
        WorkingFace.objects.filter(mine=mine, status=WorkingFaceStatus.ACTIVE)
        .order_by("pk")
        .first()
    )
    if face is not None:
        kind = PlaceKind.LONGWALL_FACE if face.kind == "longwall" else PlaceKind.HEADING_FACE
        channel = make_channel(
            mine, "CH-001", name=f"{face.name}机头", place_kind=kind, working_face=face
        )
    else:
        channel = make_channel(mine, "CH-001")
    morning = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 30)))
    finding = make_finding(channel, morning)
    finding.snapshot.save("snapshot.png", ContentFile(PNG_1X1), save=True)
