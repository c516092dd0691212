"""Family-A personnel files for the tests, built by hand the way a mine's system writes them
(networking_format.md: RYQY, RYXX, RYSS, RYJZ)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

CHINA = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 22, 8, 0, tzinfo=CHINA)


def stamp(t: dt.datetime) -> str:
    return t.astimezone(CHINA).strftime("%Y%m%d%H%M%S")


def text_time(t: dt.datetime | None) -> str:
    return "" if t is None else t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _file(
    mine: str, kind: str, at: dt.datetime, head: list[str], records: list[str]
) -> tuple[str, bytes]:
    body = ";".join(head) + "~" + "".join(f"{r}~" for r in records) + "||"
    return f"{mine}_{kind}_{stamp(at)}.txt", body.encode()


def ryqy(
    mine: str, areas: Sequence[tuple[str, str, int, str]], at: dt.datetime = START
) -> tuple[str, bytes]:
    """Areas as (type, code, approved headcount, name)."""
    records = [f"{t};{c};{n};{name}" for t, c, n, name in areas]
    return _file(mine, "RYQY", at, [mine, "测试矿", text_time(at)], records)


def ryxx(
    mine: str, people: Sequence[tuple[str, str, str, bool, str]], at: dt.datetime = START
) -> tuple[str, bytes]:
    """Card holders as (card, name, job, leader, identity number)."""
    records = [
        f"{card};{name};{job};{'矿长' if leader else '工人'};综采一队;{ident};{ident[6:14]};"
        f"{1 if leader else 0};0"
        for card, name, job, leader, ident in people
    ]
    head = [mine, "测试矿", "KJ251", "人员位置监测系统", "厂家", "2028-12-31", "", text_time(at)]
    return _file(mine, "RYXX", at, head, records)


def ryss(
    mine: str,
    at: dt.datetime,
    cards: Sequence[tuple[str, str, str, dt.datetime | None, str, str, bool]],
    mode: str = "三八制",
) -> tuple[str, bytes]:
    """A full snapshot: (card, name, flag 0/1/2, entered, area, station, leader) per card."""
    records = []
    for card, name, flag, entered, area, station, leader in cards:
        out = text_time(at) if flag == "2" else ""
        when = text_time(entered)
        fields = [card, name, flag, when, out, area, when, station, when, mode, "0", "正常",
                  "1" if leader else "0", "0", ""]  # fmt: skip
        records.append(";".join(fields))
    return _file(mine, "RYSS", at, [mine, "测试矿", text_time(at)], records)


def ryjz(
    mine: str, stations: Sequence[tuple[str, str, float, float]], at: dt.datetime = START
) -> tuple[str, bytes]:
    records = [f"{code};{name};巷道;{x};{y};0" for code, name, x, y in stations]
    return _file(mine, "RYJZ", at, [mine, "测试矿", text_time(at)], records)
