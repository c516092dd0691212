"""Small builders for the engine's pure tests: definitions, readings, family-A files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from minesafe.engine.engine import Engine
from minesafe.engine.events import AlarmEvent, AlarmKind
from minesafe.engine.model import PointDef, ReadingBatch
from minesafe.engine.timeutil import CHINA

SAMPLES = Path("/work/shared/domain/regulations/networking_samples")
MINE = "610000000001"
T0 = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=CHINA).timestamp()


def ch4_point(code: str = "P1", location: str = "采煤工作面回风隅角", **kw: float) -> PointDef:
    th = {"alarm_hi": 1.0, "restore_hi": 1.0, "poweroff_hi": 1.5, "poweron_hi": 1.0}
    th.update(kw)
    return PointDef(
        MINE,
        code,
        "0001",
        "MN",
        "%CH4",
        location,
        0.0,
        4.0,
        th["alarm_hi"],
        th["restore_hi"],
        poweroff_hi=th["poweroff_hi"],
        poweron_hi=th["poweron_hi"],
        defined_at=T0,
    )


def engine_with(*points: PointDef, facts: dict[str, object] | None = None) -> Engine:
    engine = Engine()
    engine.define(points or (ch4_point(),))
    if facts:
        engine.set_mine_facts({MINE: facts})
    return engine


def batch(
    point: int,
    values: list[float],
    start: float = T0,
    step: float = 30.0,
    status: int | list[int] = 0,
) -> ReadingBatch:
    n = len(values)
    st = np.asarray(status if isinstance(status, list) else [status] * n, np.int32)
    return ReadingBatch(
        np.full(n, point, np.int32),
        start + step * np.arange(n, dtype=np.float64),
        np.asarray(values, np.float64),
        st,
    )


def kinds(events: list[AlarmEvent], kind: AlarmKind, action: str | None = None) -> list[AlarmEvent]:
    return [e for e in events if e.kind is kind and (action is None or e.action.value == action)]


def local(t: float) -> str:
    return dt.datetime.fromtimestamp(t, CHINA).strftime("%Y-%m-%d %H:%M:%S")


def stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(t, CHINA).strftime("%Y%m%d%H%M%S")


def write_cddy(
    directory: Path, points: list[tuple[str, str, float, float]], at: float = T0
) -> None:
    """CDDY with (code, location, alarm, power-off) CH4 points."""
    body = f"{MINE};示例煤矿;KJ70X;煤矿安全监控系统;示例厂家;2028-01-12;{local(at)}~"
    for code, loc, alarm, poff in points:
        body += (
            f"{code};01;S1;0001;MN;%CH4;4;0;{alarm};{alarm};;;{poff};{alarm};;;;;{loc};"
            f"0;0;0;;{local(at)}~"
        )
    (directory / f"{MINE}_CDDY_{stamp(at)}.txt").write_text(body + "||", "utf-8")


def write_cdss(directory: Path, at: float, values: dict[str, float], extra: str = "") -> None:
    body = f"{MINE};示例煤矿;{local(at)}~"
    for code, v in values.items():
        body += f"{code};甲烷;x;{v:.2f};%CH4;0;{local(at)}~"
    (directory / f"{MINE}_CDSS_{stamp(at)}.txt").write_text(body + extra + "||", "utf-8")
