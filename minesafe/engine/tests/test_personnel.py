"""Personnel rules over RYSS snapshots (MON-5, PER-7)."""

from __future__ import annotations

from minesafe.engine.engine import Engine
from minesafe.engine.events import AlarmEvent, AlarmKind, Level
from minesafe.engine.model import Area, Person, PersonnelSnapshot, Presence
from minesafe.engine.tests.helpers import MINE, T0, kinds

K = AlarmKind


def _p(
    card: str,
    area: str = "A1",
    entered: float = T0 - 3600,
    station: str = "S1",
    at: float = T0,
    leader: bool = False,
    name: str = "",
) -> Presence:
    return Presence(card, name or f"工人{card}", True, entered, area, station, at, leader)


def _engine() -> Engine:
    engine = Engine()
    engine.personnel.define_areas(
        [Area(MINE, "A1", "1", 2, "1301工作面"), Area(MINE, "R1", "3", 0, "采空区密闭")]
    )
    engine.personnel.define_persons(
        [
            Person(MINE, "C1", "张三", "ID1"),
            Person(MINE, "C2", "张三", "ID1"),
            Person(MINE, "L1", "李矿长", "ID9", is_leader=True),
        ]
    )
    return engine


def test_per7_over_staffing_per_area_and_major_hazard_candidate() -> None:
    engine = _engine()
    snap = PersonnelSnapshot(MINE, T0, [_p("L1", leader=True), _p("C3"), _p("C4")])
    (over,) = kinds(engine.on_personnel(snap), K.OVER_STAFFING, "open")
    assert over.subject == "A1" and over.details["count"] == 3 and over.details["approved"] == 2
    assert over.details["major_hazard_candidate"] and over.level is Level.I
    back = engine.on_personnel(PersonnelSnapshot(MINE, T0 + 60, [_p("L1", leader=True)]))
    assert kinds(back, K.OVER_STAFFING, "close")[0].closed_at == T0 + 60


def test_per7_over_staffing_for_the_whole_mine_from_facts() -> None:
    engine = _engine()
    engine.set_mine_facts({MINE: {"approved_underground": 2}})
    snap = PersonnelSnapshot(MINE, T0, [_p("L1", "B", leader=True), _p("C3", "B"), _p("C4", "B")])
    (over,) = kinds(engine.on_personnel(snap), K.OVER_STAFFING, "open")
    assert over.subject == "" and over.details["ratio"] == 1.5


def test_mon5_overtime_underground() -> None:
    engine = _engine()
    snap = PersonnelSnapshot(MINE, T0, [_p("L1", leader=True), _p("C3", entered=T0 - 11 * 3600)])
    (ot,) = kinds(engine.on_personnel(snap), K.OVERTIME_UNDERGROUND, "open")
    assert ot.subject == "C3" and ot.opened_at == T0 - 3600


def test_mon5_one_person_with_two_cards() -> None:
    engine = _engine()
    snap = PersonnelSnapshot(
        MINE, T0, [_p("L1", leader=True), _p("C1", name="张三"), _p("C2", name="张三", area="A2")]
    )
    (mc,) = kinds(engine.on_personnel(snap), K.MULTI_CARD, "open")
    assert mc.details["cards"] == ["C1", "C2"] and mc.level is Level.II


def test_mon5_restricted_area() -> None:
    engine = _engine()
    snap = PersonnelSnapshot(MINE, T0, [_p("L1", leader=True), _p("C3", area="R1")])
    (ra,) = kinds(engine.on_personnel(snap), K.RESTRICTED_AREA, "open")
    assert ra.subject == "C3" and ra.details["area_name"] == "采空区密闭"


def test_mon5_impossible_move_between_distant_stations() -> None:
    engine = _engine()
    engine.set_mine_facts({MINE: {"stations": {"S1": [0, 0], "S2": [3000, 0]}}})
    engine.on_personnel(PersonnelSnapshot(MINE, T0, [_p("L1", leader=True), _p("C3")]))
    moved = PersonnelSnapshot(
        MINE, T0 + 60, [_p("L1", leader=True), _p("C3", station="S2", at=T0 + 60)]
    )
    events = engine.on_personnel(moved)
    (im,) = kinds(events, K.IMPOSSIBLE_MOVE, "open")
    assert im.details["speed_m_s"] == 50.0
    assert kinds(events, K.IMPOSSIBLE_MOVE, "close")  # an instant, closed at once


def _stay_then_move(minutes_between: float) -> list[AlarmEvent]:
    """C3 enters S1 and is reported there every minute for three hours, then shows up at S2
    (3 km away) ``minutes_between`` after the last report at S1."""
    engine = _engine()
    engine.set_mine_facts({MINE: {"stations": {"S1": [0, 0], "S2": [3000, 0]}}})
    entered = T0 - 3 * 3600
    for minute in range(0, 181):
        at = entered + 60 * minute
        engine.on_personnel(
            PersonnelSnapshot(MINE, at, [_p("L1", leader=True), _p("C3", at=entered)])
        )
    last_seen = entered + 180 * 60
    arrived = last_seen + 60 * minutes_between
    moved = PersonnelSnapshot(
        MINE, arrived, [_p("L1", leader=True), _p("C3", station="S2", at=arrived)]
    )
    return kinds(engine.on_personnel(moved), K.IMPOSSIBLE_MOVE, "open")


def test_mon5_impossible_move_counts_from_the_last_sighting_not_the_arrival() -> None:
    """Hours at one station, then 3 km in a minute: 50 m/s from the last report at S1 (the
    time the card entered S1 would give 0.28 m/s and hide it)."""
    (im,) = _stay_then_move(1)
    assert im.details["seconds"] == 60.0 and im.details["speed_m_s"] == 50.0


