"""``minesafe engine …`` subcommands: ``replay`` (pure, no database); the monitoring app adds
``run`` (the database side) to the group :func:`register` returns.

``minesafe engine replay DIR --out alarms.jsonl [--mines mines.json] [--quarantine FILE]`` writes
one JSON line per alarm episode and the counts on stderr; bad arguments exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from minesafe.engine.events import Action


def register(subparsers: Any) -> Any:
    """Add the ``engine`` command group to the ``minesafe`` parser; returns its subcommands."""
    engine = subparsers.add_parser("engine", help="monitoring engine")
    sub = engine.add_subparsers(dest="engine_command", required=True)
    rp = sub.add_parser("replay", help="replay a directory of networking files, no database")
    rp.add_argument("directory", type=Path)
    rp.add_argument("--out", type=Path, required=True, help="alarms as JSON lines")
    rp.add_argument("--mines", type=Path, help="mine facts JSON: {code: {gas_grade: …}}")
    rp.add_argument("--quarantine", type=Path, help="malformed records as JSON lines")
    rp.set_defaults(func=_replay)
    return sub


def load_facts(path: Path) -> dict[str, dict[str, Any]]:
    """Mine facts from ``{code: {...}}`` or ``[{"code"/"mine_code": …, …}]``."""
    data = json.loads(path.read_text("utf-8"))
    if isinstance(data, list):
        return {str(m.get("code") or m["mine_code"]): dict(m) for m in data}
    if isinstance(data, dict):
        return {str(k): dict(v) for k, v in data.items()}
    raise ValueError("mines file must be an object or a list")


def _replay(args: argparse.Namespace) -> int:
    from minesafe.engine.replay import replay

    if not args.directory.is_dir():
        print(f"minesafe engine replay: {args.directory} is not a directory", file=sys.stderr)
        return 2
    facts = None
    if args.mines is not None:
        try:
            facts = load_facts(args.mines)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            print(f"minesafe engine replay: --mines {args.mines}: {exc}", file=sys.stderr)
            return 2
    try:
        out = args.out.open("w", encoding="utf-8")
    except OSError as exc:
        print(f"minesafe engine replay: --out {args.out}: {exc}", file=sys.stderr)
        return 2
    with out:
        result = replay(
            args.directory,
            facts,
            on_episode=lambda ep: out.write(json.dumps(ep.as_json(), ensure_ascii=False) + "\n"),
        )
    if args.quarantine is not None:
        with args.quarantine.open("w", encoding="utf-8") as q:
            for rec in result.quarantine:
                q.write(json.dumps(rec.as_dict(), ensure_ascii=False) + "\n")
    rate = result.counts["readings"] / result.seconds if result.seconds else 0.0
    cpu_rate = result.counts["readings"] / result.cpu_seconds if result.cpu_seconds else 0.0
    for key in sorted(result.counts):
        print(f"{key}: {result.counts[key]}", file=sys.stderr)
    print(
        f"seconds: {result.seconds:.3f}  readings/s: {rate:,.0f}  "
        f"cpu seconds: {result.cpu_seconds:.3f}  readings/cpu-s: {cpu_rate:,.0f}",
        file=sys.stderr,
    )
    return 0


__all__ = ["Action", "load_facts", "register"]
