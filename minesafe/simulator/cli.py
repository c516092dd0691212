"""``minesafe simulate``: stream a simulated county or nation to a directory, NATS or MQTT.

Writes the ground truth of the scripted incidents (``incidents.json``) and the mines' facts
(``mines.json``, the replay's ``--mines``) beside a directory output, or where ``--truth`` says.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from minesafe.simulator.incidents import SpecError
from minesafe.simulator.render import CHINA
from minesafe.simulator.sim import DEFAULT_START, SimConfig, Simulation
from minesafe.simulator.sinks import DirectorySink, MqttSink, NatsSink, Sink

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """``600``, ``600s``, ``10m``, ``2h``, ``1d`` → seconds (argparse type)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if m is None or float(m[1]) <= 0:
        raise argparse.ArgumentTypeError(f"duration {text!r}: use e.g. 600, 90s, 10m, 2h, 1d")
    return float(m[1]) * _UNITS[m[2]]


def start_time(text: str) -> dt.datetime:
    """An ISO date-time; without an offset it is China time."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"start {text!r}: use 2026-03-02T08:00:00") from exc
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


def register(subparsers: Any) -> None:
    """Add ``simulate`` to the ``minesafe`` parser."""
    p = subparsers.add_parser("simulate", help="simulated monitoring streams")
    p.add_argument("--mines", type=int, default=3, help="number of mines (default 3)")
    p.add_argument("--points-per-mine", type=int, default=40, help="points per mine")
    p.add_argument("--duration", type=duration, default=3600.0, help="simulated time (1h)")
    p.add_argument("--speed", type=float, default=0.0, help="× real time; 0 = flat out")
    p.add_argument("--out", required=True, help="a directory, 'nats' or 'mqtt'")
    p.add_argument("--incidents", default="", help="e.g. gas_surge@mine=1,at=600,peak=2.4")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=start_time, default=DEFAULT_START, help="first cycle")
    p.add_argument("--cycle", type=duration, default=10.0, help="polling cycle (10s)")
    p.add_argument("--personnel-every", type=duration, default=60.0, help="RYSS period (60s)")
    p.add_argument("--no-personnel", action="store_true", help="no RYQY/RYXX/RYSS files")
    p.add_argument("--region", default="990101", help="6-digit prefix of the mine codes")
    p.add_argument(
        "--mines-file",
        type=Path,
        help="JSON list of {mine_code, name, gas_grade} (mines.json's form): stream these mines",
    )
    p.add_argument("--truth", type=Path, help="where incidents.json goes (default: DIR)")
    p.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    p.add_argument("--mqtt-host", default="127.0.0.1")
    p.add_argument("--mqtt-port", type=int, default=1883)
    p.set_defaults(func=main)


def make_sink(args: argparse.Namespace) -> Sink:
    if args.out == "nats":
        return NatsSink(args.nats_url)
    if args.out == "mqtt":
        return MqttSink(args.mqtt_host, args.mqtt_port)
    return DirectorySink(Path(args.out))


def stream(
    sim: Simulation,
    sink: Sink,
    speed: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send every file of ``sim`` to ``sink``, cycle ``k`` no earlier than ``k·cycle/speed``
    seconds after the start (``speed`` 0: as fast as possible). Returns the files sent."""
    sent = 0
    for f in sim.definitions():
        sink.write(f)
        sent += 1
    wall0 = clock()
    for k in range(sim.cycles):
        if speed > 0:
            wait = wall0 + k * sim.config.cycle_s / speed - clock()
            if wait > 0:
                sleep(wait)
        for f in sim.cycle_files(k):
            sink.write(f)
            sent += 1
    return sent


def mines_json(sim: Simulation) -> list[dict[str, Any]]:
    """The mines' facts for ``minesafe engine replay --mines``."""
    return [{"mine_code": m.code, "name": m.name, "gas_grade": m.gas_grade} for m in sim.mines]


def write_truth(sim: Simulation, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("incidents.json", sim.ground_truth()), ("mines.json", mines_json(sim))):
        (folder / name).write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


def read_mines_file(path: Path) -> tuple[tuple[Any, ...], ...]:
    """``--mines-file``: the mines' facts as ``mines.json`` lists them; a row may add ``crew``
    (people underground per shift: 夜班, 早班, 中班) and ``watch`` (a stopped mine)."""
    try:
        rows = json.loads(path.read_text("utf-8"))
        return tuple(
            (str(r["mine_code"]), str(r["name"]), str(r["gas_grade"]))
            + ((tuple(int(n) for n in r["crew"]), bool(r.get("watch"))) if r.get("crew") else ())
            for r in rows
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"--mines-file {path}: {exc}") from exc


def config_of(args: argparse.Namespace) -> SimConfig:
    mine_list = read_mines_file(args.mines_file) if args.mines_file else ()
    return SimConfig(
        mine_list=mine_list,
        mines=args.mines,
        points_per_mine=args.points_per_mine,
        duration_s=args.duration,
        cycle_s=args.cycle,
        personnel_every_s=args.personnel_every,
        seed=args.seed,
        start=args.start,
        incidents=args.incidents,
        personnel=not args.no_personnel,
        region=args.region,
    )


def main(args: argparse.Namespace) -> int:
    try:
        sim = Simulation(config_of(args))
    except (SpecError, ValueError) as exc:
        print(f"minesafe simulate: {exc}", file=sys.stderr)
        return 2
    try:
        sink = make_sink(args)
    except OSError as exc:
        print(f"minesafe simulate: cannot open {args.out}: {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    try:
        sent = stream(sim, sink, args.speed)
    finally:
        sink.close()
    folder = args.truth or (Path(args.out) if args.out not in ("nats", "mqtt") else None)
    if folder is not None:
        write_truth(sim, folder)
    elapsed = time.perf_counter() - started
    print(f"{sent} files, {sim.cycles} cycles of {len(sim.points)} points in {elapsed:.1f}s")
    return 0
