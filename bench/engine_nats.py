"""Engine through NATS JetStream at national load (issue 3 §6) → ``bench/results/engine_nats.json``.

``python -m bench.engine_nats [--mines 400 --points 300 --cycle 1 --seconds 40]``

120,000 readings/s is the national load (4,000 mines × 300 points every 10 s). On a shared
two-core machine this run keeps the reading RATE and shrinks the number of distinct points: by
default 400 mines × 300 points every 1 s (120,000 readings/s, 400 messages/s of ~29 KB). The
same runner code as production (``minesafe.monitoring.runner``) consumes a JetStream durable
pull consumer; a separate publisher process renders the simulator's files on the fly and
publishes each cycle on the wall clock (data time = publish time). Figures:

- p50 / p99 / max from arrival (the JetStream publish timestamp) to the batch's alarms committed,
  over every message and over the messages whose batch raised alarms;
- ``line_break`` lag: the alarm row's commit time minus its deadline (timers, not polling);
- the runner's busy time per reading and its checkpoint cost.

The database is a fresh SQLite file under ``var/bench/`` (or ``--database-url``); the stream and
consumer have names of their own and are deleted at the end. Keep runs under ~3 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_P99_S = 1.0
TARGET_LINE_BREAK_LAG_S = 1.0
INCIDENTS = (
    "gas_surge@mine=1,at={a},dur=12,peak=2.4,rise=3,fall=3,cut=0;"
    "line_break@mine=2,at={b},dur=60;gas_surge@mine=3,at={c},dur=8,peak=1.6,rise=2,fall=2,cut=1"
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mines", type=int, default=400)
    p.add_argument("--points", type=int, default=300)
    p.add_argument("--cycle", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the published stream")
    p.add_argument("--checkpoint-every", type=float, default=10.0)
    p.add_argument("--archive", action="store_true", help="also write the Parquet archive")
    p.add_argument("--nats", default="nats://127.0.0.1:4222")
    p.add_argument("--database-url", help="default: a fresh SQLite file under var/bench/")
    p.add_argument("--out", type=Path, default=RESULTS / "engine_nats.json")
    return p.parse_args(argv)


def setup_django(args: argparse.Namespace, work: Path) -> None:
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        db = work / "engine_nats.sqlite3"
        db.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minesafe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def register_mines(codes: list[str]) -> None:
    """The simulator's mines as plain register rows (the sink stores alarms of known mines)."""
    from minesafe.accounts.choices import DivisionLevel, OrganizationKind
    from minesafe.accounts.models import Division, Organization
    from minesafe.registry.models import Enterprise, Mine

    province = Division.objects.create(code="990000", name="基准省", level=DivisionLevel.PROVINCE)
    county = Division.objects.create(
        code="990101", name="基准县", level=DivisionLevel.COUNTY, parent=province
    )
    org = Organization.objects.create(
        name="基准县应急管理局", division=county, kind=OrganizationKind.EMERGENCY_BUREAU
    )
    company = Enterprise.objects.create(
        name="基准煤业", credit_code="91990101MA00000001", ownership="private"
    )
    Mine.objects.bulk_create(
        [
            Mine(
                code=code,
                name=f"基准矿{i:04d}",
                enterprise=company,
                county=county,
                supervisor=org,
                capacity=120,
                depth=450,
                gas_grade="high" if i % 5 == 0 else "low",
                hydro_type="medium",
                standardization_grade="2",
            )
            for i, code in enumerate(codes)
        ],
        batch_size=500,
    )


def sim_config(args: argparse.Namespace, start: dt.datetime) -> Any:
    from minesafe.simulator.sim import SimConfig

    at = [round(args.seconds * f) for f in (0.25, 0.3, 0.6)]
    return SimConfig(
        mines=args.mines,
        points_per_mine=args.points,
        duration_s=args.seconds,
        cycle_s=args.cycle,
        personnel=False,
        start=start,
        incidents=INCIDENTS.format(a=at[0], b=at[1], c=at[2]),
    )


def publisher(args: argparse.Namespace, start: dt.datetime, names: dict[str, str], q: Any) -> None:
    """Child process: render each cycle and publish it when its data time comes."""
    from minesafe.simulator.sim import Simulation

    sim = Simulation(sim_config(args, start))

    async def main() -> None:
        import nats

        nc = await nats.connect(args.nats)
        js = nc.jetstream(timeout=10)
        sent = readings = 0
        lag_max = 0.0

        async def publish(f: Any) -> None:
            await js.publish(
                f"{names['prefix']}.{f.mine_code}", f.data, headers={"Nats-Msg-Id": f.name}
            )

        await asyncio.gather(*(publish(f) for f in sim.definitions()))
        for k in range(sim.cycles):
            due = sim.t0 + k * args.cycle
            await asyncio.sleep(max(0.0, due - time.time()))
            lag_max = max(lag_max, time.time() - due)
            files = list(sim.cycle_files(k))
            await asyncio.gather(*(publish(f) for f in files))
            sent += len(files)
            readings += sum(f.data.count(b"~") - 1 for f in files)
        await nc.close()
        q.put({"messages": sent + len(sim.mines), "readings": readings, "late_max_s": lag_max})

    asyncio.run(main())


