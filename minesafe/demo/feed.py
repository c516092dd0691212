"""The living demo (issue 6 §4–§5): the demo county's own mines streamed in real time.

``minesafe serve --demo-feed`` (what ``make run`` starts) runs ``minesafe demo-feed``, a small
supervisor that

- reads the demo mines from the register (their real codes, names and gas grades),
- starts ``minesafe simulate --mines-file … --speed 1 --out <spool>`` for a day of data at a
  time (restarted for the next day, so the feed never ends), with scripted incidents drawn at
  rates a county engineer finds plausible (:data:`RATES`),
- starts one ``minesafe engine run --dir <spool> --delete-processed`` consuming the spool, so
  points, alarms, statistics, the archive and positioning are stored by the production path
  and the scheduler turns the alarms into cases,
- ends with its parent (``--exit-with-parent``) and takes its children with it.

The monitoring demo defines its points with :func:`layout_definitions` (the simulator's own
layout of :data:`POINTS_PER_MINE` points, parsed by the engine's CDDY parser), so the live
feed's codes, locations and thresholds are those of the year of history already loaded.

The two mines the positioning demo planted anomalies in (two cards, three correspondences)
are streamed without personnel files: the simulator's roster would replace their planted
areas and cards. Their monitoring is live; their positioning picture stays the planted one
(stale after ``stale_after_s``, as the page says).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import json
import logging
import math
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minesafe.engine.familya import parse_family_a
from minesafe.engine.model import PointDef
from minesafe.simulator.catalogue import given_mines, make_points
from minesafe.simulator.render import CHINA, DefinitionRenderer, file_name

log = logging.getLogger("minesafe.demofeed")

#: Points of every demo mine: the main return, one district, one coal face (1101) and one
#: development face (1102), whole groups of 第五百三十七条 / 第五百四十一条.
POINTS_PER_MINE = 22
#: Layout seed of the points (codes, locations and thresholds do not depend on it; base values
#: do, and the feed uses the same one so each point keeps its level across restarts).
SEED = 2025
#: Each simulator run covers this much data time, then the next one starts where it ended.
RUN_S = 86_400.0
WORKER = "demo-feed"

#: Mean interval (seconds) between scripted incidents of each kind, anywhere in the county.
#: A gas surge every ~25 min (uniform 20–30 min) across ~40 mines is about one per mine every
#: 16 hours; flat lines, over-staffing and two cards a few times a day.
RATES: dict[str, tuple[float, float]] = {
    "gas_surge": (20 * 60.0, 30 * 60.0),
    "flat_line": (6 * 3600.0, 10 * 3600.0),
    "over_staffing": (5 * 3600.0, 8 * 3600.0),
    "multi_card": (7 * 3600.0, 10 * 3600.0),
}
#: Gas surge peaks (% CH₄): mostly just over the 1.0 % alarm (over_limit), sometimes past the
#: 1.5 % power-off (the cut works), rarely over 2.0 % (high_value).
PEAKS: list[tuple[float, float, float]] = [(0.85, 1.05, 1.4), (0.12, 1.5, 1.9), (0.03, 2.0, 2.4)]
FIRST_SURGE_S = (180.0, 420.0)  # the first surge of a run falls 3–7 minutes after its start
SHIFT_S = 8 * 3600.0  # 三八制: shifts start at 00:00, 08:00, 16:00 China time
VIDEO_HEARTBEAT_S = 60.0  # within the coverage rule's heartbeat window (video/data)
SHIFT_MARGIN_S = 40 * 60.0  # personnel incidents only while the crew is surely underground


def layout_definitions(code: str, name: str, gas_grade: str, defined_at: float) -> list[PointDef]:
    """The points the simulator streams for a mine, as the engine parses its CDDY file.

    Going through the engine's own parser means a demo point and a streamed point cannot
    differ in any field the engine compares (no spurious definition-change alarms)."""
    mines = given_mines([(code, name, gas_grade)])
    points = make_points(mines, POINTS_PER_MINE, SEED)
    data = DefinitionRenderer(points).cddy(mines[0], defined_at)
    parsed = parse_family_a(file_name(code, "CDDY", defined_at), data)
    if parsed.quarantine:  # pragma: no cover - the simulator's tests keep this empty
        raise ValueError(f"CDDY of {code} did not parse: {parsed.quarantine[0]}")
    return parsed.points


# --- incidents -------------------------------------------------------------------------------


def _peak(rng: random.Random) -> float:
    x = rng.random()
    for share, lo, hi in PEAKS:
        if x < share:
            return round(rng.uniform(lo, hi), 2)
        x -= share
    return round(rng.uniform(PEAKS[0][1], PEAKS[0][2]), 2)


def _in_shift(start: dt.datetime, at: float, dur: float) -> float | None:
    """``at`` moved forward into a shift so ``[at, at + dur]`` keeps ``SHIFT_MARGIN_S`` from
    either end of the shift (the crew is underground for the whole window); None if it cannot
    fit before the next shift's margin."""
    local = start.astimezone(CHINA)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    into = (local - midnight).total_seconds() + at
    shift_start = math.floor(into / SHIFT_S) * SHIFT_S
    lo = shift_start + SHIFT_MARGIN_S
    hi = shift_start + SHIFT_S - SHIFT_MARGIN_S - dur
    if into > hi:  # too late in this shift: the next one
        lo, hi = lo + SHIFT_S, hi + SHIFT_S
    into = max(into, lo)
    return into - (local - midnight).total_seconds() if into <= hi else None


