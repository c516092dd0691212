"""Web benchmark (issue 2 §9): p50 / p95 of the mine list, a dossier and ``/api/mines/`` with
5,000 mines loaded, under 20 concurrent clients, against the real server (``minesafe serve``).

A measurement, not a test: results go to ``bench/results/web.json``. Traffic stays on loopback
and every loop is bounded.
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


def measure(base: str, urls: dict[str, str], clients: int, rounds: int) -> dict[str, dict]:
    openers = [session(base) for _ in range(clients)]
    for opener in openers[:1]:
        for url in urls.values():
            opener.open(base + url).read()  # warm-up

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
        started = time.perf_counter()
        samples = [s for batch in pool.map(client, range(clients)) for s in batch]
        wall = time.perf_counter() - started
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
    }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mines", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15, help="requests per URL per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="minesafe-bench-"))
    env = {
        **os.environ,
        "MINESAFE_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "minesafe.settings",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    minesafe(env, "demo")
    minesafe(env, "manage", "load_demo", "--bulk", str(args.mines))
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
        }
        results = measure(base, urls, args.clients, args.rounds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "benchmark": "web",
        "issue": 2,
        "mines_in_scope": api["count"],
        "clients": args.clients,
        "server": f"minesafe serve (gunicorn, {args.workers} workers x {args.threads} threads)",
        "database": os.environ.get("DATABASE_URL", "sqlite (embedded default)").split("@")[-1],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
