"""Family-A files for the tests: a CDDY definition and CDSS readings of chosen values."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 22, 8, 0, tzinfo=CHINA)


def point(mine: str, n: int = 1) -> str:
    return f"{mine}01MN{n:012d}"[:28]


def stamp(t: dt.datetime) -> str:
    return t.astimezone(CHINA).strftime("%Y%m%d%H%M%S")


def text_time(t: dt.datetime) -> str:
    return t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def cddy(mine: str, points: int = 1, at: dt.datetime = START) -> tuple[str, bytes]:
    """Methane points at the return corner of a face: alarm 1.0 %, power-off 1.5 %."""
    records = []
    for n in range(1, points + 1):
        fields = [
            point(mine, n), "01", f"{mine}01001", "0001", "MN", "%CH4", "4", "0",
            "1.0", "1.0", "", "", "1.5", "1.0", "", "", "", "",
            "采煤工作面回风隅角甲烷T0", "0", "0", "0", "", text_time(at),
        ]  # fmt: skip
        records.append(";".join(fields))
    head = f"{mine};测试矿;KJ70X;监控系统;厂家;2028-01-12;{text_time(at)}"
    body = head + "~" + "".join(f"{r}~" for r in records) + "||"
    return f"{mine}_CDDY_{stamp(at)}.txt", body.encode()


def cdss(mine: str, at: dt.datetime, values: dict[int, float], bad: int = 0) -> tuple[str, bytes]:
    """One CDSS file at ``at`` with ``values[n]`` for point n; ``bad`` extra malformed records."""
    records = [
        ";".join(
            [
                point(mine, n),
                "甲烷",
                "采煤工作面回风隅角甲烷T0",
                f"{v:.2f}",
                "%CH4",
                "0",
                text_time(at),
            ]
        )
        for n, v in values.items()
    ]
    records += [f"{point(mine, 99)};甲烷;x;not-a-number;%CH4;0;{text_time(at)}"] * bad
    body = f"{mine};测试矿;{text_time(at)}~" + "".join(f"{r}~" for r in records) + "||"
    return f"{mine}_CDSS_{stamp(at)}.txt", body.encode()


def episode(mine: str, cycles: int = 12, step_s: int = 10, high: range = range(3, 7)) -> list:
    """CDDY, then CDSS every ``step_s`` with point 1 over 1.0 % during the cycles in ``high``."""
    files = [cddy(mine)]
    for i in range(cycles):
        at = START + dt.timedelta(seconds=step_s * (i + 1))
        files.append(cdss(mine, at, {1: 1.3 + i / 100 if i in high else 0.4}))
    return files
