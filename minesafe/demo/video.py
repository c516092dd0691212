"""Demo data of the video area for ``minesafe demo`` (MON-7): every working mine of the demo
county gets a channel register (faces and key places), with a few gaps a regulator should find:
an offline face at ``mine2``'s mine (work without video), a mine without a channel in its main
pump room, a faulty hoist camera, a channel keeping recordings too briefly, and a handful of
video-AI findings (pending, confirmed into a 三违, rejected). Idempotent.

The demo has no real video system, so :func:`tick` plays one: every minute it renews the
heartbeat of the demo channels that are online (codes starting ``DM-``), so coverage does not go
stale while the demo runs (``minesafe serve`` runs it with the other clocks).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minesafe.accounts.models import User
from minesafe.core.context import acting_as
from minesafe.demo.registry import COUNTY_CODE
from minesafe.localtime import local_date
from minesafe.registry.choices import MiningMethod, WorkingFaceKind, WorkingFaceStatus
from minesafe.registry.models import Mine, WorkingFace
from minesafe.video import rules, services
from minesafe.video.choices import ChannelStatus, FindingKind, PlaceKind
from minesafe.video.models import ChannelStatusChange, VideoChannel, VideoFinding

DEMO_PREFIX = "DM-"
KEY_PLACES = (
    (PlaceKind.MAIN_FAN, "1号主要通风机"),
    (PlaceKind.MAIN_FAN, "2号主要通风机"),
    (PlaceKind.HOIST, "主井提升机"),
    (PlaceKind.MAIN_BELT, "主斜井带式输送机"),
    (PlaceKind.CENTRAL_SUBSTATION, "中央变电所"),
    (PlaceKind.MAIN_PUMP_ROOM, "中央水泵房"),
    (PlaceKind.SHAFT_TOP, "副井口"),
    (PlaceKind.SHAFT_BOTTOM, "副井井底车场"),
)


def _working_mines() -> list[Mine]:
    policy = rules.policy_on(local_date())
    return list(
        Mine.objects.filter(
            county__code=COUNTY_CODE,
            status__in=sorted(policy.working_statuses),
            mining_method=MiningMethod.UNDERGROUND,
        ).order_by("code")
    )


def _register(mine: Mine, faces: list[WorkingFace], now: dt.datetime) -> list[VideoChannel]:
    """A mine's channels: two per longwall (head, tail), one per heading, and the key places."""
    rows: list[VideoChannel] = []

    def add(kind: str, name: str, face: WorkingFace | None = None, equipment: str = "") -> None:
        rows.append(
            VideoChannel(
                mine=mine,
                code=f"{DEMO_PREFIX}{len(rows) + 1:03d}",
                name=name,
                place_kind=kind,
                working_face=face,
                equipment=equipment,
                status=ChannelStatus.ONLINE,
                status_since=now - dt.timedelta(days=30),
                last_heartbeat=now,
                retention_days=30 if len(rows) % 3 else 90,
            )
        )

    for face in faces:
        if face.kind == WorkingFaceKind.LONGWALL:
            add(PlaceKind.LONGWALL_FACE, f"{face.name}机头", face)
            add(PlaceKind.LONGWALL_FACE, f"{face.name}机尾", face)
        else:
            add(PlaceKind.HEADING_FACE, f"{face.name}迎头", face)
    for kind, equipment in KEY_PLACES:
        add(kind, equipment, equipment=equipment)
    return rows


