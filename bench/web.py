"""Web benchmark (issue 2 §9): p50 / p95 of the mine list, a dossier and ``/api/mines/`` with
5,000 mines loaded, under 20 concurrent clients, against the real server (``minesafe serve``).

A measurement, not a test: results go to ``bench/results/web.json``. Traffic stays on loopback
and every loop is bounded. The machine's load averages are recorded beside the figures (the
development machine is shared, so a busy CPU shows up in them). ``--in-process`` also measures
the server's own CPU cost per request through the Django test client (no HTTP, no client
threads), the figure the latency follows from: with 20 clients on 2 cores, p95 ≤ 200 ms needs
roughly ≤ 8 ms per request. ``--var-dir`` keeps the loaded database for the next run and
``--before`` embeds an earlier report, so before/after figures sit in one file.

The floor: in the same run, by the same server and clients, two bare Django views
(``bench/web_urls.py``, served only under the benchmark's settings) list the same 50 mines'
same columns with a plain template and a plain ``JsonResponse``; the report gives ours as a
ratio to them (list and dossier to the HTML floor, the API to the JSON floor).
``--database postgres`` runs against PostgreSQL on 127.0.0.1:5432 (a database of its own,
``minesafe_bench_web``, made fresh unless ``--var-dir`` already holds it loaded).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/minesafe_bench_web"
FLOORS = {"floor_html": "/bench-floor/mines/", "floor_json": "/bench-floor/api/mines/"}
#: which floor each of ours is compared with
FLOOR_OF = {"mine_list": "floor_html", "dossier": "floor_html", "api_mines": "floor_json"}
USER, PASSWORD = "city", "demo-password"  # the city regulator sees every demo county's mines


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def minesafe(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "minesafe", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def wait_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not start")


def session(base: str) -> urllib.request.OpenerDirector:
    """A logged-in browser-like session (CSRF token, session cookie)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    data = urllib.parse.urlencode(
        {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request).read()
    return opener


def in_process(env: dict[str, str], urls: dict[str, str], repeat: int) -> dict[str, dict]:
    """Mean in-process cost per request and query count, in a fresh interpreter (same env)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.web", "--measure-in-process", json.dumps(urls), str(repeat)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _measure_in_process(urls: dict[str, str], repeat: int) -> dict[str, dict]:
    """Run inside the server's settings: the test client as the benchmark user."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from minesafe.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=USER))
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    results = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm-up: templates, caches
        queries.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        started = time.process_time()
        for _ in range(repeat):
            client.get(url)
        results[name] = {
            "cpu_ms_per_request": round((time.process_time() - started) / repeat * 1000, 2),
            "queries": len(queries),
        }
    return results


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from ``/proc`` (Linux).

    The server's CPU per request is what the latency follows from on a shared machine, where
    other people's load makes the p95 alone say little.
    """
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(p, 0.0) for p in tree)


def measure(
    base: str, urls: dict[str, str], clients: int, rounds: int, server_pid: int
) -> dict[str, dict]:
    openers = [session(base) for _ in range(clients)]
    for opener in openers:  # warm-up: every worker has imported its views and compiled templates
        for url in urls.values():
            opener.open(base + url).read()

    def client(index: int) -> list[tuple[str, float, int]]:
        opener, samples = openers[index], []
        for _ in range(rounds):
            for name, url in urls.items():
                started = time.perf_counter()
                with opener.open(base + url, timeout=60) as response:
                    response.read()
                    status = response.status
                samples.append((name, time.perf_counter() - started, status))
        return samples

    with ThreadPoolExecutor(clients) as pool:
        server_cpu, client_cpu = tree_cpu_seconds(server_pid), time.process_time()
        started = time.perf_counter()
        samples = [s for batch in pool.map(client, range(clients)) for s in batch]
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        server_cpu = tree_cpu_seconds(server_pid) - server_cpu
    results = {}
    for name in urls:
        times = sorted(t for n, t, _ in samples if n == name)
        statuses = {s for n, _, s in samples if n == name}
        results[name] = {
            "url": urls[name],
            "requests": len(times),
            "statuses": sorted(statuses),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
            "max_ms": round(times[-1] * 1000, 1),
            "target_p95_ms": 200,
        }
    results["_total"] = {
        "requests": len(samples),
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(samples) / wall, 1),
        "server_cpu_ms_per_request": round(server_cpu / len(samples) * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / len(samples) * 1000, 2),
    }
    return results


def floor_ratios(results: dict[str, dict], cost: dict[str, dict] | None) -> dict[str, dict]:
    """Ours against the floor measured in the same run: p50, p95 and in-process CPU."""
    out = {}
    for name, floor in FLOOR_OF.items():
        ours, base = results[name], results[floor]
        row = {
            "floor": floor,
            "p50_ms": [ours["p50_ms"], base["p50_ms"]],
            "p95_ms": [ours["p95_ms"], base["p95_ms"]],
            "p50_ratio": round(ours["p50_ms"] / base["p50_ms"], 2),
            "p95_ratio": round(ours["p95_ms"] / base["p95_ms"], 2),
        }
        if cost:
            a, b = cost[name]["cpu_ms_per_request"], cost[floor]["cpu_ms_per_request"]
            row["cpu_ms_per_request"] = [a, b]
            row["cpu_ratio"] = round(a / b, 2)
        out[name] = row
    return out


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    base = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mines", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15, help="requests per URL per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument(
        "--in-process", type=int, default=0, metavar="N", help="also time N test-client requests"
    )
    parser.add_argument(
        "--var-dir", type=Path, help="keep the loaded database here and reuse it on the next run"
    )
    parser.add_argument("--before", type=Path, help="an earlier web.json to embed as 'before'")
    parser.add_argument(
        "--database", choices=["sqlite", "postgres"], default="sqlite", help=f"postgres: {PG_URL}"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "web.json")
    parser.add_argument("--measure-in-process", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_in_process:
        urls_json, repeat = args.measure_in_process
        print(json.dumps(_measure_in_process(json.loads(urls_json), int(repeat))))
        return 0
    before = json.loads(args.before.read_text()) if args.before else None
    if before:
        before.pop("before", None)

    workdir = args.var_dir or Path(tempfile.mkdtemp(prefix="minesafe-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MINESAFE_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "bench.web_settings",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    if args.database == "postgres":
        env["DATABASE_URL"] = PG_URL
    else:
        env.pop("DATABASE_URL", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loaded = workdir / f"loaded-{args.database}-{args.mines}"
    if not loaded.exists():
        if args.database == "postgres":
            admin_sql(PG_URL, "DROP DATABASE IF EXISTS minesafe_bench_web WITH (FORCE)")
            admin_sql(PG_URL, "CREATE DATABASE minesafe_bench_web")
        minesafe(env, "demo")
        minesafe(env, "manage", "load_demo", "--bulk", str(args.mines))
        loaded.touch()
    load_before = os.getloadavg()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "minesafe",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(base)
        api = json.loads(session(base).open(f"{base}/api/mines/?page_size=1").read())
        mine_id = api["results"][0]["id"]
        urls = {
            "mine_list": "/mines/",
            "dossier": f"/mines/{mine_id}/",
            "api_mines": "/api/mines/",
            **FLOORS,
        }
        results = measure(base, urls, args.clients, args.rounds, server.pid)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    cost = in_process(env, urls, args.in_process) if args.in_process else None
    if args.var_dir is None:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.database == "postgres":
            admin_sql(PG_URL, "DROP DATABASE IF EXISTS minesafe_bench_web WITH (FORCE)")
    report = {
        "benchmark": "web",
        "issue": 2,
        "mines_in_scope": api["count"],
        "clients": args.clients,
        "server": f"minesafe serve (gunicorn, {args.workers} workers x {args.threads} threads)",
        "database": env.get("DATABASE_URL", "sqlite (embedded default)").split("@")[-1],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_1_5_15": {
            "before_run": [round(x, 2) for x in load_before],
            "after_run": [round(x, 2) for x in load_after],
        },
        "results": results,
        "floor": floor_ratios(results, cost),
    }
    if cost:
        report["in_process"] = cost
    if before:
        report["before"] = before
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
