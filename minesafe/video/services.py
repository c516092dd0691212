"""The database side of video coverage (MON-7): facts for the pure rules, heartbeat ingest and
the review of AI findings. Every query that starts from a user goes through ``restrict``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from minesafe.core.context import audit_reason
from minesafe.core.signals import BulkChange, log_bulk
from minesafe.localtime import local_date
from minesafe.registry.choices import WorkingFaceStatus
from minesafe.registry.models import Mine, WorkingFace
from minesafe.video import rules
from minesafe.video.choices import VIOLATION_KIND_OF, ChannelStatus, FindingState
from minesafe.video.models import HEARTBEAT, ChannelStatusChange, VideoChannel, VideoFinding
from minesafe.violations.choices import Severity, ViolationSource
from minesafe.violations.services import record_violation

logger = logging.getLogger(__name__)

#: Rows in one heartbeat batch; a video platform reports a few hundred channels per mine.
MAX_BATCH = 2000


# ------------------------------------------------------------------------------ coverage facts


@dataclass(frozen=True)
class MineCoverage:
    """One mine and its assessment (a row of the county overview)."""

    mine: Mine
    assessment: rules.Assessment
    channels: list[VideoChannel] = field(default_factory=list)


def _channel_fact(channel: VideoChannel) -> rules.Channel:
    return rules.Channel(
        code=channel.code,
        place_kind=channel.place_kind,
        status=channel.status,
        last_heartbeat=channel.last_heartbeat,
        face_id=channel.working_face_id,
        equipment=channel.equipment,
        retention_days=channel.retention_days,
    )


def _face_fact(face: WorkingFace) -> rules.Face:
    return rules.Face(
        id=face.pk,
        name=face.name,
        kind=face.kind,
        active=face.status == WorkingFaceStatus.ACTIVE,
    )


def people_at_faces(mine: Mine, now: dt.datetime) -> dict[int, int] | None:
    """People now at each working face, from the positioning area (MON-5), or None when it
    has no fresh picture of the mine. Optional: coverage never depends on it (MON-7)."""
    try:
        from minesafe.positioning.services import mine_status

        status = mine_status(mine, now)
        if status.stale:
            return None
        return {int(face.pk): int(face.count) for face in status.faces}
    except Exception:  # an optional enrichment must never break the coverage pages
        logger.exception("video: people at faces of mine %s unavailable", mine.pk)
        return None


def _with_people(faces: list[rules.Face], people: dict[int, int] | None) -> list[rules.Face]:
    if people is None:
        return faces
    return [rules.Face(f.id, f.name, f.kind, f.active, people.get(f.id, 0)) for f in faces]


def _judge(
    mine: Mine,
    faces: list[rules.Face],
    channels: list[rules.Channel],
    now: dt.datetime,
    policy: rules.Policy,
) -> rules.Assessment:
    return rules.assess(
        mine_status=mine.status,
        mining_method=mine.mining_method,
        faces=faces,
        channels=channels,
        now=now,
        policy=policy,
    )


def coverage_of(mines: Iterable[Mine], now: dt.datetime) -> list[MineCoverage]:
    """Assess every mine given (already restricted by the caller) in three queries."""
    mines = list(mines)
    ids = [m.pk for m in mines]
    policy = rules.policy_on(local_date(now))
    faces: dict[int, list[WorkingFace]] = {}
    for face in WorkingFace.objects.filter(mine_id__in=ids).order_by("pk"):
        faces.setdefault(face.mine_id, []).append(face)
    channels: dict[int, list[VideoChannel]] = {}
    for channel in (
        VideoChannel.objects.filter(mine_id__in=ids)
        .select_related("working_face")
        .order_by("place_kind", "code")
    ):
        channels.setdefault(channel.mine_id, []).append(channel)
    out = []
    for mine in mines:
        own = channels.get(mine.pk, [])
        face_facts = [_face_fact(f) for f in faces.get(mine.pk, [])]
        channel_facts = [_channel_fact(c) for c in own]

        assessment = _judge(mine, face_facts, channel_facts, now, policy)
        if assessment.work_without_video:  # rare: only then ask positioning who is there
            people = people_at_faces(mine, now)
            if people is not None:
                assessment = _judge(
                    mine, _with_people(face_facts, people), channel_facts, now, policy
                )
        out.append(MineCoverage(mine, assessment, own))
    return out


# ---------------------------------------------------------------------------- heartbeat ingest


@dataclass
class HeartbeatResult:
    """What a batch did: rows applied, rows older than what is stored, and bad rows by index."""

    applied: int = 0
    ignored_older: int = 0
    status_changes: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "ignored_older": self.ignored_older,
            "status_changes": self.status_changes,
            "errors": self.errors,
        }


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _parse_at(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or "\x00" in value:
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def ingest_heartbeats(user: Any, rows: Sequence[Any], now: dt.datetime) -> HeartbeatResult:
    """Apply a batch of ``{channel, status, at[, mine]}`` from a mine's video system.

    Channels are looked up among those the caller may report for (mine staff and their system
    token: their own mine only), so another mine's channel code is simply unknown. Bad rows are
    reported by index and skipped; good rows are applied in one transaction. A heartbeat older
    than the stored one changes nothing (batches may arrive out of order after an outage).
    """
    result = HeartbeatResult()
    policy = rules.policy_on(local_date(now))
    allowed = VideoChannel.objects.restrict(user, HEARTBEAT)
    parsed: list[tuple[int, str, str, str, dt.datetime]] = []
    for index, row in enumerate(rows):
        errors: dict[str, str] = {}
        if not isinstance(row, dict):
            result.errors.append({"index": index, "errors": {"row": "每行须为对象"}})
            continue
        code, status, mine_code = (
            _text(row.get("channel")),
            _text(row.get("status")),
            _text(row.get("mine")),
        )
        at = _parse_at(row.get("at"))
        if not code:
            errors["channel"] = "缺少通道编码"
        if status not in ChannelStatus.values:
            errors["status"] = f"状态须为 {'/'.join(ChannelStatus.values)}"
        if at is None:
            errors["at"] = "时间无法解析（ISO 8601，例如 2026-11-23T08:00:00+08:00）"
        elif rules.heartbeat_too_new(at, now, policy.future_tolerance):
            errors["at"] = "时间晚于服务器时间"
        if errors:
            result.errors.append({"index": index, "errors": errors})
            continue
        assert at is not None
        parsed.append((index, code, mine_code, status, at))

    codes = {code for _, code, _, _, _ in parsed}
    found: dict[str, list[VideoChannel]] = {}
    for channel in allowed.filter(code__in=codes).select_related("mine"):
        found.setdefault(channel.code, []).append(channel)

    touched: dict[int, VideoChannel] = {}
    changed: dict[int, VideoChannel] = {}
    changes: list[ChannelStatusChange] = []
    with transaction.atomic(), audit_reason("视频心跳"):
        for index, code, mine_code, status, at in sorted(parsed, key=lambda r: r[4]):
            candidates = [
                c for c in found.get(code, []) if not mine_code or c.mine.code == mine_code
            ]
            if not candidates:
                result.errors.append(
                    {"index": index, "errors": {"channel": "通道不存在或不属于本矿"}}
                )
                continue
            if len(candidates) > 1:
                result.errors.append(
                    {
                        "index": index,
                        "errors": {"mine": "多个煤矿有此通道编码，请给出煤矿编码 mine"},
                    }
                )
                continue
            channel = candidates[0]
            if not rules.heartbeat_applies(channel.last_heartbeat, at):
                result.ignored_older += 1
                continue
            result.applied += 1
            since = channel.status_since
            change = _set_status(channel, status, at, via="heartbeat")
            if change is not None:
                changes.append(change)
            if channel.status_since != since:
                changed[channel.pk] = channel
            channel.last_heartbeat = at
            touched[channel.pk] = channel
        _save_heartbeats(touched.values(), changed.values())
        # The change rows are the channel's history; the status flips (not the heartbeats) are
        # on the mine's audit trail too, by the reporting user, one INSERT for both.
        ChannelStatusChange.objects.bulk_create(changes, batch_size=500)
        log_bulk(
            BulkChange(
                VideoChannel,
                c.channel.pk,
                str(c.channel),
                c.channel.mine_id,
                {"status": c.old_status},
                {"status": c.new_status},
            )
            for c in changes
        )
        result.status_changes = len(changes)
    result.errors.sort(key=lambda e: e["index"])
    return result


def _save_heartbeats(touched: Iterable[VideoChannel], changed: Iterable[VideoChannel]) -> None:
    """Write a batch with few statements: a video platform stamps a whole batch with a handful of
    distinct times, so heartbeats go out as one UPDATE per time (per 500 channels), status
    changes one per (status, since). Heartbeats are not audited (status changes are)."""
    by_time: dict[dt.datetime, list[int]] = {}
    for channel in touched:
        assert channel.last_heartbeat is not None
        by_time.setdefault(channel.last_heartbeat, []).append(channel.pk)
    for at, pks in by_time.items():
        for start in range(0, len(pks), 500):
            VideoChannel.objects.filter(pk__in=pks[start : start + 500]).update(last_heartbeat=at)
    by_status: dict[tuple[str, dt.datetime | None], list[int]] = {}
    for channel in changed:
        by_status.setdefault((channel.status, channel.status_since), []).append(channel.pk)
    for (status, since), pks in by_status.items():
        for start in range(0, len(pks), 500):
            VideoChannel.objects.filter(pk__in=pks[start : start + 500]).update(
                status=status, status_since=since
            )


def _set_status(
    channel: VideoChannel, status: str, at: dt.datetime, via: str
) -> ChannelStatusChange | None:
    """Change the channel's status in memory; a real change gives its (unsaved) change row."""
    if status == channel.status:
        if channel.status_since is None:
            channel.status_since = at
        return None
    change = ChannelStatusChange(
        channel=channel, old_status=channel.status, new_status=status, at=at, via=via
    )
    channel.status = status
    channel.status_since = at
    return change


