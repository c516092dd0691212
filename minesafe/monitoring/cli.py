"""``minesafe engine run``: the engine with its database side (directory, NATS, MQTT sources;
the sink), added by this app to the engine's command group so the pure engine never reaches
Django."""

from __future__ import annotations

import argparse
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
    from minesafe.monitoring import runner  # models: only once Django is set up

    return int(runner.main([a for a in args.rest if a != "--"]))
