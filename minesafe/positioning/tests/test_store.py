"""Storing family-A personnel files (RYQY/RYXX/RYJZ/RYSS) and reading who is underground
(MON-5, PER-7): store_parsed, idempotence, trajectory, underground_at / underground_count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minesafe.engine.familya import parse_family_a
from minesafe.monitoring.sink import MineIndex
from minesafe.positioning import services
from minesafe.positioning.choices import TrackKind
from minesafe.positioning.models import (
    BaseStation,
    CardHolder,
    PositioningArea,
    Presence,
    Snapshot,
    TrackPoint,
)
from minesafe.positioning.store import face_for, store_parsed
from minesafe.positioning.testing import make_snapshot
from minesafe.positioning.tests import files as f
from minesafe.registry.models import WorkingFace

pytestmark = pytest.mark.django_db

MINE = "990101000001"
T0 = f.START + dt.timedelta(days=2)  # clear of the furnished 09:00 snapshot of the world
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def feed(*files: tuple[str, bytes]) -> None:
    mines = MineIndex()
    for name, data in files:
        parsed = parse_family_a(name, data)
        assert not parsed.quarantine, parsed.quarantine
        store_parsed(parsed, mines)


def person(card: str, name: str, flag: str = "1", area: str = "A1", station: str = "S1",
           entered: dt.datetime = T0 - H, leader: bool = False) -> tuple[Any, ...]:  # fmt: skip
    return (card, name, flag, entered, area, station, leader)


def test_definitions_are_upserted_and_areas_map_to_faces(world: Any) -> None:
    """RYQY/RYXX/RYJZ are kept per mine; a second file updates, never duplicates (MON-5)."""
    face = WorkingFace.objects.get(mine=world.mine_a)  # "990101000001-1201"
    areas = [("1", "A1", 10, "井底车场"), ("2", "A2", 30, f"{face.name}综采工作面")]
    feed(f.ryqy(MINE, areas), f.ryxx(MINE, [("c1", "王伟", "矿长", True, "990101197001010010")]))
    feed(f.ryjz(MINE, [("S1", "井底车场", 10.0, 20.0)]))
    feed(f.ryqy(MINE, [("1", "A1", 12, "井底车场")], at=T0))
    a1 = PositioningArea.objects.get(mine=world.mine_a, code="A1")
    assert a1.approved_headcount == 12
    assert PositioningArea.objects.get(mine=world.mine_a, code="A2").working_face == face
    holder = CardHolder.objects.get(mine=world.mine_a, card="c1")
    assert (holder.name, holder.job, holder.is_leader) == ("王伟", "矿长", True)
    station = BaseStation.objects.get(mine=world.mine_a, code="S1")
    assert (station.x, station.y) == (10.0, 20.0)


def test_face_mapping_prefers_the_longest_contained_name() -> None:
    faces = [(1, "1201"), (2, "81201"), (3, "")]
    assert face_for("81201综采工作面", faces) == 2
    assert face_for("井底车场", faces) is None


def test_unknown_mine_is_skipped(world: Any) -> None:
    feed(f.ryss("990199999999", T0, [person("x1", "某人")]))
    assert not Snapshot.objects.filter(mine__code="990199999999").exists()


def test_snapshot_is_stored_once_and_counts_flag_1(world: Any) -> None:
    """井下人数口径 = 最新一份 RYSS 中出入井标志为1的人; re-delivery adds nothing."""
    cards = [person("c1", "王伟", leader=True), person("c2", "李强"), person("c3", "张磊", "2"),
             person("c4", "赵军", "0")]  # fmt: skip
    snap = f.ryss(MINE, T0, cards)
    feed(snap)
    feed(snap)
    stored = Snapshot.objects.get(mine=world.mine_a, at=T0)
    assert (stored.underground, stored.leaders, stored.per_area) == (2, 1, {"A1": 2})
    assert Snapshot.objects.filter(mine=world.mine_a, at=T0).count() == 1
    assert TrackPoint.objects.filter(mine=world.mine_a, card__startswith="c").count() == 2
    assert services.underground_count(world.mine_a, T0 + M) == 2
    down = services.underground_at(world.mine_a, T0 + M)
    assert sorted(p.card for p in down) == ["c1", "c2"]
    leader = next(p for p in down if p.card == "c1")
    assert leader.is_leader and leader.entered_at == T0 - H


def test_trajectory_has_a_point_only_on_change(world: Any) -> None:
    """A quiet snapshot writes no track point; a move, an exit and an entry each write one."""
    feed(f.ryss(MINE, T0, [person("c1", "王伟")]))
    feed(f.ryss(MINE, T0 + M, [person("c1", "王伟")]))
    feed(f.ryss(MINE, T0 + 2 * M, [person("c1", "王伟", area="A2", station="S2",
                                           entered=T0 - H)]))  # fmt: skip
    feed(f.ryss(MINE, T0 + 3 * M, [person("c1", "王伟", "2", area="A2", station="S2")]))
    feed(f.ryss(MINE, T0 + 4 * M, []))
    kinds = list(
        TrackPoint.objects.filter(mine=world.mine_a, card="c1").values_list("kind", "area_code")
    )
    assert kinds == [(TrackKind.ENTER, "A1"), (TrackKind.MOVE, "A2"), (TrackKind.EXIT, "A2")]
    presence = Presence.objects.get(mine=world.mine_a, card="c1")
    assert not presence.underground and presence.exited_at == T0 + 3 * M


def test_absent_card_is_out_of_the_mine(world: Any) -> None:
    """RYSS is a full snapshot: a card missing from it is no longer underground."""
    feed(f.ryss(MINE, T0, [person("c1", "王伟"), person("c2", "李强")]))
    feed(f.ryss(MINE, T0 + M, [person("c1", "王伟")]))
    assert services.underground_count(world.mine_a, T0 + M) == 1
    assert [p.card for p in services.underground_at(world.mine_a, T0 + M)] == ["c1"]


def test_past_times_are_read_back_from_the_trajectory(world: Any) -> None:
    feed(f.ryss(MINE, T0, [person("c1", "王伟"), person("c2", "李强")]))
    feed(f.ryss(MINE, T0 + M, [person("c1", "王伟", area="A2")]))
    feed(f.ryss(MINE, T0 + 2 * M, [person("c3", "张磊", entered=T0 + M)]))
    then = services.underground_at(world.mine_a, T0 + 30 * dt.timedelta(seconds=1))
    assert sorted((p.card, p.area_code) for p in then) == [("c1", "A1"), ("c2", "A1")]
    middle = services.underground_at(world.mine_a, T0 + M)
    assert [(p.card, p.area_code) for p in middle] == [("c1", "A2")]
    assert [p.card for p in services.underground_at(world.mine_a, T0 + 2 * M)] == ["c3"]


def test_late_snapshot_adds_counts_but_not_state(world: Any) -> None:
    feed(f.ryss(MINE, T0 + M, [person("c1", "王伟")]))
    feed(f.ryss(MINE, T0, [person("c1", "王伟"), person("c2", "李强")]))
    assert Snapshot.objects.get(mine=world.mine_a, at=T0).underground == 2
    assert not Presence.objects.filter(mine=world.mine_a, card="c2").exists()


def test_no_data_is_not_zero(world: Any) -> None:
    """Stale or missing snapshots give None, never 0 (staleness window from the data file)."""
    assert services.underground_count(world.mine_a, T0) is None
    feed(f.ryss(MINE, T0, []))
    assert services.underground_count(world.mine_a, T0) == 0
    assert services.underground_count(world.mine_a, T0 + H) is None
    assert services.underground_at(world.mine_a, T0 + H) == []
    assert services.underground_count(world.mine_a, T0 - M) is None


def test_make_snapshot_stores_like_the_pipeline(world: Any) -> None:
    """The factory other areas use: people underground with names, areas and jobs."""
    people = [
        {
            "card": "k1",
            "name": "王伟",
            "area_code": "Z1",
            "area_name": "8101工作面",
            "job": "采煤工",
        },
        {"card": "k2", "name": "李强", "is_leader": True},
    ]
    snap = make_snapshot(world.mine_b, T0, people)
    assert snap.underground == 2
    down = services.underground_at(world.mine_b, T0)
    assert [(p.name, p.area_name, p.job, p.is_leader) for p in down] == [
        ("李强", "", "", True),
        ("王伟", "8101工作面", "采煤工", False),
    ]
    assert services.underground_count(world.mine_b, T0 + M) == 2
    assert services.underground_count(world.mine_a, T0) is None


def test_simulator_files_store_end_to_end(world: Any) -> None:
    """RYQY/RYXX/RYSS written by the simulator's writers for mine A's code."""
    from minesafe.simulator.sim import SimConfig, Simulation

    cfg = SimConfig(mines=1, duration_s=120, cycle_s=60, seed=7, region="990101",
                    start=T0.replace(hour=10), personnel=True)  # fmt: skip
    sim = Simulation(cfg)
    produced = [
        (x.name.replace(x.mine_code, MINE), x.data.replace(x.mine_code.encode(), MINE.encode()))
        for x in sim.files()
        if x.file_type in ("RYQY", "RYXX", "RYSS")
    ]
    assert any("RYSS" in name for name, _ in produced)
    feed(*produced)
    snap = Snapshot.objects.filter(mine=world.mine_a).order_by("-at").first()
    assert snap is not None and snap.underground > 0
    assert Presence.objects.filter(mine=world.mine_a, underground=True).count() == snap.underground
    assert CardHolder.objects.filter(mine=world.mine_a, is_leader=True).exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trajectory_replays_every_snapshot_exactly(world: Any, seed: int) -> None:
    """Whatever the sequence of entries, exits, moves and quick re-entries, the people
    underground at each stored snapshot read back from the trajectory are that snapshot's
    flag-1 cards in their areas (MON-5 trajectory; storage keeps no per-snapshot card rows)."""
    import random

    rng = random.Random(seed)
    state: dict[str, tuple[str, dt.datetime] | None] = {f"r{n}": None for n in range(15)}
    truth: list[tuple[dt.datetime, set[tuple[str, str]]]] = []
    for k in range(30):
        at = T0 + dt.timedelta(seconds=45 * k)
        for card, held in state.items():
            roll = rng.random()
            if held is None and roll < 0.25:
                state[card] = (rng.choice("ABC"), at - dt.timedelta(seconds=10))
            elif held is not None and roll < 0.15:
                state[card] = None
            elif held is not None and roll < 0.35:
                state[card] = (rng.choice("ABC"), held[1])
            elif held is not None and roll < 0.4:  # up and down again between two snapshots
                state[card] = (held[0], at - dt.timedelta(seconds=5))
        rows = [
            person(card, card, area=held[0], entered=held[1])
            for card, held in state.items()
            if held is not None
        ]
        rows += [person(card, card, "2") for card, held in state.items() if held is None and k % 2]
        feed(f.ryss(MINE, at, rows))
        truth.append((at, {(c, h[0]) for c, h in state.items() if h is not None}))
    for at, expected in truth:
        got = {(p.card, p.area_code) for p in services.underground_at(world.mine_a, at)}
        assert got == expected, at
        assert services.underground_count(world.mine_a, at) == len(expected)


def test_upload_endpoint_goes_through_the_pipeline_hook(world: Any) -> None:
    """POST /api/monitoring/upload/ (the runner's own path) stores RYQY and RYSS here."""
    from django.test import Client

    from minesafe.testing import api_token

    client = Client(HTTP_AUTHORIZATION=f"Token {api_token(world.users['mine_a'])}")
    for name, data in (
        f.ryqy(MINE, [("1", "A1", 1, "井底车场")], at=T0 - M),
        f.ryss(MINE, T0, [person("u1", "王伟"), person("u2", "李强")]),
    ):
        answer = client.post(
            f"/api/monitoring/upload/?name={name}", data, content_type="text/plain"
        )
        assert answer.status_code == 200, answer.content
    assert PositioningArea.objects.filter(mine=world.mine_a, code="A1").exists()
    assert services.underground_count(world.mine_a, T0) == 2


def test_mon5_a_person_down_without_a_card_is_raised_as_snapshots_arrive(world: Any) -> None:
    """三对应 as an alarm: 李四 is in the descent register but no card shows him underground.
    Within the grace time nothing; on the first snapshot past it the alarm opens (once); it
    closes when his card shows up."""
    from minesafe.monitoring.models import Alarm
    from minesafe.positioning.models import DescentRecord

    DescentRecord.objects.create(mine=world.mine_a, name="王伟", went_down_at=T0 - H)
    DescentRecord.objects.create(mine=world.mine_a, name="李 四", went_down_at=T0 - 5 * M)
    alarms = Alarm.objects.filter(mine=world.mine_a, kind="no_card_underground")
    feed(f.ryss(MINE, T0, [person("c1", "王伟")]))
    assert not alarms.exists()  # 5 minutes after the descent: the reader may still catch up
    feed(f.ryss(MINE, T0 + 6 * M, [person("c1", "王伟")]))
    (alarm,) = alarms
    assert alarm.point_code == "李四" and alarm.closed_at is None and alarm.level == 2
    assert alarm.opened_at == T0 + 5 * M  # descent + 10 minutes' grace
    feed(f.ryss(MINE, T0 + 7 * M, [person("c1", "王伟")]))
    assert alarms.count() == 1
    feed(f.ryss(MINE, T0 + 8 * M, [person("c1", "王伟"), person("c2", "李四")]))
    alarm.refresh_from_db()
    assert alarm.closed_at == T0 + 8 * M
