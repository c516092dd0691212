"""``minesafe engine …`` subcommands (placeholder until the engine lands, issue 3)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``engine`` command group to the ``minesafe`` parser."""
    engine = subparsers.add_parser("engine", help="monitoring engine (issue 3)")
    engine.set_defaults(func=_not_yet)


def _not_yet(args: argparse.Namespace) -> int:
    raise SystemExit("minesafe engine: not built yet (issue 3)")
