"""Video coverage as pure functions: "无视频不作业" (MON-7, source 002:15).

A regulator asks three questions of each mine: which working places and key equipment must have
video, which of them have working video now, and whether anyone works where there is none. The
answers depend only on the mine's facts (status, working faces, channel register and the last
heartbeat of each channel), the moment ``now`` and the rule-set edition in force, so they live
here without Django and without a clock (STYLE 2, 10). Numbers live in ``data/coverage.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from minesafe.ruledata import edition_in_force

PACKAGE = "minesafe.video"
RULE_SET = "coverage"

# How a place kind becomes required (``required`` in coverage.yaml).
REQUIRED_FACE = "face"  # every working face in the active state
REQUIRED_ALWAYS = "always"  # every working underground mine has one: missing channel is a gap
REQUIRED_DECLARED = "declared"  # required once the mine registers a channel for such a place

# Channel states as the coverage rule sees them (the stored status plus the heartbeat's age).
WORKING = "working"
OFFLINE = "offline"
FAULT = "fault"
STALE = "stale"

# Why a required place has no working video.
NO_CHANNEL = "no_channel"
GAP_REASONS: dict[str, str] = {
    NO_CHANNEL: "未安装视频通道",
    OFFLINE: "通道离线",
    FAULT: "通道故障",
    STALE: "心跳超时",
}

# Stored channel statuses (the ``ChannelStatus`` choices use the same values).
STATUS_ONLINE = "online"
STATUS_OFFLINE = "offline"
STATUS_FAULT = "fault"


class CoverageRuleError(ValueError):
    """The rule-set file does not describe a usable edition."""


@dataclass(frozen=True)
class PlaceKindRule:
    """One kind of place that needs video (a row of ``place_kinds`` in coverage.yaml)."""

    code: str
    label: str
    group: str
    required: str
    source: str
    face_kind: str | None = None


@dataclass(frozen=True)
class Policy:
    """The coverage rules of one edition (MON-7, 002:15; retention: 规程2025 第五百二十六条)."""

    edition: str
    stale_after: dt.timedelta
    future_tolerance: dt.timedelta
    working_statuses: frozenset[str]
    working_methods: frozenset[str]
    retention_min_days: int | None
    retention_source: str
    kinds: tuple[PlaceKindRule, ...]

    def kind(self, code: str) -> PlaceKindRule | None:
        return next((k for k in self.kinds if k.code == code), None)

    def face_kind_code(self, face_kind: str) -> str | None:
        """The place kind that covers a working face of ``face_kind`` (longwall / development)."""
        return next((k.code for k in self.kinds if k.face_kind == face_kind), None)

    @property
    def face_kinds(self) -> frozenset[str]:
        return frozenset(k.code for k in self.kinds if k.required == REQUIRED_FACE)


def policy_from(edition: dict[str, object]) -> Policy:
    """Build a :class:`Policy` from one edition of coverage.yaml (checked, not trusted)."""
    try:
        minutes = int(str(edition["heartbeat_stale_minutes"]))
        ahead = int(str(edition["heartbeat_future_tolerance_minutes"]))
        retention = edition.get("retention_min_days")
        kinds = tuple(
            PlaceKindRule(
                code=str(row["code"]),
                label=str(row["label"]),
                group=str(row["group"]),
                required=str(row["required"]),
                source=str(row.get("source", "")),
                face_kind=str(row["face_kind"]) if row.get("face_kind") else None,
            )
            for row in edition["place_kinds"]  # type: ignore[attr-defined]
        )
        statuses = frozenset(str(s) for s in edition["working_mine_statuses"])  # type: ignore[attr-defined]
        methods = frozenset(str(s) for s in edition["working_mining_methods"])  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError) as exc:
        raise CoverageRuleError(f"coverage.yaml: {exc!r}") from exc
    if minutes <= 0 or ahead < 0:
        raise CoverageRuleError("coverage.yaml: heartbeat windows must be positive")
    for kind in kinds:
        if kind.required not in (REQUIRED_FACE, REQUIRED_ALWAYS, REQUIRED_DECLARED):
            raise CoverageRuleError(f"coverage.yaml: unknown required {kind.required!r}")
    return Policy(
        edition=str(edition.get("edition", "")),
        stale_after=dt.timedelta(minutes=minutes),
        future_tolerance=dt.timedelta(minutes=ahead),
        working_statuses=statuses,
        working_methods=methods,
        retention_min_days=int(str(retention)) if retention is not None else None,
        retention_source=str(edition.get("retention_source", "")),
        kinds=kinds,
    )


def policy_on(day: dt.date) -> Policy:
    """The coverage policy in force on ``day``."""
    return policy_from(edition_in_force(PACKAGE, RULE_SET, day))


# --------------------------------------------------------------------------- facts and results


@dataclass(frozen=True)
class Channel:
    """A video channel as the rule needs it (MON-7)."""

    code: str
    place_kind: str
    status: str
    last_heartbeat: dt.datetime | None
    face_id: int | None = None
    equipment: str = ""
    retention_days: int | None = None


@dataclass(frozen=True)
class Face:
    """A working face; ``people`` is how many are there now when positioning knows (else None)."""

    id: int
    name: str
    kind: str
    active: bool
    people: int | None = None


@dataclass(frozen=True)
class Place:
    """One place that must have video: an active face, or one key place / piece of equipment."""

    key: str
    kind: str
    name: str
    face_id: int | None = None


@dataclass(frozen=True)
class PlaceCoverage:
    """Whether a required place has working video now, and why not."""

    place: Place
    reason: str  # "" when covered, else a key of GAP_REASONS
    channels: tuple[str, ...] = ()
    working_channels: tuple[str, ...] = ()
    active_face: bool = False
    people: int | None = None

    @property
    def covered(self) -> bool:
        return not self.reason

    @property
    def reason_label(self) -> str:
        return GAP_REASONS.get(self.reason, "")

    @property
    def work_without_video(self) -> bool:
        """An active face without working video: work goes on where there is none (MON-7)."""
        return self.active_face and not self.covered


@dataclass(frozen=True)
class Assessment:
    """The coverage of one mine at one moment (MON-7, 002:15)."""

    places: tuple[PlaceCoverage, ...]
    short_retention: tuple[str, ...] = ()
    mine_working: bool = False
    edition: str = ""
    retention_min_days: int | None = None
    channel_states: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> int:
        return len(self.places)

    @property
    def covered(self) -> int:
        return sum(1 for p in self.places if p.covered)

    @property
    def gaps(self) -> tuple[PlaceCoverage, ...]:
        return tuple(p for p in self.places if not p.covered)

    @property
    def percent(self) -> float | None:
        """Covered share of required places in per cent (None when nothing is required)."""
        if not self.places:
            return None
        return round(100.0 * self.covered / self.required, 1)

    @property
    def work_without_video(self) -> tuple[PlaceCoverage, ...]:
        return tuple(p for p in self.places if p.work_without_video)


# ---------------------------------------------------------------------------------- the rules


def channel_state(channel: Channel, now: dt.datetime, policy: Policy) -> str:
    """What a channel is worth now: working only if online with a heartbeat inside the window.

    A heartbeat from the future (clock skew of the mine's system) counts as fresh; a channel that
    says online but has never reported, or not within the window, is stale: the platform cannot
    know that its picture is live (002:15 requires working video, not installed cameras).
    """
    if channel.status == STATUS_FAULT:
        return FAULT
    if channel.status != STATUS_ONLINE:
        return OFFLINE
    if channel.last_heartbeat is None or now - channel.last_heartbeat > policy.stale_after:
        return STALE
    return WORKING


def mine_is_working(status: str, mining_method: str, policy: Policy) -> bool:
    """Whether people work underground, so the key places must have video (MON-7)."""
    return status in policy.working_statuses and mining_method in policy.working_methods


def _gap_reason(states: Sequence[str]) -> str:
    """Why a place has no working video; the most hopeful state explains it best."""
    if not states:
        return NO_CHANNEL
    if WORKING in states:
        return ""
    for state in (STALE, OFFLINE, FAULT):
        if state in states:
            return state
    return OFFLINE  # pragma: no cover - every state is one of the above


def _equipment_key(name: str) -> str:
    return " ".join(name.split())


def assess(
    *,
    mine_status: str,
    mining_method: str,
    faces: Iterable[Face],
    channels: Iterable[Channel],
    now: dt.datetime,
    policy: Policy,
) -> Assessment:
    """Required places, their coverage and the gaps of one mine (MON-7, 002:15).

    Required: every active working face (of any mine: people work there), and, for a mine whose
    people work underground, one place of each ``always`` kind and each place the mine registered
    a channel for (``declared`` and ``always`` kinds; equipment names tell places apart).
    """
    channels = list(channels)
    states = {c.code: channel_state(c, now, policy) for c in channels}
    working = mine_is_working(mine_status, mining_method, policy)
    places: list[PlaceCoverage] = []

    by_face: dict[int, list[Channel]] = {}
    for channel in channels:
        if channel.face_id is not None and channel.place_kind in policy.face_kinds:
            by_face.setdefault(channel.face_id, []).append(channel)
    for face in sorted(faces, key=lambda f: (f.kind, f.name, f.id)):
        if not face.active:
            continue
        kind = policy.face_kind_code(face.kind) or face.kind
        at_face = by_face.get(face.id, [])
        places.append(
            _coverage(
                Place(f"face:{face.id}", kind, face.name, face.id),
                at_face,
                states,
                active_face=True,
                people=face.people,
            )
        )

    if working:
        for rule in policy.kinds:
            if rule.required == REQUIRED_FACE:
                continue
            of_kind = [c for c in channels if c.place_kind == rule.code]
            groups: dict[str, list[Channel]] = {}
            for channel in of_kind:
                groups.setdefault(_equipment_key(channel.equipment) or rule.label, []).append(
                    channel
                )
            if not groups and rule.required == REQUIRED_ALWAYS:
                groups[rule.label] = []
            for name in sorted(groups):
                place = Place(f"{rule.code}:{name}", rule.code, name)
                places.append(_coverage(place, groups[name], states))

    short: tuple[str, ...] = ()
    if policy.retention_min_days is not None:
        limit = policy.retention_min_days
        short = tuple(
            sorted(
                c.code
                for c in channels
                if c.retention_days is not None and c.retention_days < limit
            )
        )
    return Assessment(
        places=tuple(places),
        short_retention=short,
        mine_working=working,
        edition=policy.edition,
        retention_min_days=policy.retention_min_days,
        channel_states=states,
    )


def _coverage(
    place: Place,
    channels: Sequence[Channel],
    states: dict[str, str],
    active_face: bool = False,
    people: int | None = None,
) -> PlaceCoverage:
    codes = tuple(sorted(c.code for c in channels))
    place_states = [states[c] for c in codes]
    return PlaceCoverage(
        place=place,
        reason=_gap_reason(place_states),
        channels=codes,
        working_channels=tuple(c for c in codes if states[c] == WORKING),
        active_face=active_face,
        people=people,
    )


def heartbeat_applies(last: dt.datetime | None, at: dt.datetime) -> bool:
    """A heartbeat changes the channel only if it is not older than the one already stored:
    batches from a mine's system may arrive out of order after a network outage."""
    return last is None or at >= last


def heartbeat_too_new(at: dt.datetime, now: dt.datetime, tolerance: dt.timedelta) -> bool:
    """A heartbeat stamped further ahead than the clock tolerance is refused (a wrong clock would
    otherwise keep a dead channel "fresh" for hours)."""
    return at - now > tolerance
