"""Coverage rules without a database (MON-7, 002:15): required places, channel states, gaps, work
without video, retention (规程2025 第五百二十六条) and the rule-set editions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minesafe.citations import cite
from minesafe.video import rules
from minesafe.video.choices import PlaceKind

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
POLICY = rules.policy_on(NOW.date())
ALWAYS = [k.code for k in POLICY.kinds if k.required == rules.REQUIRED_ALWAYS]


def channel(code: str, kind: str, **extra: object) -> rules.Channel:
    fields: dict[str, object] = {
        "status": rules.STATUS_ONLINE,
        "last_heartbeat": NOW - dt.timedelta(minutes=1),
        **extra,
    }
    return rules.Channel(code=code, place_kind=kind, **fields)  # type: ignore[arg-type]


def full_register() -> list[rules.Channel]:
    return [channel(f"K{i}", kind) for i, kind in enumerate(ALWAYS)]


def assess(
    faces: list[rules.Face], channels: list[rules.Channel], **extra: object
) -> rules.Assessment:
    fields: dict[str, object] = {"mine_status": "producing", "mining_method": "underground"}
    fields.update(extra)
    return rules.assess(faces=faces, channels=channels, now=NOW, policy=POLICY, **fields)  # type: ignore[arg-type]


def test_mon7_place_kinds_in_data_match_the_choices() -> None:
    assert {k.code for k in POLICY.kinds} == set(PlaceKind.values)
    assert all(k.source.startswith(cite("002:15")) for k in POLICY.kinds)


def test_mon7_retention_rule_is_in_force_only_from_the_2025_regulations() -> None:
    assert rules.policy_on(dt.date(2026, 2, 1)).retention_min_days == 30
    assert rules.policy_on(dt.date(2026, 1, 31)).retention_min_days is None
    with pytest.raises(ValueError):
        rules.policy_on(dt.date(2024, 1, 1))


def test_mon7_every_key_place_without_channel_is_a_gap() -> None:
    result = assess([], [])
    assert result.required == len(ALWAYS) and result.covered == 0
    assert {g.reason for g in result.gaps} == {rules.NO_CHANNEL}
    assert result.percent == 0.0


def test_mon7_active_face_without_video_is_work_without_video() -> None:
    faces = [
        rules.Face(1, "1201综采", "longwall", active=True, people=12),
        rules.Face(2, "3104掘进", "development", active=True),
        rules.Face(3, "1202综采", "longwall", active=False),
    ]
    register = [
        *full_register(),
        channel("F1", PlaceKind.LONGWALL_FACE, face_id=1, status=rules.STATUS_OFFLINE),
        channel("F3", PlaceKind.LONGWALL_FACE, face_id=3),
    ]
    result = assess(faces, register)
    assert [p.place.name for p in result.work_without_video] == ["3104掘进", "1201综采"]
    by_face = {p.place.face_id: p for p in result.places if p.active_face}
    assert by_face[1].reason == rules.OFFLINE and by_face[1].people == 12
    assert by_face[2].reason == rules.NO_CHANNEL
    assert 3 not in by_face  # a stopped face is no working place
    assert result.required == len(ALWAYS) + 2 and result.covered == len(ALWAYS)


def test_mon7_one_working_channel_covers_a_face_with_a_broken_one() -> None:
    faces = [rules.Face(1, "1201", "longwall", active=True)]
    register = [
        *full_register(),
        channel("A", PlaceKind.LONGWALL_FACE, face_id=1, status=rules.STATUS_FAULT),
        channel("B", PlaceKind.LONGWALL_FACE, face_id=1),
    ]
    face = assess(faces, register).places[0]
    assert face.covered and face.working_channels == ("B",) and face.channels == ("A", "B")


def test_mon7_online_channel_with_old_heartbeat_is_stale_at_the_window_edge() -> None:
    edge = NOW - POLICY.stale_after
    assert (
        rules.channel_state(channel("A", "hoist", last_heartbeat=edge), NOW, POLICY)
        == rules.WORKING
    )
    late = edge - dt.timedelta(seconds=1)
    assert (
        rules.channel_state(channel("A", "hoist", last_heartbeat=late), NOW, POLICY) == rules.STALE
    )
    assert (
        rules.channel_state(channel("A", "hoist", last_heartbeat=None), NOW, POLICY) == rules.STALE
    )
    fault = channel("A", "hoist", status=rules.STATUS_FAULT)
    assert rules.channel_state(fault, NOW, POLICY) == rules.FAULT


def test_mon7_stale_explains_a_gap_before_offline_and_fault() -> None:
    register = [
        channel("A", "hoist", status=rules.STATUS_OFFLINE, equipment="主井提升机"),
        channel("B", "hoist", last_heartbeat=NOW - dt.timedelta(hours=1), equipment="主井提升机"),
    ]
    hoist = next(p for p in assess([], register).places if p.place.kind == "hoist")
    assert hoist.reason == rules.STALE and hoist.reason_label == "心跳超时"


def test_mon7_two_fans_are_two_places_and_declared_kinds_become_required() -> None:
    register = [
        channel("A", "main_fan", equipment="1号主要通风机"),
        channel("B", "main_fan", equipment="2号主要通风机", status=rules.STATUS_OFFLINE),
        channel("C", "gas_drainage_pump", equipment="地面抽采泵站"),
    ]
    places = {p.place.name: p for p in assess([], register).places}
    assert places["1号主要通风机"].covered and not places["2号主要通风机"].covered
    assert places["地面抽采泵站"].covered
    assert "瓦斯抽采泵站" not in places  # declared kinds are not required of a mine without one


def test_mon7_stopped_mine_needs_video_only_at_active_faces() -> None:
    faces = [rules.Face(1, "1201", "longwall", active=True)]
    result = assess(faces, [], mine_status="suspended")
    assert not result.mine_working
    assert [p.place.key for p in result.places] == ["face:1"]
    assert assess([], [], mine_status="closed").percent is None
    assert assess([], [], mining_method="open_pit").required == 0


def test_mon7_short_retention_listed_from_2026() -> None:
    register = [channel("A", "hoist", retention_days=15), channel("B", "hoist", retention_days=30)]
    assert assess([], register).short_retention == ("A",)


def test_mon7_heartbeat_order_and_clock_skew() -> None:
    assert rules.heartbeat_applies(None, NOW)
    assert rules.heartbeat_applies(NOW, NOW)
    assert not rules.heartbeat_applies(NOW, NOW - dt.timedelta(seconds=1))
    ahead = NOW + POLICY.future_tolerance
    assert not rules.heartbeat_too_new(ahead, NOW, POLICY.future_tolerance)
    assert rules.heartbeat_too_new(ahead + dt.timedelta(seconds=1), NOW, POLICY.future_tolerance)


def test_mon7_a_malformed_edition_is_refused() -> None:
    with pytest.raises(rules.CoverageRuleError):
        rules.policy_from({"heartbeat_stale_minutes": 10})
    edition = {
        "heartbeat_stale_minutes": 0,
        "heartbeat_future_tolerance_minutes": 5,
        "working_mine_statuses": [],
        "working_mining_methods": [],
        "place_kinds": [],
    }
    with pytest.raises(rules.CoverageRuleError):
        rules.policy_from(edition)


statuses = st.sampled_from([rules.STATUS_ONLINE, rules.STATUS_OFFLINE, rules.STATUS_FAULT])
ages = st.one_of(st.none(), st.integers(min_value=-300, max_value=3 * 3600))
kinds = st.sampled_from(list(PlaceKind.values))


@st.composite
def registers(draw: st.DrawFn) -> tuple[list[rules.Face], list[rules.Channel]]:
    faces = [
        rules.Face(
            i, f"F{i}", draw(st.sampled_from(["longwall", "development"])), draw(st.booleans())
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    channels = []
    for n in range(draw(st.integers(0, 12))):
        kind = draw(kinds)
        age = draw(ages)
        channels.append(
            rules.Channel(
                code=f"C{n}",
                place_kind=kind,
                status=draw(statuses),
                last_heartbeat=None if age is None else NOW - dt.timedelta(seconds=age),
                face_id=draw(st.sampled_from([f.id for f in faces])) if faces else None,
                equipment=draw(st.sampled_from(["", "1号", "2号"])),
                retention_days=draw(st.one_of(st.none(), st.integers(0, 120))),
            )
        )
    return faces, channels


@given(registers(), st.sampled_from(["producing", "suspended", "closed", "trial"]))
def test_mon7_coverage_invariants(
    register: tuple[list[rules.Face], list[rules.Channel]], status: str
) -> None:
    faces, channels = register
    result = assess(faces, channels, mine_status=status)
    assert 0 <= result.covered <= result.required == len(result.places)
    assert len({p.place.key for p in result.places}) == result.required
    if result.percent is not None:
        assert 0.0 <= result.percent <= 100.0
    for place in result.places:
        # covered ⇔ a channel there is working; a gap always says why
        assert place.covered == bool(place.working_channels)
        assert place.covered or place.reason in rules.GAP_REASONS
        assert set(place.working_channels) <= set(place.channels)
    active = {f.id for f in faces if f.active}
    assert {p.place.face_id for p in result.places if p.active_face} == active
    assert all(p.active_face and not p.covered for p in result.work_without_video)
    # Taking a channel offline never increases coverage.
    if channels:
        worse = [channels[0].__class__(**{**channels[0].__dict__, "status": rules.STATUS_OFFLINE})]
        assert assess(faces, worse + channels[1:], mine_status=status).covered <= result.covered
