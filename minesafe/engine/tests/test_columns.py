"""The columnar definition path (many CDDY files at once) against the per-record one (MON-1):
the same points, the same quarantine rows, the same registry and the same definition-rule
events (threshold_looser_than_regulation, missing_point required sensors)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minesafe.engine.engine import Engine
from minesafe.engine.events import AlarmEvent
from minesafe.engine.familya import parse_cddy_many, parse_family_a

MINES = ("610000000001", "610000000002", "610000000003")
GRADES = {MINES[0]: {"gas_grade": "low"}, MINES[1]: {"gas_grade": "outburst"}}
SENSORS = ("0001", "0004", "0006", "M0104", "9999", " 0001", "")
UNITS = ("%CH4", "ppm", "%", "m/s", "", "%CH4 ")
PLACES: tuple[str, ...] = ("采煤工作面回风隅角", "1301采煤工作面", "带式输送机机头", "变电所")
PLACES += ("总回风巷甲烷", "掘进工作面", "x")
NUMBERS = ("", "1.0", "0.75", "1.5", "24", "abc", " 1.0 ", "inf", "1_0", "-0.5")
TIMES = ("2026-03-01 23:59:59", "", "bad", " 2026-03-02 00:00:00")


@st.composite
def _record(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(("P1", "P2", "P3", "P4", " P5", "")))
    f = [code, "01", "S1", draw(st.sampled_from(SENSORS)), draw(st.sampled_from(("MN", "kg", "")))]
    f.append(draw(st.sampled_from(UNITS)))
    f += [draw(st.sampled_from(NUMBERS)) for _ in range(10)]
    f += ["", "", draw(st.sampled_from(PLACES)), "0", "0", "0", ""]
    f.append(draw(st.sampled_from(TIMES)))
    if draw(st.integers(0, 20)) == 0:
        f = f[: draw(st.integers(1, 23))]  # a short record
    return ";".join(f)


@st.composite
def _files(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    out = []
    for k, mine in enumerate(draw(st.lists(st.sampled_from(MINES), unique=True, min_size=1))):
        records = draw(st.lists(_record(), max_size=6))
        end = draw(st.sampled_from(("~||", "~||\r\n", "~", "")))
        body = f"{mine};煤矿;2026-03-01 23:59:59~" + "~".join(records) + (end if records else "||")
        if draw(st.booleans()):
            body = "\ufeff" + body.replace("~", "~\r\n")
        out.append((f"{mine}_CDDY_2026030200{k:02d}00.txt", body.encode()))
    return out


def _key(e: AlarmEvent) -> tuple[Any, ...]:
    details = json.dumps(e.details, sort_keys=True, ensure_ascii=False)
    return (e.action.value, e.kind.value, int(e.level), e.mine_code, e.subject, e.at, details)


@given(_files())
@settings(max_examples=200, deadline=None)
def test_mon1_cddy_columns_equal_the_record_by_record_parse(files: list[tuple[str, bytes]]) -> None:
    cols, slow = parse_cddy_many(files)
    per_file = [parse_family_a(name, data) for name, data in files]
    slow_names = {p.name for p in slow}
    fast_points = [repr(p) for f in per_file if f.name not in slow_names for p in f.points]
    assert [repr(p) for p in cols.points()] == fast_points
    for parsed in slow:
        (same,) = [f for f in per_file if f.name == parsed.name]
        assert parsed.points == same.points and parsed.quarantine == same.quarantine
    assert all(not f.quarantine for f in per_file if f.name not in slow_names)

    columnar, plain = Engine(), Engine()
    for engine in (columnar, plain):
        engine.set_mine_facts(GRADES)
    events = columnar.define_columns(cols)
    for parsed in slow:
        events += columnar.load_definitions(parsed)
    expected = plain.define([p for f in per_file if f.name not in slow_names for p in f.points])
    for parsed in slow:
        expected += plain.load_definitions(parsed)
    assert sorted(map(_key, events)) == sorted(map(_key, expected))
    assert columnar.def_open == plain.def_open
    a, b = columnar.registry, plain.registry
    n = len(a)
    assert a.index == b.index and a.by_mine == b.by_mine
    assert [repr(p) for p in a.defs] == [repr(p) for p in b.defs]
    for name in ("mine", "pair", "gas", "loc_kind", "analog"):
        assert np.array_equal(getattr(a, name)[:n], getattr(b, name)[:n]), name
    for name, col in a.th.items():
        assert np.array_equal(col[:n], b.th[name][:n], equal_nan=True), name


def test_mon1_columns_for_known_mines_take_the_per_point_path() -> None:
    """A second batch for the same mines (a redefinition) closes and opens findings exactly as
    the per-point path does."""
    loose = (
        f"{MINES[0]};煤矿;t~P1;01;S1;0001;MN;%CH4;4;0;1.5;1.5;;;2.0;1.5;;;;;采煤工作面回风隅角;"
        "0;0;0;;2026-03-01 23:59:59~||"
    )
    fixed = loose.replace("1.5;1.5;;;2.0;1.5", "1.0;1.0;;;1.5;1.0").replace("03-01", "03-02")
    name = f"{MINES[0]}_CDDY_20260302000000.txt"
    columnar, plain = Engine(), Engine()
    got, want = [], []
    for body in (loose, fixed):
        cols, slow = parse_cddy_many([(name, body.encode())])
        assert slow == [] and len(cols) == 1
        got += columnar.define_columns(cols)
        want += plain.load_definitions(parse_family_a(name, body.encode()))
    assert [e.action.value for e in want] == ["open", "open", "close"]
    assert sorted(map(_key, got)) == sorted(map(_key, want))