async def make_stream(url: str, names: dict[str, str]) -> None:
    import nats

    from minesafe.monitoring.brokers import ensure_stream

    nc = await nats.connect(url)
    await ensure_stream(nc.jetstream(), names["stream"], [names["subjects"]])
    await nc.close()


async def drop_stream(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


def line_break_lags() -> list[dict[str, Any]]:
    """Commit time minus deadline of every line_break alarm (deadline = the alarm's opened_at)."""
    from minesafe.monitoring.models import Alarm

    rows = Alarm.objects.filter(kind="line_break").values_list("opened_at", "created_at", "details")
    return [
        {"lag_s": round((created - opened).total_seconds(), 4), "details": details}
        for opened, created, details in rows
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    setup_django(args, work)
    from minesafe.monitoring import runner
    from minesafe.monitoring.models import Alarm
    from minesafe.simulator.catalogue import make_mines

    tag = f"{os.getpid()}"
    names = {
        "stream": f"MS_BENCH_{tag}",
        "prefix": f"msbench{tag}.readings",
        "subjects": f"msbench{tag}.readings.>",
        "durable": f"bench{tag}",
    }
    register_mines([m.code for m in make_mines(args.mines, 1, "990101")])
    asyncio.run(make_stream(args.nats, names))
    argv = [
        "--nats", args.nats, "--stream", names["stream"], "--subjects", names["subjects"],
        "--durable", names["durable"], "--worker", names["durable"],
        "--checkpoint-every", str(args.checkpoint_every), "--batch", str(max(args.mines, 500)),
        "--quarantine", str(work / "quarantine.jsonl"),
        *(["--archive", str(work / "archive")] if args.archive else ["--no-archive"]),
    ]  # fmt: skip
    engine_runner = runner.build_runner(runner.build_parser().parse_args(argv))
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=8)
    queue: Any = multiprocessing.get_context("spawn").Queue()
    proc = multiprocessing.get_context("spawn").Process(
        target=publisher, args=(args, start, names, queue), daemon=True
    )
    proc.start()

    async def supervise() -> dict[str, Any]:
        task = asyncio.create_task(engine_runner.run())
        published = await asyncio.get_running_loop().run_in_executor(None, queue.get)
        while engine_runner.stats.files < published["messages"] and not task.done():
            await asyncio.sleep(0.2)
        await asyncio.sleep(3 * args.cycle + 2)  # let the line_break timer come due
        engine_runner.stop.set()
        await task
        return published

    wall = time.perf_counter()
    try:
        published = asyncio.run(supervise())
    finally:
        proc.join(timeout=10)
        asyncio.run(drop_stream(args.nats, names["stream"]))
    wall = time.perf_counter() - wall
    stats = engine_runner.stats
    lags = line_break_lags()
    p99 = percentile(stats.latencies, 0.99)
    return {
        "benchmark": "engine_nats",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "database": os.environ["DATABASE_URL"].split(":")[0],
        },
        "scale": {
            "mines": args.mines,
            "points_per_mine": args.points,
            "cycle_s": args.cycle,
            "seconds": args.seconds,
            "readings_per_s": round(args.mines * args.points / args.cycle),
            "note": "national rate (120,000 readings/s) with 10x fewer points polled 10x as often",
            "archive": args.archive,
            "checkpoint_every_s": args.checkpoint_every,
        },
        "published": published,
        "consumed": {
            "messages": stats.files,
            "readings": stats.readings,
            "alarm_events": stats.events,
            "quarantined": stats.quarantined,
            "checkpoints": stats.checkpoints,
        },
        "latency_s": {
            "p50": percentile(stats.latencies, 0.5),
            "p99": p99,
            "max": round(max(stats.latencies), 4) if stats.latencies else None,
            "alarm_messages": len(stats.alarm_latencies),
            "alarm_p50": percentile(stats.alarm_latencies, 0.5),
            "alarm_p99": percentile(stats.alarm_latencies, 0.99),
            "target_p99": TARGET_P99_S,
            "met": p99 is not None and p99 <= TARGET_P99_S,
        },
        "line_break": {
            "alarms": len(lags),
            "lag_s": [x["lag_s"] for x in lags],
            "target_s": TARGET_LINE_BREAK_LAG_S,
            "met": bool(lags) and all(0 <= x["lag_s"] <= TARGET_LINE_BREAK_LAG_S for x in lags),
        },
        "runner": {
            "busy_s": round(stats.busy_s, 2),
            "checkpoint_s": round(stats.checkpoint_s, 2),
            "busy_us_per_reading": round(1e6 * stats.busy_s / max(stats.readings, 1), 3),
            "wall_s": round(wall, 1),
        },
        "alarms_by_kind": dict(
            Alarm.objects.values_list("kind").annotate(n=__import__("django").db.models.Count("pk"))
        ),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps({k: result[k] for k in ("latency_s", "line_break", "runner")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
