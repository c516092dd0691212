"""Soak: one engine worker at the national reading rate for an hour → ``bench/results/soak.json``.

``python -m bench.soak [--seconds 3600 --sample 10]``

The national load is 120,000 readings/s (4,000 mines × 300 points every 10 s); as in
``bench.engine_nats`` this run keeps the RATE with 400 mines × 300 points every 1 s, published
paced to NATS JetStream (data time = publish time) and consumed by one real
``minesafe engine run --partitions all`` worker process into PostgreSQL (SQLite if PostgreSQL
is not on 127.0.0.1:5432). Every ``--sample`` seconds the bench reads the worker's resident
memory (RSS) and CPU time from ``/proc``; at the end the worker reports publish → committed for
every message. The verdict:

- **memory**: the least-squares slope of RSS over the run after its first 10 % or 60 s
  (start-up and the first definitions of 120,000 points), in MB per hour; steady if the growth
  it predicts over the steady part is under 5 % of the mean RSS (and under 20 MB);
- **latency**: publish → committed p50 / p95 per 5-minute window of publish time
  (``--window``); steady if no window's p95 exceeds twice the first steady window's and every
  window's p95 is ≤ 2 s;
- **rate**: readings consumed per second against the rate published, and the worker's CPU share.

A measurement, not a test, and not part of CI (``make soak``). The stream is created with a
10-minute age limit (an hour unconsumed would be ~40 GB) and deleted at the end with its lease
bucket and the database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import engine_nats as en

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_P95_S = 2.0
DBNAME = "minesafe_bench_soak"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3600.0, help="length of the paced stream")
    p.add_argument("--sample", type=float, default=10.0, help="seconds between RSS/CPU samples")
    p.add_argument("--mines", type=int, default=400)
    p.add_argument("--points", type=int, default=300)
    p.add_argument("--cycle", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--checkpoint-every", type=float, default=5.0)
    p.add_argument("--nats", default="nats://127.0.0.1:4222")
    p.add_argument("--database-url", default=f"postgres://postgres@127.0.0.1:5432/{DBNAME}")
    p.add_argument("--out", type=Path, default=RESULTS / "soak.json")
    p.add_argument("--window", type=float, default=300.0, help="seconds per latency window")
    p.add_argument("--label", default="", help="a note stored with the result")
    return p.parse_args(argv)


def proc_sample(pid: int) -> tuple[float, float] | None:
    """(RSS in MB, user + system CPU seconds) of one process, from ``/proc`` (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    tick = os.sysconf("SC_CLK_TCK")
    return rss_kb / 1024, (int(stat[11]) + int(stat[12])) / tick


def slope_per_hour(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 3600


async def make_stream(url: str, names: dict[str, str]) -> None:
    import nats

    from minesafe.engine.brokers import describe

    nc = await nats.connect(url)
    await nc.jetstream().add_stream(
        name=names["stream"],
        subjects=[names["subjects"]],
        description=describe(en.PARTITIONS),
        max_age=600.0,
    )
    await nc.close()


def windows(
    latencies: list[float], published: list[float], start: float, width: float
) -> list[dict[str, Any]]:
    by: dict[int, list[float]] = {}
    for latency, at in zip(latencies, published, strict=True):
        by.setdefault(int((at - start) // width), []).append(latency)
    return [
        {
            "from_s": int(k * width),
            "messages": len(v),
            "p50_s": en.percentile(v, 0.5),
            "p95_s": en.percentile(v, 0.95),
            "max_s": round(max(v), 4),
        }
        for k, v in sorted(by.items())
        if k >= 0
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    work, names = en.fresh_run("soak", "soak")
    if args.database_url.startswith("postgres") and not en._reachable("127.0.0.1", 5432):
        print("PostgreSQL is not on 127.0.0.1:5432: SQLite instead", file=sys.stderr)
        args.database_url = "sqlite"
    if not args.database_url.startswith("postgres"):
        args.database_url = f"sqlite:///{work / 'soak.sqlite3'}"
    (db,) = en.fresh_databases(args.database_url, [DBNAME])
    en.setup_django(db)
    from django.db import connections

    from minesafe.simulator.catalogue import make_mines

    en.register_mines([m.code for m in make_mines(args.mines, 1, "990101")])
    connections.close_all()
    asyncio.run(make_stream(args.nats, names))
    samples: list[dict[str, float]] = []
    loads: list[dict[str, Any]] = []
    proc = en.worker(args, names, db, work, "soak", "--partitions", "all")
    try:
        deadline = time.monotonic() + 90
        while len(en.running(work / "leases-soak.jsonl")) < en.PARTITIONS:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the worker did not take every partition within 90 s")
            time.sleep(0.5)
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=5)
        queue: Any = multiprocessing.get_context("spawn").Queue()
        pub = multiprocessing.get_context("spawn").Process(
            target=en.publisher, args=(args, start, names, queue), daemon=True
        )
        pub.start()
        t0 = start.timestamp()
        end = t0 + args.seconds + 15  # the last cycles committed
        next_load = 0.0
        while time.time() < end:
            sample = proc_sample(proc.pid)
            if sample is None:
                raise RuntimeError("the worker ended during the soak")
            now = time.time()
            samples.append({"t_s": round(now - t0, 1), "rss_mb": round(sample[0], 1),
                            "cpu_s": round(sample[1], 2)})  # fmt: skip
            if now >= next_load:
                loads.append({"t_s": round(now - t0), "load": list(os.getloadavg())})
                next_load = now + 60
            time.sleep(args.sample)
        published = queue.get(timeout=120)
        pub.join(timeout=10)
    finally:
        en.stop([proc])
        asyncio.run(en.cleanup(args.nats, names))
        connections.close_all()
        if args.database_url.startswith("postgres"):
            en._admin(args.database_url, f"DROP DATABASE IF EXISTS {DBNAME} WITH (FORCE)")
    published.pop("files")
    stats = en.load(work, ["soak"])
    t0 = start.timestamp()
    series = windows(stats["latencies"], stats["published"], t0, args.window)
    steady_from = max(0.1 * args.seconds, 60.0)
    steady = [s for s in samples if s["t_s"] >= steady_from]
    slope = slope_per_hour([s["t_s"] for s in steady], [s["rss_mb"] for s in steady])
    mean_rss = statistics.fmean(s["rss_mb"] for s in steady) if steady else 0.0
    span_h = (steady[-1]["t_s"] - steady[0]["t_s"]) / 3600 if len(steady) > 1 else 0.0
    growth = (slope or 0.0) * span_h
    memory_ok = slope is not None and growth < min(0.05 * mean_rss, 20.0)
    full = [w for w in series if w["messages"] and w["from_s"] + args.window <= args.seconds + 1]
    full = full or series
    # the first window holds the first definitions of 120,000 points: compare with the second
    base = full[1] if len(full) > 1 else (full[0] if full else None)
    latency_ok = bool(base) and all(
        (w["p95_s"] or 0) <= max(2 * (base["p95_s"] or 0), 0.05) and (w["p95_s"] or 0) <= 2.0
        for w in full[1:] or full
    )
    cpu = [(b["cpu_s"] - a["cpu_s"]) / (b["t_s"] - a["t_s"])
           for a, b in itertools.pairwise(steady) if b["t_s"] > a["t_s"]]  # fmt: skip
    consumed_s = stats["last_at"] - stats["first_at"] if stats.get("first_at") else 0.0
    return {
        "benchmark": "soak",
        "label": args.label or ("full run" if args.seconds >= 3600 else "short run"),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "database": args.database_url.split(":")[0],
            "note": "2 cores shared by the publisher, PostgreSQL, NATS, the worker and other "
            "people's jobs (see the load averages)",
        },
        "scale": {
            "mines": args.mines,
            "points_per_mine": args.points,
            "cycle_s": args.cycle,
            "seconds": args.seconds,
            "readings_per_s": round(args.mines * args.points / args.cycle),
            "partitions": en.PARTITIONS,
            "workers": 1,
            "note": "national rate (120,000 readings/s) with 10x fewer points polled 10x as often",
        },
        "published": published,
        "consumed": {k: stats[k] for k in ("files", "readings", "events", "checkpoints")},
        "consumed_readings_per_s": round(stats["readings"] / consumed_s) if consumed_s else None,
        "verdict": {
            "memory_steady": memory_ok,
            "rss_slope_mb_per_hour": round(slope, 2) if slope is not None else None,
            "rss_growth_over_steady_part_mb": round(growth, 2),
            "rss_mean_mb": round(mean_rss, 1),
            "rss_first_last_mb": [samples[0]["rss_mb"], samples[-1]["rss_mb"]] if samples else [],
            "latency_steady": latency_ok,
            "latency_window_s": args.window,
            "latency_p95_per_window_s": [w["p95_s"] for w in series],
            "worker_cpu_share_mean": round(statistics.fmean(cpu), 3) if cpu else None,
            "rules": "memory: growth predicted by the RSS slope over the run after its first "
            "10 % or 60 s < min(5 % of mean RSS, 20 MB); latency: every window's "
            "publish→committed p95 ≤ 2 s and ≤ twice the second window's (the first holds the "
            "points' definitions)",
        },
        "publish_to_committed_windows": series,
        "samples": samples,
        "load_average": loads,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(report["verdict"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