@dataclass
class _Gaps:
    offline_face: int = 0
    no_pump_channel: int = 0
    faulty: int = 0
    short_retention: int = 0


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the channel registers, their gaps and some AI findings, or leave existing ones alone."""
    if VideoChannel.objects.filter(mine__county__code=COUNTY_CODE).exists():
        return f"视频监控：已存在 {VideoChannel.objects.count()} 个通道，未重复载入"
    rng = random.Random(seed + 57)
    now = timezone.now()
    mines = _working_mines()
    if not mines:
        return "视频监控：演示县没有生产建设煤矿"
    faces: dict[int, list[WorkingFace]] = {}
    for face in WorkingFace.objects.filter(
        mine__in=mines, status=WorkingFaceStatus.ACTIVE
    ).order_by("kind", "name"):
        faces.setdefault(face.mine_id, []).append(face)
    # mine2's mine works a face without video; another mine if mine2's has no active face.
    mine2 = getattr(User.objects.filter(username="mine2").first(), "mine", None)
    mine1 = getattr(User.objects.filter(username="mine1").first(), "mine", None)
    with_faces = [m for m in mines if faces.get(m.pk) and m != mine1]
    target = mine2 if mine2 in with_faces else (with_faces or mines)[-1]
    others = [m for m in mines if m not in (target, mine1)]
    pump_gap = others[1] if len(others) > 1 else None
    hoist_fault = others[2] if len(others) > 2 else None
    short_keep = others[3] if len(others) > 3 else None
    gaps = _Gaps()
    channels: list[VideoChannel] = []
    for mine in mines:
        rows = _register(mine, faces.get(mine.pk, []), now)
        if mine == pump_gap:
            rows = [r for r in rows if r.place_kind != PlaceKind.MAIN_PUMP_ROOM]
            gaps.no_pump_channel += 1
        for row in rows:
            if (
                mine == target
                and row.working_face is not None
                and row.working_face == (faces.get(mine.pk) or [None])[0]
            ):
                row.status = ChannelStatus.OFFLINE
                row.status_since = now - dt.timedelta(hours=2, minutes=10)
                row.last_heartbeat = row.status_since
                gaps.offline_face += 1
            if mine == hoist_fault and row.place_kind == PlaceKind.HOIST:
                row.status = ChannelStatus.FAULT
                row.status_since = now - dt.timedelta(hours=5)
                row.last_heartbeat = now - dt.timedelta(minutes=1)
                gaps.faulty += 1
            if mine == short_keep and row.place_kind == PlaceKind.CENTRAL_SUBSTATION:
                row.retention_days = 15
                gaps.short_retention += 1
        channels += rows
    with transaction.atomic(), acting_as(None, reason="演示数据"):
        VideoChannel.objects.bulk_create(channels)
        ChannelStatusChange.objects.bulk_create(
            ChannelStatusChange(
                channel=c,
                old_status=ChannelStatus.ONLINE,
                new_status=c.status,
                at=c.status_since,
                via="heartbeat",
            )
            for c in channels
            if c.status != ChannelStatus.ONLINE
        )
        findings = _findings(rng, mines, target, now)
    return (
        f"视频监控：{len(mines)} 座煤矿 {len(channels)} 个通道；缺口：工作面离线 "
        f"{gaps.offline_face} 个通道（无视频作业）、无水泵房通道 {gaps.no_pump_channel} 矿、"
        f"提升机通道故障 {gaps.faulty} 个、录像保存不足 {gaps.short_retention} 个；"
        f"AI识别 {findings} 条"
    )


def _findings(rng: random.Random, mines: list[Mine], target: Mine, now: dt.datetime) -> int:
    """A few findings of the last days: pending, one confirmed into a 三违, one rejected."""
    picks = [target, *rng.sample(mines, min(3, len(mines)))]
    kinds = [
        FindingKind.NO_HELMET,
        FindingKind.RIDING_BELT,
        FindingKind.INTRUSION,
        FindingKind.BELT_DEVIATION,
        FindingKind.SMOKING,
        FindingKind.NO_HELMET,
    ]
    made: list[VideoFinding] = []
    for index, kind in enumerate(kinds):
        mine = picks[index % len(picks)]
        wanted = PlaceKind.MAIN_BELT if kind == FindingKind.BELT_DEVIATION else None
        channels = VideoChannel.objects.filter(mine=mine).order_by("code")
        channel = (channels.filter(place_kind=wanted).first() if wanted else None) or channels[
            index % max(1, channels.count())
        ]
        made.append(
            VideoFinding.objects.create(
                mine=mine,
                channel=channel,
                at=now - dt.timedelta(hours=rng.randint(2, 70), minutes=rng.randint(0, 59)),
                kind=kind,
                confidence=Decimal(rng.randint(780, 990)) / 1000,
            )
        )
    reviewer = (
        User.objects.filter(username="mine2").first()
        or User.objects.filter(mine=made[0].mine).first()
    )
    services.confirm_finding(
        made[0],
        reviewer,
        now - dt.timedelta(hours=1),
        note="回放核实属实，已对当事人批评教育",
        person_name="张海龙",
        team="综采一队",
    )
    services.reject_finding(
        made[2], reviewer, now - dt.timedelta(minutes=40), note="回放为巡检人员按规定进入，误识别"
    )
    return len(made)


@dataclass
class TickReport:
    renewed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"video_demo_heartbeats": self.renewed}


def tick(now: dt.datetime) -> TickReport:
    """Play the demo county's video system: renew the heartbeat of its online demo channels.

    Only channels the demo made (code prefix ``DM-``, demo county) are touched, and only those
    online: the demo's offline and faulty channels stay gaps.
    """
    renewed = VideoChannel.objects.filter(
        mine__county__code=COUNTY_CODE,
        code__startswith=DEMO_PREFIX,
        status=ChannelStatus.ONLINE,
    ).update(last_heartbeat=now)
    return TickReport(renewed)
