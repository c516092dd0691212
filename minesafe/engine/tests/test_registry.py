"""The point registry's columnar paths agree with the per-point ones they replace."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from minesafe.engine.config import EngineConfig
from minesafe.engine.model import KeyedReadings, PointDef
from minesafe.engine.registry import _TEXT_FIELDS, GAS_CODE, PointRegistry
from minesafe.engine.tests.helpers import MINE, ch4_point

OTHER = "610000000002"


def _registry() -> PointRegistry:
    reg = PointRegistry(EngineConfig.load())
    co = dataclasses.replace(ch4_point("P3", "带式输送机机头"), sensor_type="0004", unit="ppm")
    switch = dataclasses.replace(ch4_point("K1", "变电所"), value_type="KG")
    reg.define([ch4_point("P1"), ch4_point("P2", "1301采煤工作面"), co, switch])
    reg.define([dataclasses.replace(ch4_point("P1"), mine_code=OTHER)])
    return reg


def test_mon1_lookup_by_code_pairs_matches_the_point_keys() -> None:
    reg = _registry()
    mines = [OTHER, MINE, "999999999999"]
    rows = ["P1", "P1", "P2", "NOPE", "K1", "P1", "P2"]
    row_mine = [0, 1, 1, 1, 1, 2, 0]
    zeros = np.zeros(len(rows))
    keyed = KeyedReadings(
        mines,
        None,
        None,
        None,
        zeros,
        zeros,
        zeros.astype(np.int32),
        pa.array(rows),
        np.asarray(row_mine, np.int32),
    )
    expected = [reg.index.get(f"{mines[m]}|{c}", -1) for m, c in zip(row_mine, rows, strict=True)]
    assert reg.lookup(keyed).tolist() == expected == [4, 0, 1, -1, 3, -1, -1]


def test_mon1_restore_columns_equal_a_registry_built_point_by_point() -> None:
    reg = _registry()
    meta, arrays = reg.state()
    restored = PointRegistry.from_state(reg.config, meta, arrays)
    # Snapshots written before the text codes: plain per-point lists in the JSON member.
    legacy_meta = {"mines": meta["mines"], "text": {n: reg.defs.column(n) for n in _TEXT_FIELDS}}
    legacy = {k: v for k, v in arrays.items() if k != "reg.text"}
    for other in (restored, PointRegistry.from_state(reg.config, legacy_meta, legacy)):
        n = len(reg)
        assert len(other) == n and other.index == reg.index and other.by_mine == reg.by_mine
        for name in ("mine", "gas", "loc_kind", "analog", "pair"):
            assert np.array_equal(getattr(other, name)[:n], getattr(reg, name)[:n]), name
        for name, col in reg.th.items():
            assert np.array_equal(other.th[name][:n], col[:n], equal_nan=True), name
        assert [repr(p) for p in other.defs] == [repr(p) for p in reg.defs]
        assert other.gas[0] == GAS_CODE["ch4"] and not other.analog[3] and other.analog[0]
    assert isinstance(restored.defs[0], PointDef)


_CODES = ("P1", "P2", "P3", "P4", "P5", "X9")


@st.composite
def _polls(draw: st.DrawFn) -> tuple[list[list[str]], list[list[tuple[int, list[str]]]]]:
    """Mines' defined codes, then polls: per poll a list of (mine, codes sent) files, in
    any order, with missing, repeated and undefined codes (X9 is never defined)."""
    defined = [draw(st.lists(st.sampled_from(_CODES[:5]), unique=True)) for _ in range(3)]
    polls = []
    for _ in range(draw(st.integers(1, 4))):
        files = []
        for m in draw(st.lists(st.integers(0, 3), max_size=4)):
            files.append((m, draw(st.lists(st.sampled_from(_CODES), max_size=7))))
        polls.append(files)
    return defined, polls


@given(_polls(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_mon1_lookup_by_expected_order_matches_the_point_keys(
    case: tuple[list[list[str]], list[list[tuple[int, list[str]]]]], define_late: bool
) -> None:
    """The per-mine order guess (checked by one string comparison, misses looked up by code)
    gives what the ``mine|point`` keys say, poll after poll, whatever order the mines send in;
    mine 3 is never defined."""
    defined, polls = case
    reg = PointRegistry(EngineConfig.load())
    mines = [f"61000000000{m}" for m in range(4)]
    for m, codes in enumerate(defined):
        reg.define([dataclasses.replace(ch4_point(c), mine_code=mines[m]) for c in codes])
    for k, files in enumerate(polls):
        if define_late and k == 1:
            reg.define([dataclasses.replace(ch4_point("P5"), mine_code=mines[0])])
        rows = [c for _, codes in files for c in codes]
        row_mine = [m for m, codes in files for _ in codes]
        zeros = np.zeros(len(rows))
        keyed = KeyedReadings(
            mines, None, None, None, zeros, zeros, zeros.astype(np.int32),
            pa.array(rows, pa.string()), np.asarray(row_mine, np.int32),
        )  # fmt: skip
        expected = [
            reg.index.get(f"{mines[m]}|{c}", -1) for m, c in zip(row_mine, rows, strict=True)
        ]
        assert reg.lookup(keyed).tolist() == expected