@dataclass(frozen=True)
class Incident:
    kind: str
    mine: int  # 0-based index into the feed's mine list
    at: float  # seconds after the run's start
    params: dict[str, Any] = field(default_factory=dict)

    def spec(self, index: int) -> str:
        """The simulator's ``kind@key=value,…`` with the mine's 1-based index in its run."""
        keys = {"mine": index, "at": int(self.at), **self.params}
        return f"{self.kind}@" + ",".join(f"{k}={v}" for k, v in keys.items())


def schedule(
    n_mines: int,
    start: dt.datetime,
    duration_s: float,
    seed: int,
    personnel: Callable[[int], bool] = lambda _m: True,
) -> list[Incident]:
    """The scripted incidents of one run, drawn from :data:`RATES` (deterministic in ``seed``
    and the run's start). Personnel incidents only at mines that stream personnel data and
    only inside a shift; nothing in the first two minutes (the engine is warming up)."""
    rng = random.Random(f"{seed}|{start.isoformat()}")
    out: list[Incident] = []
    if n_mines < 1:
        return out
    for kind, (lo, hi) in RATES.items():
        t = rng.uniform(0.0, lo)  # kinds do not all fall at the start
        # ... but the first surge comes within minutes: a visitor sees the alarm path at once
        first = rng.uniform(*FIRST_SURGE_S) if kind == "gas_surge" else None
        while True:
            t = first if first is not None else t + rng.uniform(lo, hi)
            first = None
            params: dict[str, Any]
            if kind == "gas_surge":
                dur = rng.randint(150, 480)
                params = {"peak": _peak(rng), "rise": rng.randint(60, 180), "dur": dur}
                params["fall"] = rng.randint(60, 180)
            elif kind == "flat_line":
                dur = rng.randint(4000, 5400)  # the engine needs an hour of flatness
                params = {"dur": dur}
            elif kind == "over_staffing":
                dur = rng.randint(15, 30) * 60
                params = {"factor": round(rng.uniform(1.1, 1.3), 2), "dur": dur}
            else:
                dur = rng.randint(20, 40) * 60
                params = {"dur": dur}
            if t + dur >= duration_s:
                break
            candidates = list(range(n_mines))
            at: float | None = t
            if kind in ("over_staffing", "multi_card"):
                candidates = [m for m in candidates if personnel(m)]
                at = _in_shift(start, t, dur)
                if at is None or at + dur >= duration_s:
                    continue
            if not candidates or at is None or at < 120:
                continue
            out.append(Incident(kind, rng.choice(candidates), at, params))
    # one point incident at a time per mine: a surge on a flat-lined point would be odd
    out.sort(key=lambda i: i.at)
    busy: dict[int, float] = {}
    kept = []
    for inc in out:
        if inc.kind in ("gas_surge", "flat_line"):
            if busy.get(inc.mine, -1.0) > inc.at:
                continue
            busy[inc.mine] = inc.at + float(inc.params["dur"]) + float(inc.params.get("fall", 0))
        kept.append(inc)
    return kept


# --- the processes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedMine:
    code: str
    name: str
    gas_grade: str
    personnel: bool  # False: the positioning demo planted anomalies here
    #: People underground per shift (夜班, 早班, 中班) and whether only a watch is kept (a stopped
    #: mine); None: the simulator's own roster.
    crew: tuple[int, int, int] | None = None
    watch: bool = False

    def as_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "mine_code": self.code,
            "name": self.name,
            "gas_grade": self.gas_grade,
        }
        if self.crew is not None:
            row.update(crew=list(self.crew), watch=self.watch)
        return row


@dataclass
class Run:
    """One simulator run: its mines, argv and incidents."""

    argv: list[str]
    mines: list[FeedMine]
    incidents: list[Incident]


def engine_argv(spool: Path, python: str = sys.executable) -> list[str]:
    """The engine worker consuming the spool; it deletes what its checkpoints committed."""
    return [
        python, "-m", "minesafe", "engine", "run", "--dir", str(spool), "--worker", WORKER,
        "--delete-processed",
    ]  # fmt: skip


def simulate_argv(
    mines_file: Path,
    spool: Path,
    truth: Path,
    start: dt.datetime,
    duration_s: float,
    incidents: str,
    personnel: bool,
    python: str = sys.executable,
) -> list[str]:
    argv = [
        python, "-m", "minesafe", "simulate", "--mines-file", str(mines_file),
        "--points-per-mine", str(POINTS_PER_MINE), "--seed", str(SEED),
        "--speed", "1", "--duration", f"{int(duration_s)}s",
        "--start", start.astimezone(CHINA).isoformat(timespec="seconds"),
        "--out", str(spool), "--truth", str(truth),
    ]  # fmt: skip
    if incidents:
        argv += ["--incidents", incidents]
    if not personnel:
        argv.append("--no-personnel")
    return argv


