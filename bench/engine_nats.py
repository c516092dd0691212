"""Engine workers on NATS JetStream at national load (issue 6 §8) → ``bench/results/…``.

``python -m bench.engine_nats [--mines 400 --points 300 --cycle 1 --seconds 20]``

120,000 readings/s is the national load (4,000 mines × 300 points every 10 s). On a shared
two-core machine this run keeps the reading RATE and shrinks the number of distinct points:
400 mines × 300 points every 1 s (120,000 readings/s, 400 messages/s of ~29 KB). Three parts,
one run, one stream:

1. **Paced**: a publisher process renders the simulator's files and publishes each cycle when
   its time comes (data time = publish time) to ``<prefix>.<partition>.<mine>`` (P = 16);
   two real ``minesafe engine run --partitions auto`` worker processes share the partitions by
   leases. The bench polls ``GET /api/alarms/`` (Django's test client in this process, a
   superuser, against the same PostgreSQL database — not through gunicorn, to leave the two
   cores to the workers) and records when each alarm first appears: **arrival → visible**,
   from the publish of the message that raised it (the cycle at the alarm's opening time; for a
   timer alarm, its deadline). The workers report **publish → committed** for every message.
2. **Throughput, 1 worker**: the same stream, now complete, drained unpaced by one worker
   owning all 16 partitions (``--partitions all --once``) into a fresh copy of the database.
3. **Throughput, 2 workers**: the same, by two workers owning 8 partitions each; the ratio
   (2) / (1) is the scale-out factor on this machine (publisher finished, database and both
   workers on the same 2 cores: not a cluster). Parts 2 and 3 alternate twice; the best run of
   each counts (other jobs on the machine only ever slow a run down).

PostgreSQL by default (SQLite has one writer: two workers would queue on its lock); a fresh
database ``minesafe_bench_nats*`` is made from a template for each part and dropped at the end.
The stream, the lease bucket and the consumers have names of their own and are deleted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_P99_S = 2.0
PARTITIONS = 16
INCIDENTS = (
    "gas_surge@mine=1,at={a},dur=12,peak=2.4,rise=3,fall=3,cut=0;"
    "line_break@mine=2,at={b},dur=60;gas_surge@mine=3,at={c},dur=8,peak=1.6,rise=2,fall=2,cut=1;"
    "gas_surge@mine={m},at={b},dur=10,peak=1.8,rise=2,fall=2;"
    "gas_surge@mine={n},at={c},dur=10,peak=2.2,rise=2,fall=2;"
    "gas_surge@mine={o},at={a},dur=10,peak=1.4,rise=2,fall=2"
)
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/minesafe_bench_nats"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mines", type=int, default=400)
    p.add_argument("--points", type=int, default=300)
    p.add_argument("--cycle", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the published stream")
    p.add_argument("--checkpoint-every", type=float, default=5.0)
    p.add_argument("--poll", type=float, default=0.2, help="seconds between API polls")
    p.add_argument("--nats", default="nats://127.0.0.1:4222")
    p.add_argument("--database-url", default=PG_DEFAULT, help="PostgreSQL (default) or sqlite")
    p.add_argument("--out", type=Path, default=RESULTS / "engine_nats.json")
    return p.parse_args(argv)


# -- databases -----------------------------------------------------------------------------------


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _admin(url: str, sql: str) -> None:
    import psycopg

    base = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(sql)


def fresh_databases(url: str, names: list[str]) -> list[str]:
    """The template (migrated, mines registered by the caller) and one copy per part."""
    if not url.startswith("postgres"):
        return [url] * len(names)
    base = url.rsplit("/", 1)[0]
    for name in names:
        _admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(url, f"CREATE DATABASE {names[0]}")
    return [f"{base}/{name}" for name in names]


def copy_database(url: str, template: str, name: str) -> None:
    if url.startswith("postgres"):
        _admin(url, f"CREATE DATABASE {name} TEMPLATE {template}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
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


# -- the stream ----------------------------------------------------------------------------------


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
        incidents=INCIDENTS.format(
            a=at[0],
            b=at[1],
            c=at[2],
            **{k: int(args.mines * f) for k, f in zip("mno", (0.37, 0.69, 0.97), strict=True)},
        ),
    )


def publisher(args: argparse.Namespace, start: dt.datetime, names: dict[str, str], q: Any) -> None:
    """Child process: render each cycle and publish it when its data time comes."""
    from minesafe.engine import brokers
    from minesafe.simulator.sim import Simulation

    sim = Simulation(sim_config(args, start))

    async def main() -> None:
        import nats

        nc = await nats.connect(args.nats)
        js = nc.jetstream(timeout=10)
        sent = readings = 0
        lag_max = 0.0
        published: dict[str, float] = {}  # "<mine>|<data time>" → its publish was acknowledged

        async def publish(f: Any) -> None:
            subject = brokers.subject(f.mine_code, PARTITIONS, names["prefix"])
            await js.publish(subject, f.data, headers={"Nats-Msg-Id": f.name})
            if f.file_type == "CDSS":
                published[f"{f.mine_code}|{round(f.t)}"] = time.time()

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
        q.put(
            {
                "messages": sent + len(sim.mines),
                "readings": readings,
                "late_max_s": round(lag_max, 4),
                "files": published,
            }
        )

    asyncio.run(main())


async def make_stream(url: str, names: dict[str, str]) -> None:
    import nats

    from minesafe.engine.brokers import ensure_stream

    nc = await nats.connect(url)
    await ensure_stream(nc.jetstream(), names["stream"], [names["subjects"]], PARTITIONS)
    await nc.close()


async def cleanup(url: str, names: dict[str, str]) -> None:
    import contextlib

    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        with contextlib.suppress(Exception):
            await js.delete_stream(names["stream"])
        with contextlib.suppress(Exception):
            await js.delete_key_value(names["bucket"])
    finally:
        await nc.close()


# -- workers -------------------------------------------------------------------------------------


def worker(
    args: argparse.Namespace, names: dict[str, str], db: str, work: Path, tag: str, *extra: str
) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable, "-m", "minesafe", "engine", "run", "--nats", args.nats,
        "--stream", names["stream"], "--subjects", names["subjects"],
        "--partition-count", str(PARTITIONS), "--checkpoint-every", str(args.checkpoint_every),
        "--batch", "500", "--no-archive", "--quarantine", str(work / "quarantine.jsonl"),
        "--lease-bucket", names["bucket"], "--lease-log", str(work / f"leases-{tag}.jsonl"),
        "--stats-out", str(work / f"stats-{tag}.json"), "--worker", tag, *extra,
    ]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": db, "PYTHONPATH": str(ROOT)}
    log = (work / f"worker-{tag}.log").open("wb")
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def running(path: Path) -> dict[int, str]:
    now: dict[int, str] = {}
    if not path.exists():
        return now
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if e["event"] == "start":
            now[e["partition"]] = e["worker"]
        elif now.get(e["partition"]) == e["worker"]:
            del now[e["partition"]]
    return now


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()


def load(work: Path, tags: list[str]) -> dict[str, Any]:
    total: dict[str, Any] = {"latencies": [], "alarm_latencies": []}
    for tag in tags:
        stats = json.loads((work / f"stats-{tag}.json").read_text())
        for key, value in stats.items():
            if isinstance(value, list):
                total.setdefault(key, []).extend(value)
            elif key == "first_at":
                total[key] = min(total.get(key) or value, value)
            elif key == "last_at":
                total[key] = max(total.get(key, 0.0), value)
            else:
                total[key] = total.get(key, 0) + value
    return total


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


# -- the parts -----------------------------------------------------------------------------------


def paced(args: argparse.Namespace, names: dict[str, str], db: str, work: Path) -> dict[str, Any]:
    from django.test import Client

    from minesafe.accounts.models import User

    user = User.objects.create_superuser("bench", "bench@example.invalid", "x")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = [worker(args, names, db, work, f"paced{i}", "--partitions", "auto") for i in (1, 2)]
    loads = {"start": os.getloadavg()}
    seen: dict[str, float] = {}
    opened: dict[str, str] = {}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # every partition running, on both workers
            now = running(work / "leases-paced1.jsonl") | running(work / "leases-paced2.jsonl")
            if len(now) == PARTITIONS and len(set(now.values())) == 2:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("the workers did not take every partition within 90 s")
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=5)
        queue: Any = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(
            target=publisher, args=(args, start, names, queue), daemon=True
        )
        proc.start()
        end = start.timestamp() + args.seconds + 4 * args.cycle + 10  # line_break comes due
        while time.time() < end:
            response = client.get("/api/alarms/", {"page_size": 500})
            t = time.time()
            for alarm in response.json()["results"]:
                seen.setdefault(alarm["key"], t)
                opened[alarm["key"]] = alarm["opened_at"]
            time.sleep(args.poll)
        published = queue.get(timeout=60)
        proc.join(timeout=10)
        loads["publishing"] = os.getloadavg()
    finally:
        stop(workers)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    stats = load(work, ["paced1", "paced2"])
    files: dict[str, float] = published.pop("files")
    visible = []
    for key, first in seen.items():
        # The message that raised it: its mine's file of the alarm's opening time (for a timer
        # alarm, the first file at or after its deadline).
        mine, at = key.split("|", 1)[0], dt.datetime.fromisoformat(opened[key]).timestamp()
        due = [k for k in range(round(at), round(at) + 10) if f"{mine}|{k}" in files]
        if not due:
            continue  # not an alarm of this stream's cycles (none expected)
        cause = files[f"{mine}|{due[0]}"]
        visible.append({"key": key, "visible_s": round(first - cause, 3)})
    delays = [v["visible_s"] for v in visible]
    after = start.timestamp() + 5
    steady = [x for x, t in zip(stats["latencies"], stats["published"], strict=True) if t >= after]
    p99 = percentile(delays, 0.99)
    return {
        "published": published,
        "consumed": {k: stats[k] for k in ("files", "readings", "events", "checkpoints")},
        "arrival_to_visible_s": {
            "alarms": len(delays),
            "p50": percentile(delays, 0.5),
            "p99": p99,
            "max": max(delays) if delays else None,
            "each": sorted(visible, key=lambda v: v["visible_s"]),
            "target_p99": TARGET_P99_S,
            "met": p99 is not None and p99 <= TARGET_P99_S,
            "how": "Django test client GET /api/alarms/ every "
            f"{args.poll} s in the bench process, same PostgreSQL database",
        },
        "publish_to_committed_s": {
            "messages": len(stats["latencies"]),
            "p50": percentile(stats["latencies"], 0.5),
            "p99": percentile(stats["latencies"], 0.99),
            "max": max(stats["latencies"]) if stats["latencies"] else None,
            # Without the first 5 s: the definitions of all 120,000 points (stored once as
            # sensor points, loaded into the engines) arrive just before the first cycle.
            "steady": {
                "messages": len(steady),
                "p50": percentile(steady, 0.5),
                "p99": percentile(steady, 0.99),
                "max": max(steady) if steady else None,
            },
        },
        "workers": {
            # CPU of both worker processes over the whole paced part (start-up, the first
            # definitions of 120,000 points, idle waits included); the thread times are wall
            # time summed over 16 partitions' threads (GIL waits included), for the shares.
            "cpu_s": round(cpu_s, 2),
            "cpu_us_per_reading": round(1e6 * cpu_s / max(stats["readings"], 1), 2),
            "engine_threads_s": round(stats["busy_s"], 2),
            "snapshot_s": round(stats["snapshot_s"], 2),
            "checkpoint_threads_s": round(stats["checkpoint_s"], 2),
        },
        "load_average": loads,
    }


def drain(
    args: argparse.Namespace,
    names: dict[str, str],
    db: str,
    work: Path,
    shares: list[str],
    group: str,
) -> dict[str, Any]:
    """Unpaced: the whole stream by ``len(shares)`` workers, each owning the partitions given."""
    tags = [f"{group}-{i}" for i in range(len(shares))]
    before = os.getloadavg()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = [
        worker(args, names, db, work, tag, "--partitions", share, "--once", "--group", group)
        for tag, share in zip(tags, shares, strict=True)
    ]
    for proc in procs:
        proc.wait(600)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    stats = load(work, tags)
    seconds = stats["last_at"] - stats["first_at"]
    return {
        "workers": len(shares),
        "readings": stats["readings"],
        "seconds": round(seconds, 2),
        "readings_per_s": round(stats["readings"] / seconds) if seconds > 0 else None,
        # CPU of the worker processes, start-up included: if it is the same per reading with
        # two workers, the ratio is bounded by the cores free on the machine, not the design.
        "worker_cpu_s": round(cpu_s, 2),
        "worker_cpu_us_per_reading": round(1e6 * cpu_s / max(stats["readings"], 1), 2),
        "checkpoint_thread_s": round(stats["checkpoint_s"], 2),
        "load_average": {"before": before, "after": os.getloadavg()},
    }


def fresh_run(folder: str, short: str) -> tuple[Path, dict[str, str]]:
    """An emptied work folder ``var/bench/<folder>`` and stream, subject and lease-bucket names
    of this process only (``short`` names them)."""
    work = ROOT / "var" / "bench" / folder
    work.mkdir(parents=True, exist_ok=True)
    for old in work.iterdir():
        old.unlink()
    tag = f"{os.getpid()}"
    names = {
        "stream": f"MS_{short.upper()}_{tag}",
        "prefix": f"ms{short}{tag}.readings",
        "subjects": f"ms{short}{tag}.readings.>",
        "bucket": f"MS_{short.upper()}_LEASES_{tag}",
    }
    return work, names


def run(args: argparse.Namespace) -> dict[str, Any]:
    work, names = fresh_run("engine_nats", "bench")
    dbnames = ["minesafe_bench_nats", *(f"minesafe_bench_nats_{i}" for i in range(1, 5))]
    if args.database_url == PG_DEFAULT and not _reachable("127.0.0.1", 5432):
        print("PostgreSQL is not on 127.0.0.1:5432: SQLite instead (one writer: the two-worker "
              "figures then measure its lock)", file=sys.stderr)  # fmt: skip
        args.database_url = "sqlite"
    if not args.database_url.startswith("postgres"):
        path = work / "engine_nats.sqlite3"
        args.database_url = f"sqlite:///{path}"
    urls = fresh_databases(args.database_url, dbnames)
    setup_django(urls[0])
    from django.db import connections

    from minesafe.simulator.catalogue import make_mines

    register_mines([m.code for m in make_mines(args.mines, 1, "990101")])
    connections.close_all()
    for name in dbnames[1:]:
        copy_database(args.database_url, dbnames[0], name)
    asyncio.run(make_stream(args.nats, names))
    wall = time.perf_counter()
    try:
        part1 = paced(args, names, urls[0], work)
        half = PARTITIONS // 2
        split = [",".join(map(str, range(half))), ",".join(map(str, range(half, PARTITIONS)))]
        # Alternating 1, 2, 1, 2 (each into a fresh copy of the database): other people's jobs
        # come and go on this machine, and they can only slow a run down, so the best of each
        # is the one least disturbed.
        ones, twos = [], []
        for round_ in (1, 2):
            ones.append(drain(args, names, urls[2 * round_ - 1], work, ["all"], f"one{round_}"))
            twos.append(drain(args, names, urls[2 * round_], work, split, f"two{round_}"))
    finally:
        asyncio.run(cleanup(args.nats, names))
        connections.close_all()
        if args.database_url.startswith("postgres"):
            for name in dbnames:
                _admin(args.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    one = max(ones, key=lambda r: r["readings_per_s"] or 0)
    two = max(twos, key=lambda r: r["readings_per_s"] or 0)
    ratio = (
        round(two["readings_per_s"] / one["readings_per_s"], 2)
        if one["readings_per_s"] and two["readings_per_s"]
        else None
    )
    return {
        "benchmark": "engine_nats",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "database": args.database_url.split(":")[0],
            "note": "2 cores shared by the publisher, PostgreSQL, NATS, the workers and the "
            "API poller (and by other people's jobs: see the load averages)",
        },
        "scale": {
            "mines": args.mines,
            "points_per_mine": args.points,
            "cycle_s": args.cycle,
            "seconds": args.seconds,
            "readings_per_s": round(args.mines * args.points / args.cycle),
            "partitions": PARTITIONS,
            "note": "national rate (120,000 readings/s) with 10x fewer points polled 10x as often",
            "checkpoint_every_s": args.checkpoint_every,
        },
        "paced_2_workers": part1,
        "throughput": {
            "one_worker": one,
            "two_workers": two,
            "ratio_2_over_1": ratio,
            "runs": {"one_worker": ones, "two_workers": twos},
            "note": "best of two alternating runs each, same stream, unpaced, fresh database",
        },
        "wall_s": round(time.perf_counter() - wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    visible = result["paced_2_workers"]["arrival_to_visible_s"]
    summary = {
        "arrival_to_visible_s": {k: v for k, v in visible.items() if k != "each"},
        "publish_to_committed_s": result["paced_2_workers"]["publish_to_committed_s"],
        "throughput": result["throughput"],
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