def record_manual_status(channel: VideoChannel, old_status: str, now: dt.datetime) -> None:
    """A status set by hand on the channel form (maintenance, a known fault) is a change row too."""
    if channel.status != old_status:
        ChannelStatusChange.objects.create(
            channel=channel, old_status=old_status, new_status=channel.status, at=now, via="manual"
        )
        VideoChannel.objects.filter(pk=channel.pk).update(status_since=now)


# --------------------------------------------------------------------------- finding review


def confirm_finding(
    finding: VideoFinding,
    user: Any,
    now: dt.datetime,
    *,
    note: str,
    person_name: str = "",
    team: str = "",
    severity: str = Severity.GENERAL,
) -> VideoFinding:
    """Confirm a pending finding; a person's act becomes a 三违 with ``origin`` = the finding.

    Raises ``ValidationError`` when the finding was already reviewed or the 三违 would be invalid
    (a person's act needs the person's name).
    """
    kind = VIOLATION_KIND_OF.get(finding.kind)
    if kind is not None and not person_name.strip():
        raise ValidationError({"person_name": "确认为三违须填写违章人员"})
    with transaction.atomic(), audit_reason(note or "确认视频AI识别"):
        locked = _lock_pending(finding)
        if kind is not None:
            channel = locked.channel
            locked.violation = record_violation(
                mine=locked.mine,
                person_name=person_name.strip(),
                team=team.strip(),
                place=channel.place_name,
                kind=kind,
                severity=severity,
                source=ViolationSource.VIDEO,
                found_at=locked.at,
                found_by=str(user),
                description=_description(locked, note),
                user=user,
                origin=locked,
            )
        _review(locked, user, now, FindingState.CONFIRMED, note)
    return locked


def reject_finding(
    finding: VideoFinding, user: Any, now: dt.datetime, *, note: str
) -> VideoFinding:
    """Reject a pending finding as a false recognition; the note says why (audited)."""
    if not note.strip():
        raise ValidationError({"note": "驳回须说明原因"})
    with transaction.atomic(), audit_reason(note):
        locked = _lock_pending(finding)
        _review(locked, user, now, FindingState.REJECTED, note)
    return locked


def _description(finding: VideoFinding, note: str) -> str:
    channel = finding.channel
    text = f"视频AI识别：{finding.get_kind_display()}（{channel.code} {channel.name}）"
    return f"{text}。{note}" if note else text


def _lock_pending(finding: VideoFinding) -> VideoFinding:
    locked = (
        VideoFinding.objects.select_for_update()
        .select_related("channel", "mine")
        .get(pk=finding.pk)
    )
    if locked.state != FindingState.PENDING:
        raise ValidationError({"state": f"该识别已{locked.get_state_display()}，不能重复审核"})
    return locked


def _review(finding: VideoFinding, user: Any, now: dt.datetime, state: str, note: str) -> None:
    finding.state = state
    finding.reviewed_by = str(user)
    finding.reviewed_at = now
    finding.review_note = note
    finding.save()