def plan_runs(
    mines: Sequence[FeedMine],
    folder: Path,
    start: dt.datetime,
    duration_s: float = RUN_S,
    python: str = sys.executable,
) -> list[Run]:
    """The simulator runs of one period: one for the mines with personnel, one without.

    Writes each run's mines file under ``folder``; incidents are drawn over all mines and each
    goes to the run streaming its mine."""
    spool, truth = folder / "spool", folder / "truth"
    incidents = schedule(len(mines), start, duration_s, SEED, lambda m: mines[m].personnel)
    runs = []
    for personnel in (True, False):
        members = [i for i, m in enumerate(mines) if m.personnel == personnel]
        if not members:
            continue
        position = {m: k + 1 for k, m in enumerate(members)}
        mine_list = [mines[i] for i in members]
        part = "people" if personnel else "plain"
        mines_file = folder / f"mines-{part}.json"
        mines_file.parent.mkdir(parents=True, exist_ok=True)
        mines_file.write_text(
            json.dumps([m.as_json() for m in mine_list], ensure_ascii=False), "utf-8"
        )
        mine_incidents = [i for i in incidents if i.mine in position]
        spec = ";".join(i.spec(position[i.mine]) for i in mine_incidents)
        argv = simulate_argv(
            mines_file, spool, truth / f"{start:%Y%m%d%H%M%S}-{part}", start, duration_s, spec,
            personnel, python,
        )  # fmt: skip
        runs.append(Run(argv, mine_list, mine_incidents))
    return runs


def demo_mines() -> list[FeedMine]:
    """The demo county's mines the monitoring demo defined points for (needs Django)."""
    from minesafe.demo import crews
    from minesafe.demo import positioning as positioning_demo
    from minesafe.demo.monitoring import feed_mines
    from minesafe.registry.choices import MineStatus
    from minesafe.registry.models import Mine

    planted = set(
        Mine.objects.filter(county__code=positioning_demo.COUNTY_CODE, status=MineStatus.PRODUCING)
        .order_by("code")
        .values_list("code", flat=True)[: positioning_demo.MINES]
    )
    mines = []
    for m in feed_mines():
        crew = crews.feed_crew(m.capacity, m.status, m.code)
        mines.append(
            FeedMine(
                m.code,
                m.name,
                m.gas_grade or "low",
                m.code not in planted,
                tuple(crew["crew"]),
                crew["watch"],
            )
        )
    return mines


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM when the feed dies, however it dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    log.info("demo feed: %s", " ".join(argv[1:8]))
    return subprocess.Popen(argv, preexec_fn=_die_with_parent)


def _stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=10)
        if p.poll() is None:
            p.kill()


def run_feed(folder: Path, exit_with_parent: bool = False, poll_s: float = 2.0) -> int:
    """Supervise the engine worker and the simulator runs until stopped (needs Django), and play
    the demo county's video system (heartbeats of its online channels, MON-7)."""
    from minesafe.demo import video as video_demo

    mines = demo_mines()
    if not mines:
        print("minesafe demo-feed: no demo mines in the register (run `minesafe demo`)")
        return 1
    spool = folder / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    parent = os.getppid()
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    engine = _spawn(engine_argv(spool))
    start = dt.datetime.fromtimestamp(10 * math.floor(time.time() / 10), CHINA)
    sims: list[subprocess.Popen[bytes]] = []
    print(f"demo feed: {len(mines)} mines × {POINTS_PER_MINE} points into {spool}", flush=True)
    video_due = 0.0
    try:
        while not stopping:
            if time.monotonic() >= video_due:  # the demo county's cameras report in
                video_demo.tick(dt.datetime.now(dt.UTC))
                video_due = time.monotonic() + VIDEO_HEARTBEAT_S
            if not sims or all(p.poll() is not None for p in sims):
                if sims:
                    start += dt.timedelta(seconds=RUN_S)
                runs = plan_runs(mines, folder, start)
                for run in runs:
                    log.info("demo feed: %d incidents from %s", len(run.incidents), start)
                sims = [_spawn(run.argv) for run in runs]
            if engine.poll() is not None:  # the worker restarts from its checkpoint
                log.warning("demo feed: engine worker exited (%s), restarting", engine.returncode)
                engine = _spawn(engine_argv(spool))
            if exit_with_parent and os.getppid() != parent:
                break
            time.sleep(poll_s)
    finally:
        _stop([*sims, engine])
    return 0


def register(subparsers: Any) -> None:
    """Add ``demo-feed`` to the ``minesafe`` parser."""
    p = subparsers.add_parser("demo-feed", help="stream the demo county in real time (demo only)")
    p.add_argument("--dir", type=Path, help="working directory (default <var>/demo-feed)")
    p.add_argument("--exit-with-parent", action="store_true", help="stop when the parent ends")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minesafe.settings")
    import django

    django.setup()
    from django.conf import settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    folder = args.dir or Path(settings.VAR_DIR) / "demo-feed"
    return run_feed(folder, args.exit_with_parent)
