"""The living demo's feed (docs/demo.md): the processes it starts, the incidents it scripts, the
demo mines it streams, the spool it prunes, and a short run end to end through the engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import math
from pathlib import Path

import pytest
from django.utils import timezone

from minesafe.cli import build_parser
from minesafe.demo import feed
from minesafe.demo import monitoring as monitoring_demo
from minesafe.monitoring import runner
from minesafe.monitoring.models import EngineCheckpoint, ReadingStat, SensorPoint
from minesafe.monitoring.sources import DirectorySource
from minesafe.positioning.models import Snapshot
from minesafe.simulator.render import CHINA
from minesafe.simulator.sim import SimConfig, Simulation
from minesafe.testing import World

START = dt.datetime(2026, 11, 23, 15, 37, 10, tzinfo=CHINA)
MINES = [
    feed.FeedMine("960121000001", "甲矿", "high", True),
    feed.FeedMine("960121000002", "乙矿", "low", False),
    feed.FeedMine("960121000003", "丙矿", "outburst", True),
]


def test_engine_worker_argv_consumes_and_prunes_the_spool(tmp_path: Path) -> None:
    argv = feed.engine_argv(tmp_path / "spool", python="py")
    assert argv[:5] == ["py", "-m", "minesafe", "engine", "run"]
    assert argv[argv.index("--dir") + 1] == str(tmp_path / "spool")
    assert "--delete-processed" in argv and argv[argv.index("--worker") + 1] == feed.WORKER
    assert "--once" not in argv  # it runs as long as the server


def test_plan_splits_mines_by_personnel_and_routes_incidents(tmp_path: Path) -> None:
    runs = feed.plan_runs(MINES, tmp_path, START, python="py")
    assert [[m.code for m in r.mines] for r in runs] == [
        ["960121000001", "960121000003"],
        ["960121000002"],
    ]
    people, plain = runs
    assert "--no-personnel" not in people.argv and "--no-personnel" in plain.argv
    for run in runs:
        argv = run.argv
        assert argv[argv.index("--speed") + 1] == "1"
        assert argv[argv.index("--points-per-mine") + 1] == str(feed.POINTS_PER_MINE)
        assert argv[argv.index("--start") + 1] == "2026-11-23T15:37:10+08:00"
        assert argv[argv.index("--duration") + 1] == f"{int(feed.RUN_S)}s"
        assert argv[argv.index("--out") + 1] == str(tmp_path / "spool")
        listed = json.loads(Path(argv[argv.index("--mines-file") + 1]).read_text("utf-8"))
        assert [m["mine_code"] for m in listed] == [m.code for m in run.mines]
        assert {m["gas_grade"] for m in listed} <= {"low", "high", "outburst"}
    assert all(i.kind in ("gas_surge", "flat_line") for i in plain.incidents)
    assert {i.kind for i in people.incidents} >= {"gas_surge", "over_staffing", "multi_card"}
    # the spec the simulator gets names the mine by its place in that run's list
    spec = people.argv[people.argv.index("--incidents") + 1]
    assert spec.count(";") == len(people.incidents) - 1
    assert all(f"mine={2 if i.mine == 2 else 1}," in i.spec(2 if i.mine == 2 else 1)
               for i in people.incidents)  # fmt: skip


def test_a_days_incidents_are_plausible_and_the_simulator_accepts_them() -> None:
    incidents = feed.schedule(len(MINES), START, feed.RUN_S, feed.SEED, lambda m: m != 1)
    by_kind: dict[str, list[feed.Incident]] = {}
    for inc in incidents:
        by_kind.setdefault(inc.kind, []).append(inc)
    assert 40 <= len(by_kind["gas_surge"]) <= 72  # one every 20–30 minutes, a few dropped
    assert len(by_kind["flat_line"]) in range(1, 5)  # every 6–10 h
    assert len(by_kind.get("over_staffing", [])) in range(1, 6)  # every 5–8 h, within a shift
    assert len(by_kind.get("multi_card", [])) in range(1, 5)  # every 7–10 h, within a shift
    peaks = [float(i.params["peak"]) for i in by_kind["gas_surge"]]
    assert min(peaks) >= 1.05 and max(peaks) <= 2.4 and sorted(peaks)[len(peaks) // 2] < 1.5
    midnight = START.replace(hour=0, minute=0, second=0)
    for inc in incidents:
        assert inc.at >= 120 and inc.at + float(inc.params["dur"]) < feed.RUN_S
        if inc.kind in ("over_staffing", "multi_card"):
            assert inc.mine != 1
            into = (START - midnight).total_seconds() + inc.at
            shift = math.floor(into / feed.SHIFT_S) * feed.SHIFT_S
            assert into >= shift + feed.SHIFT_MARGIN_S
            assert into + float(inc.params["dur"]) <= shift + feed.SHIFT_S - feed.SHIFT_MARGIN_S
    points = sorted((i for i in incidents if i.kind != "over_staffing" and i.kind != "multi_card"),
                    key=lambda i: (i.mine, i.at))  # fmt: skip
    for a, b in itertools.pairwise(points):
        if a.mine == b.mine:
            assert a.at + float(a.params["dur"]) <= b.at  # one point incident at a time
    people = [i for i in incidents if i.mine != 1]
    index = {0: 1, 2: 2}
    spec = ";".join(i.spec(index[i.mine]) for i in people)
    mine_list = tuple((m.code, m.name, m.gas_grade) for k, m in enumerate(MINES) if k != 1)
    sim = Simulation(
        SimConfig(mine_list=mine_list, points_per_mine=feed.POINTS_PER_MINE, seed=feed.SEED,
                  duration_s=feed.RUN_S, start=START, incidents=spec)
    )  # fmt: skip
    assert len(sim.incidents) == len(people)


def test_layout_definitions_are_the_simulators_points() -> None:
    defs = feed.layout_definitions("960121000001", "甲矿", "high", START.timestamp())
    assert len(defs) == feed.POINTS_PER_MINE
    assert all(d.point_code.startswith("96012100000101") and len(d.point_code) == 28 for d in defs)
    corner = next(d for d in defs if d.location.endswith("采煤工作面回风隅角甲烷"))
    assert (corner.alarm_hi, corner.poweroff_hi, corner.poweron_hi) == (1.0, 1.5, 1.0)


def test_directory_source_forgets_vanished_files_and_deletes_when_asked(tmp_path: Path) -> None:
    (tmp_path / "a_CDSS_20261123000000.txt").write_text("x")
    (tmp_path / "b_CDSS_20261123000010.txt").write_text("x")
    source = DirectorySource(path=tmp_path, processed={"gone_CDSS_20261122000000.txt",
                             "a_CDSS_20261123000000.txt"}, delete_processed=True)  # fmt: skip
    assert [p.name for p in source.pending()] == ["b_CDSS_20261123000010.txt"]
    assert source.processed == {"a_CDSS_20261123000000.txt"}
    assert source.listed == {"a_CDSS_20261123000000.txt", "b_CDSS_20261123000010.txt"}
    source._acker("b_CDSS_20261123000010.txt")()
    assert not (tmp_path / "b_CDSS_20261123000010.txt").exists()
    source.pending()
    assert source.processed == {"a_CDSS_20261123000000.txt"}


@pytest.mark.django_db(transaction=True)
def test_demo_mines_come_from_the_register_and_spare_the_planted_positioning(world: World):
    mines = feed.demo_mines()
    assert [m.code for m in mines] == [m.code for m in monitoring_demo.feed_mines()]
    assert all(m.gas_grade in ("low", "high", "outburst") for m in mines)


@pytest.mark.django_db(transaction=True)
def test_a_few_minutes_of_feed_reach_the_demo_points_and_positioning(
    world: World, tmp_path: Path
) -> None:
    """Two demo-like mines with the monitoring demo's points; five simulated minutes at speed 0
    through ``engine run --once --delete-processed``: statistics for the demo's own codes,
    personnel snapshots, an empty spool and a processed list that follows it."""
    now = timezone.now()
    mines = [world.mine_a, world.mine_b]
    created = [p for mine in mines for p in monitoring_demo._points(mine, now)]
    SensorPoint.objects.bulk_create(created)
    demo_codes = {p.code for p in created}
    defined = SensorPoint.objects.filter(mine__in=mines).count()
    feed_mines = [feed.FeedMine(m.code, m.name, m.gas_grade or "low", True) for m in mines]
    start = dt.datetime.fromtimestamp(10 * math.floor(now.timestamp() / 10) - 600, CHINA)
    (run,) = feed.plan_runs(feed_mines, tmp_path, start, duration_s=300, python="py")
    argv = run.argv[run.argv.index("simulate") :]
    argv[argv.index("--speed") + 1] = "0"
    args = build_parser().parse_args(argv)
    assert args.func(args) == 0
    spool = tmp_path / "spool"
    assert len(list(spool.glob("*.txt"))) > 60

    def engine_once() -> runner.Stats:
        args = runner.build_parser().parse_args(
            ["--dir", str(spool), "--once", "--worker", "feedtest", "--delete-processed",
             "--no-archive", "--quarantine", str(tmp_path / "q.jsonl")]
        )  # fmt: skip
        return asyncio.run(runner.build_runner(args).run())

    stats = engine_once()
    assert stats.readings == 2 * 30 * feed.POINTS_PER_MINE and stats.quarantined == 0
    streamed = set(
        ReadingStat.objects.filter(mine__in=mines, period=60).values_list("point_code", flat=True)
    )
    assert streamed == demo_codes  # every demo point, no point of another code
    assert SensorPoint.objects.filter(mine__in=mines).count() == defined  # none added
    assert Snapshot.objects.filter(mine__in=mines).values("mine").distinct().count() == 2
    assert not list(spool.glob("*.txt"))  # the spool is emptied once stored
    engine_once()  # nothing left: the processed list follows the directory
    assert EngineCheckpoint.objects.get(worker="feedtest").processed_files == []


def test_the_first_surge_of_a_run_comes_within_minutes() -> None:
    surges = [i for i in feed.schedule(3, START, feed.RUN_S, 11) if i.kind == "gas_surge"]
    assert feed.FIRST_SURGE_S[0] <= surges[0].at <= feed.FIRST_SURGE_S[1]


def test_a_shift_leader_is_underground_whenever_its_crew_is() -> None:
    """带班: the leader goes down with the first of the crew and up with the last, so an engine
    that starts watching mid-shift never sees a crew without its leader."""
    sim = Simulation(SimConfig(mines=3, points_per_mine=22, duration_s=86_400.0))
    people = sim.people
    assert people is not None
    for t in range(int(sim.t0), int(sim.t0) + 86_400, 300):
        enter, leave = people.presence(float(t))
        down = (enter <= t) & (t < leave)
        for mine in range(3):
            for shift in range(3):
                crew = down & (people.mine == mine) & (people.shift == shift)
                if crew.any():
                    assert (crew & people.leader).any(), (t, mine, shift)


def test_the_feed_streams_each_mines_own_crews(tmp_path: Path) -> None:
    """The live feed hands the simulator each mine's crews by size and status (a watch in a
    stopped mine), not one roster everywhere: the mines file carries them and reads back."""
    from minesafe.demo import crews
    from minesafe.registry.choices import MineStatus
    from minesafe.simulator.cli import read_mines_file

    large = crews.feed_crew(240, MineStatus.PRODUCING, "960121000001")
    stopped = crews.feed_crew(240, MineStatus.SUSPENDED, "960121000003")
    mines = [
        feed.FeedMine("960121000001", "甲矿", "high", True, tuple(large["crew"]), large["watch"]),
        feed.FeedMine("960121000002", "乙矿", "low", True),
        feed.FeedMine("960121000003", "丙矿", "low", True, tuple(stopped["crew"]), True),
    ]
    path = tmp_path / "mines.json"
    path.write_text(json.dumps([m.as_json() for m in mines], ensure_ascii=False), "utf-8")
    rows = read_mines_file(path)
    assert rows[0][3] == tuple(large["crew"]) and rows[0][4] is False
    assert len(rows[1]) == 3  # no crews given: the simulator's own roster
    assert rows[2][4] is True and max(rows[2][3]) < min(rows[0][3])
