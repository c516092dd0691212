"""Partitions, fair shares and fencing (issue 6 §7): the pure planning under joins and leaves,
the stable mine → partition hash, and the database epoch that refuses a stale owner."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minesafe.engine import brokers
from minesafe.engine.events import Action, AlarmEvent, AlarmKind, Level
from minesafe.monitoring.models import Alarm, EngineCheckpoint
from minesafe.monitoring.partitions import fair_share, parse_partitions, plan
from minesafe.monitoring.sink import CheckpointState, Fenced, Offsets, Sink, claim_checkpoint
from minesafe.testing import World


def settle(partitions: int, live: list[str], owners: dict[int, str], rng: random.Random) -> int:
    """Rounds of every live worker following its plan (claims are compare-and-set: a partition
    already taken stays with its owner) until nothing changes; returns the rounds it took."""
    for rounds in range(1, 20):
        changed = False
        for me in rng.sample(live, len(live)):
            decision = plan(me, partitions, live, owners)
            for p in decision.release:
                assert owners.pop(p) == me
                changed = True
            for p in decision.claim:
                if p not in owners:  # create() succeeds only on an absent key
                    owners[p] = me
                    changed = True
            assert sum(1 for w in owners.values() if w == me) <= fair_share(partitions, len(live))
        if not changed:
            return rounds
    raise AssertionError("the plan does not settle")


@settings(max_examples=100, deadline=None)
@given(
    partitions=st.integers(1, 32),
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 7)), min_size=1, max_size=12),
    seed=st.integers(0, 1000),
)
def test_mon1_leases_cover_every_partition_once_at_a_fair_share(
    partitions: int, steps: list[tuple[bool, int]], seed: int
) -> None:
    rng = random.Random(seed)
    live: list[str] = ["w0"]
    owners: dict[int, str] = {}
    for join, who in steps:
        name = f"w{who}"
        if join and name not in live:
            live.append(name)
        elif not join and name in live and len(live) > 1:
            live.remove(name)  # it died: its leases expire
            owners = {p: w for p, w in owners.items() if w != name}
        assert settle(partitions, live, owners, rng) <= 3
        # Every partition owned by exactly one live worker, none above its fair share.
        assert sorted(owners) == list(range(partitions))
        assert set(owners.values()) <= set(live)
        share = fair_share(partitions, len(live))
        counts = [sum(1 for w in owners.values() if w == me) for me in live]
        assert max(counts) <= share


def test_mon1_stopping_partitions_count_against_the_share() -> None:
    assert plan("a", 4, ["a", "b"], {0: "a", 2: "b"}).claim in ((1,), (3,))
    # A partition still stopping (given back or lost) is neither claimed nor counted free …
    assert plan("a", 4, ["a", "b"], {0: "a", 2: "b"}, stopping={1}).claim == ()
    assert plan("a", 4, ["a", "b"], {0: "a", 1: "a", 2: "b"}, stopping={1}).claim == ()
    # … nor released twice.
    assert plan("a", 4, list("abcd"), {0: "a", 1: "a", 2: "b"}).release == (1,)
    assert plan("a", 4, list("abcd"), {0: "a", 1: "a", 2: "b"}, stopping={1}).release == ()


def test_mon1_partition_of_a_mine_is_stable_and_in_range() -> None:
    # CRC-32, not Python's salted hash: the same in every process and every release.
    assert brokers.partition_of("610000000001", 16) == 1
    assert brokers.subject("610000000001", 16) == "minesafe.readings.1.610000000001"
    codes = [f"6101{n:08d}" for n in range(4000)]
    spread = [brokers.partition_of(c, 16) for c in codes]
    assert set(spread) == set(range(16))
    assert max(spread.count(p) for p in range(16)) < 2 * 4000 / 16
    assert brokers.partitions_of("minesafe readings, partitions=12") == 12
    assert brokers.partitions_of(None) == brokers.DEFAULT_PARTITIONS
    assert brokers.servers("nats://a:4222, nats://b:4222") == ["nats://a:4222", "nats://b:4222"]


def test_mon1_partitions_option() -> None:
    assert parse_partitions("auto", 8) is None
    assert parse_partitions("all", 3) == [0, 1, 2]
    assert parse_partitions("5,0,5", 8) == [0, 5]
    for bad in ("8", "-1", ",", "x"):
        with pytest.raises(ValueError):
            parse_partitions(bad, 8)


def event(mine: str, at: float) -> AlarmEvent:
    return AlarmEvent(
        action=Action.OPEN,
        kind=AlarmKind.OVER_LIMIT,
        level=Level.III,
        mine_code=mine,
        subject="p1",
        opened_at=at,
        closed_at=None,
        peak=1.3,
        value=1.3,
        at=at,
    )


@pytest.mark.django_db
def test_mon1_a_stale_owner_can_write_nothing_after_a_takeover(world: World) -> None:
    """Worker A holds the partition (epoch 1); B takes it (epoch 2): A's alarm batch and its
    checkpoint are refused and roll back, B's go through."""
    first = claim_checkpoint("g-p03", "a")
    assert (first.epoch, first.state) == (1, None)
    zombie = Sink("g-p03", epoch=first.epoch)
    second = claim_checkpoint("g-p03", "b")
    assert second.epoch == 2
    owner = Sink("g-p03", epoch=second.epoch)
    at = dt.datetime(2026, 11, 22, tzinfo=dt.UTC).timestamp()
    with pytest.raises(Fenced):
        zombie.store_alarms([event(world.mine_a.code, at)])
    assert not Alarm.objects.filter(key__startswith=f"{world.mine_a.code}|p1|").exists()
    zombie_state = CheckpointState(b"zombie", Offsets(set(), 99), zombie.counters.copy(), 0)
    with pytest.raises(Fenced):
        zombie.checkpoint(zombie_state, dt.datetime.now(dt.UTC))
    owner.store_alarms([event(world.mine_a.code, at)])
    state = CheckpointState(b"owner", Offsets(set(), 7), owner.counters.copy(), 0)
    owner.checkpoint(state, dt.datetime.now(dt.UTC))
    row = EngineCheckpoint.objects.get(worker="g-p03")
    assert (bytes(row.snapshot), row.nats_sequence, row.epoch, row.owner) == (b"owner", 7, 2, "b")
    assert Alarm.objects.filter(key__startswith=f"{world.mine_a.code}|p1|").count() == 1
    # The next owner resumes from exactly that checkpoint.
    third = claim_checkpoint("g-p03", "c")
    assert third.epoch == 3 and third.state is not None
    assert third.state.offsets.nats_sequence == 7 and third.state.snapshot == b"owner"