def test_mon5_a_card_that_really_walks_the_distance_is_not_flagged() -> None:
    """The mirror: an hour between the last report at S1 and the first at S2 is 0.83 m/s."""
    assert _stay_then_move(60) == []


def test_per7_a_shift_without_a_leader_underground() -> None:
    engine = _engine()
    shift = T0 - 2 * 3600  # 08:00 local
    early = engine.on_personnel(PersonnelSnapshot(MINE, shift + 1800, [_p("C3")]))
    assert not kinds(early, K.LEADER_ON_SHIFT, "open")  # within the grace time
    events = engine.on_personnel(PersonnelSnapshot(MINE, T0, [_p("C3")]))
    (lead,) = kinds(events, K.LEADER_ON_SHIFT, "open")
    assert lead.opened_at == shift + 3600 and lead.details["underground"] == 1
    closed = engine.on_personnel(PersonnelSnapshot(MINE, T0 + 60, [_p("C3"), _p("L1")]))
    assert kinds(closed, K.LEADER_ON_SHIFT, "close")


def test_per7_a_shift_first_seen_after_its_grace_time_is_not_judged() -> None:
    """A fresh engine starting mid-shift cannot know whether the shift's leader already came up;
    the next shift, watched from its start, is judged."""
    engine = _engine()
    assert not kinds(
        engine.on_personnel(PersonnelSnapshot(MINE, T0, [_p("C3")])), K.LEADER_ON_SHIFT, "open"
    )
    next_shift = T0 + 6 * 3600  # 16:00 local
    engine.on_personnel(PersonnelSnapshot(MINE, next_shift + 60, [_p("C3")]))
    later = engine.on_personnel(PersonnelSnapshot(MINE, next_shift + 3660, [_p("C3")]))
    (lead,) = kinds(later, K.LEADER_ON_SHIFT, "open")
    assert lead.opened_at == next_shift + 3600


def test_mon5_restored_card_holders_are_defined_when_first_used() -> None:
    """Restore keeps card holders as rows until their mine is judged or redefined."""
    engine = Engine()
    engine.personnel.define_persons(
        [Person(MINE, "C1", "张三", "ID1"), Person("610000000002", "C9", "王五", "ID5")]
    )
    restored = Engine.restore(engine.snapshot()).personnel
    assert restored.state()["persons"] == engine.personnel.state()["persons"]
    assert restored.persons == {}
    restored.define_persons([Person(MINE, "C2", "李四", "ID2")])
    assert sorted(restored.persons[MINE]) == ["C1", "C2"]
    assert restored.persons[MINE]["C1"] == Person(MINE, "C1", "张三", "ID1")
    assert "610000000002" not in restored.persons
    assert len(restored.state()["persons"]["610000000002"]) == 1


SHIFT = 8 * 3600.0


def _down(card: str, station: str, station_at: float, at: float) -> PersonnelSnapshot:
    return PersonnelSnapshot(
        MINE, at, [_p("L1", leader=True, at=at), _p(card, station=station, at=station_at)]
    )


def test_mon5_card_without_movement_for_a_shift_is_raised_at_the_boundary() -> None:
    engine = _engine()
    since = T0 - SHIFT + 60
    early = engine.on_personnel(_down("C3", "S7", since, T0 - 1))
    assert not kinds(early, K.CARD_NO_MOVEMENT, "open")
    (opened,) = kinds(
        engine.on_personnel(_down("C3", "S7", since, T0 + 60)), K.CARD_NO_MOVEMENT, "open"
    )
    assert opened.subject == "C3" and opened.opened_at == since + SHIFT
    assert opened.details["station"] == "S7" and opened.details["limit_hours"] == 8.0
    again = engine.on_personnel(_down("C3", "S7", since, T0 + 120))
    assert not kinds(again, K.CARD_NO_MOVEMENT, "open")


def test_mon5_card_no_movement_counts_from_first_sight_when_the_source_refreshes_station_time() -> (
    None
):
    engine = _engine()
    for k in range(8):
        at = T0 + k * 3600
        assert not kinds(engine.on_personnel(_down("C3", "S7", at, at)), K.CARD_NO_MOVEMENT, "open")
    end = T0 + SHIFT
    opened = kinds(engine.on_personnel(_down("C3", "S7", end, end)), K.CARD_NO_MOVEMENT, "open")
    # The leader card L1 sat at S1 the whole time too: both are raised, each from first sight.
    assert sorted((e.subject, e.opened_at) for e in opened) == [("C3", end), ("L1", end)]


def test_mon5_card_no_movement_closes_when_the_card_moves() -> None:
    engine = _engine()
    since = T0 - SHIFT
    assert kinds(engine.on_personnel(_down("C3", "S7", since, T0)), K.CARD_NO_MOVEMENT, "open")
    (closed,) = kinds(
        engine.on_personnel(_down("C3", "S8", T0 + 30, T0 + 60)), K.CARD_NO_MOVEMENT, "close"
    )
    assert closed.subject == "C3" and closed.closed_at == T0 + 60


def test_mon5_card_no_movement_closes_when_the_card_surfaces() -> None:
    engine = _engine()
    since = T0 - SHIFT - 600
    assert kinds(engine.on_personnel(_down("C3", "S7", since, T0)), K.CARD_NO_MOVEMENT, "open")
    up = Presence("C3", "工人C3", False, T0 - SHIFT, "", "S7", T0 + 60)
    snap = PersonnelSnapshot(MINE, T0 + 60, [_p("L1", leader=True, at=T0 + 60), up])
    (closed,) = kinds(engine.on_personnel(snap), K.CARD_NO_MOVEMENT, "close")
    assert closed.closed_at == T0 + 60
