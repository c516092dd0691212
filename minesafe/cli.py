"""The ``minesafe`` console command.

Subcommands are registered by the area that owns them (``register(subparsers)``), so the
command grows with the platform without this module knowing every option. Commands that
need Django set it up lazily: ``minesafe rules`` and ``minesafe engine replay`` run without a
database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

from minesafe.core.setup import django_setup
from minesafe.demo import feed as demo_feed
from minesafe.engine import cli as engine_cli
from minesafe.monitoring import cli as monitoring_cli
from minesafe.registry import cli as rules_cli
from minesafe.simulator import cli as simulate_cli


def _serve(args: argparse.Namespace) -> int:
    """Migrate, then serve with gunicorn: the same server in a county office as in production."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.scheduler:
        # The deadlines' clocks beside the web server; it ends when the server (this pid) ends.
        subprocess.Popen(
            [sys.executable, "-m", "minesafe", "manage", "scheduler", "--exit-with-parent"]
        )
    if args.demo_feed:
        # The living demo (docs/demo.md): the demo mines streamed in real time; opt-in only.
        subprocess.Popen([sys.executable, "-m", "minesafe", "demo-feed", "--exit-with-parent"])
    argv = [
        "gunicorn",
        "minesafe.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--access-logfile",
        "-",
    ]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])
    return 0  # pragma: no cover - execvp does not return


def _demo(args: argparse.Namespace) -> int:
    django_setup()
    import time

    from django.core.management import call_command

    started = time.perf_counter()
    print("数据库迁移 …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    print(f"        完成（{time.perf_counter() - started:.1f} 秒）", flush=True)
    call_command("load_demo", seed=args.seed, mines=args.mines)
    return 0


def _manage(args: argparse.Namespace) -> int:
    django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minesafe", *args.rest])
    return 0


#: Management commands a regulator or an operator runs directly: ``minesafe verify`` …
COMMANDS = {
    "verify": "check the evidence chains; export or compare published heads",
    "backup": "back up the database, the readings archive and the uploads into a folder",
    "restore": "restore a backup folder into an empty platform",
}


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    return lambda args: _manage(argparse.Namespace(rest=[name, *args.rest]))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minesafe", description="Minesafe 煤矿安全监管平台")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate and start the web platform")
    serve.add_argument("--bind", default=os.environ.get("MINESAFE_BIND", "127.0.0.1:8000"))
    # One worker process per core (the GIL lets a process use one), threads for the waits: on
    # 2 cores 2 x 8 served the register benchmark best, 4 x 4 and 2 x 4 did worse
    # (docs/web-performance.md).
    serve.add_argument(
        "--workers", type=int, default=max(2, os.cpu_count() or 2), help="processes (one a core)"
    )
    serve.add_argument("--threads", type=int, default=8, help="threads per process")
    serve.add_argument(
        "--no-scheduler",
        dest="scheduler",
        action="store_false",
        help="do not start the clocks (hazard deadlines, alarm escalation) beside the server",
    )
    serve.add_argument(
        "--demo-feed",
        action="store_true",
        help="also stream the demo county in real time (simulator + engine worker; demo only)",
    )
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="load the demo county (fixed seed)")
    demo.add_argument("--seed", type=int, default=2025)
    demo.add_argument("--mines", type=int, default=40)
    demo.set_defaults(func=_demo)

    for name, text in COMMANDS.items():
        # Their options are the management command's own (``minesafe verify --help``).
        command = sub.add_parser(name, help=text, prefix_chars="\0", add_help=False)
        command.add_argument("rest", nargs=argparse.REMAINDER)
        command.set_defaults(func=_command(name))

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=_manage)

    rules_cli.register(sub)
    monitoring_cli.register(engine_cli.register(sub))
    simulate_cli.register(sub)
    demo_feed.register(sub)  # the living demo's supervisor (docs/demo.md)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
