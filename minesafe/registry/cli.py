"""``minesafe rules …``: the register's rules on the command line, JSON on stdout (issue 2 §5).

Bad arguments exit 2 with a message (argparse's convention). No database is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from minesafe.registry import rules

YES_NO = {"yes": True, "no": False}


def _non_negative(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _print(result: dict[str, Any]) -> int:
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _project_approval(args: argparse.Namespace) -> int:
    result = rules.project_approval(
        kind=args.kind,
        capacity=args.capacity,
        depth=args.depth,
        gas_grade=args.gas_grade,
        rock_burst=YES_NO[args.rock_burst],
        hydro_type=args.hydro_type,
        size=args.size,
    )
    return _print(result.as_dict())


def _accident_grade(args: argparse.Namespace) -> int:
    result = rules.accident_grade(
        deaths=args.deaths, serious_injuries=args.serious_injuries, direct_loss=args.direct_loss
    )
    return _print(result.as_dict())


def register(subparsers: Any) -> None:
    """Add ``rules project-approval`` (REG-8) and ``rules accident-grade`` (ACC-2)."""
    group = subparsers.add_parser("rules", help="evaluate regulation rules, JSON on stdout")
    sub = group.add_subparsers(dest="rule", required=True)

    approval = sub.add_parser("project-approval", help="REG-8 project approval check")
    approval.add_argument("--kind", required=True, choices=["new", "expansion"])
    approval.add_argument(
        "--capacity", required=True, type=_non_negative(float), help="design capacity, 10^4 t/a"
    )
    approval.add_argument(
        "--depth", required=True, type=_non_negative(float), help="mining depth, m"
    )
    approval.add_argument("--gas-grade", required=True, choices=["low", "high", "outburst"])
    approval.add_argument("--rock-burst", required=True, choices=list(YES_NO))
    approval.add_argument(
        "--hydro-type", required=True, choices=["simple", "medium", "complex", "extreme"]
    )
    approval.add_argument("--size", required=True, choices=["large", "medium", "small"])
    approval.set_defaults(func=_project_approval)

    accident = sub.add_parser("accident-grade", help="ACC-2 accident grade")
    accident.add_argument("--deaths", required=True, type=_non_negative(int))
    accident.add_argument("--serious-injuries", required=True, type=_non_negative(int))
    accident.add_argument(
        "--direct-loss",
        required=True,
        type=_non_negative(float),
        help="direct economic loss, 10^4 CNY",
    )
    accident.set_defaults(func=_accident_grade)
