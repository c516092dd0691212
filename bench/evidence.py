"""What the evidence chains cost (tamper-evident records): ingest throughput with and without
recording the archive's digests, in the same run and alternating, and the sealer's and
verifier's own rates. A measurement, not a test: ``bench/results/evidence.json``.

The ingest path pays only for hashing each Parquet part it writes and storing its digest in the
checkpoint's transaction; sealing runs in the scheduler, beside ingest, and is measured apart.
Target: ingest within 5 % of ingest without the chains.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bench.engine_nats import register_mines, setup_django

RESULTS = Path(__file__).resolve().parent / "results"


def batch(mines: int, points: int, seconds: int, start: float) -> Any:
    """One checkpoint's readings: every point of every mine once a second."""
    from minesafe.monitoring.stats import ReadingColumns

    refs = np.tile(np.arange(mines * points, dtype=np.int64), seconds)
    times = start + np.repeat(np.arange(seconds, dtype=float), mines * points)
    rng = np.random.default_rng(7)
    values = rng.uniform(0.0, 0.5, refs.shape[0])
    return ReadingColumns(refs, times, values, np.zeros(refs.shape[0], np.int64))


def ingest_round(codes: list[str], points: int, archive: Path, chained: bool, n: int) -> float:
    """Readings per CPU-second through ``Sink.checkpoint`` (statistics, archive, checkpoint
    row); the sink's mine index is warm, as in a running worker."""
    from minesafe.monitoring import evidence, sink
    from minesafe.monitoring.sink import CheckpointState, Offsets, Sink

    def names(ref: int) -> tuple[str, str]:
        return codes[ref // points], f"P{ref % points:03d}"

    record = evidence.record_parts
    if not chained:
        sink.evidence.record_parts = lambda *a, **k: 0  # type: ignore[assignment]
    try:
        out = Sink(f"bench-{n}", archive_dir=archive, names=names)
        out.mines.refresh()
        readings = batch(len(codes), points, 60, 1_765_000_000.0 + n * 60)
        out.add_readings(readings)
        state = CheckpointState(b"", Offsets(set(), 0), Counter(), 0)
        started = time.process_time()
        out.checkpoint(state, dt.datetime.now(dt.UTC), final=True)
        return len(readings) / (time.process_time() - started)
    finally:
        sink.evidence.record_parts = record  # type: ignore[assignment]


def audit_history(codes: list[str], count: int) -> None:
    """``count`` audit entries over the mines, as a county's history gives the first seal."""
    from django.contrib.contenttypes.models import ContentType

    from minesafe.core.models import AuditEntry
    from minesafe.registry.models import Mine

    kind = ContentType.objects.get_for_model(Mine)
    ids = list(Mine.objects.filter(code__in=codes).values_list("pk", flat=True))
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                content_type=kind,
                object_id=str(ids[i % len(ids)]),
                object_repr="基准矿",
                mine_id=ids[i % len(ids)],
                action="update",
                username="基准",
                changes={"status": ["producing", "stopped"], "n": i},
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mines", type=int, default=200)
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--audit", type=int, default=50_000, help="audit entries to seal")
    parser.add_argument("--out", type=Path, default=RESULTS / "evidence.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="minesafe-evidence-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite3'}"
    setup_django(url)
    codes = [f"99010{i:07d}" for i in range(args.mines)]
    register_mines(codes)
    from minesafe.core import sealing

    rates: dict[str, list[float]] = {"with": [], "without": []}
    for n in range(args.rounds * 2):
        chained = n % 2 == 0
        rate = ingest_round(codes, args.points, work / "archive", chained, n)
        rates["with" if chained else "without"].append(rate)
    with_rate, without_rate = (statistics.median(rates[k]) for k in ("with", "without"))

    audit_history(codes, args.audit)
    started = time.perf_counter()
    sealed = sealing.seal(dt.datetime.now(dt.UTC)).links
    seal_s = time.perf_counter() - started
    started = time.perf_counter()
    from django.conf import settings

    settings.VAR_DIR = work
    report = sealing.verify()
    verify_s = time.perf_counter() - started
    result = {
        "what": "ingest (Sink.checkpoint: statistics, Parquet archive, checkpoint) with and "
        "without the archive digests; sealer and verifier rates",
        "database": url.split("@")[-1] if url.startswith("postgres") else "sqlite",
        "mines": args.mines,
        "points_per_mine": args.points,
        "readings_per_round": args.mines * args.points * 60,
        "rounds_each": args.rounds,
        "ingest_readings_per_cpu_s": {
            "with_chain": round(with_rate),
            "without_chain": round(without_rate),
            "ratio_with_to_without": round(with_rate / without_rate, 3),
            "target": "ratio >= 0.95",
            "all_rounds": {k: [round(v) for v in vs] for k, vs in rates.items()},
        },
        "seal": {
            "links": sealed,
            "seconds": round(seal_s, 3),
            "links_per_s": round(sealed / seal_s),
        },
        "verify": {
            "ok": report.ok,
            "links": report.links,
            "records": report.records,
            "files": report.files,
            "seconds": round(verify_s, 3),
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": os.getloadavg(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(result["ingest_readings_per_cpu_s"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
