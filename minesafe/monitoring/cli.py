"""``minesafe engine run``: the engine with its database side (directory, NATS, MQTT sources;
the sink), added by this app to the engine's command group so the pure engine never reaches
Django."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import json
import logging
import os
import signal
import socket
from typing import Any

from minesafe.core.setup import django_setup


def register(engine_commands: Any) -> None:
    run = engine_commands.add_parser(
        "run",
        help="watch a directory and the brokers (database sink)",
        prefix_chars="+",
        add_help=False,
    )
    run.add_argument("rest", nargs=argparse.REMAINDER)
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    """The runner's own options follow (``minesafe engine run --help``)."""
    django_setup()
    return main([a for a in args.rest if a != "--"])


def main(argv: list[str]) -> int:
    """Entry point of ``minesafe engine run`` (called after Django is set up)."""
    from minesafe.monitoring import runner  # models: only once Django is set up
    from minesafe.monitoring.partitioned import PartitionWorker

    parser = runner.build_parser()
    args = parser.parse_args(argv)
    if args.dir is None and not args.nats and not args.mqtt:
        parser.error("give at least one source: --dir, --nats or --mqtt")
    if args.dir is not None and not args.dir.is_dir():
        parser.error(f"--dir {args.dir}: not a directory")
    if args.partitions and (not args.nats or args.dir is not None or args.mqtt):
        parser.error("--partitions needs --nats and no other source")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(AttributeError, ValueError):  # SIGUSR1: every thread's stack
        faulthandler.register(signal.SIGUSR1)
    if args.partitions:
        args.worker = args.worker or f"{socket.gethostname()}-{os.getpid()}"
        worker = PartitionWorker(args)
        try:
            stats = asyncio.run(runner.serve(worker))
        except ValueError as exc:
            parser.error(str(exc))
    else:
        args.worker = args.worker or "engine"
        stats = runner.run_restarting(args)
    if args.stats_out is not None:
        args.stats_out.write_text(json.dumps(runner.stats_json(stats)), "utf-8")
    print(
        f"engine {args.worker}: {stats.files} files, {stats.readings} readings, "
        f"{stats.events} alarm events, {stats.quarantined} quarantined, "
        f"{stats.checkpoints} checkpoints"
    )
    return 0
