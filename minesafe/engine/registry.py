"""The point registry: every defined point as one row of dense arrays (issue 3 §1, §2).

A point's index is stable for the life of the engine (a redefinition updates its row), so
per-point rule state can live in arrays indexed the same way. Built from CDDY records or AQMC
elements (:class:`~minesafe.engine.model.PointDef`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minesafe.engine.config import EngineConfig
from minesafe.engine.model import (
    F64,
    I32,
    I64,
    POINT_NUM_FIELDS,
    POINT_TEXT_FIELDS,
    U8,
    Bool,
    KeyedReadings,
    PointColumns,
    PointDef,
    point_key,
)

GASES = ("other", "ch4", "co")
GAS_CODE = {g: i for i, g in enumerate(GASES)}
THRESHOLDS = (
    "range_lo",
    "range_hi",
    "alarm_hi",
    "restore_hi",
    "alarm_lo",
    "restore_lo",
    "poweroff_hi",
    "poweron_hi",
)
_NAME_WORDS = (("甲烷", "ch4"), ("瓦斯", "ch4"), ("CH4", "ch4"), ("一氧化碳", "co"), ("CO", "co"))


def gas_of(point: PointDef, sensor_types: dict[str, str]) -> str:
    """The measured gas: by sensor-type code, else by unit, else by the installation text."""
    if point.sensor_type in sensor_types:
        return sensor_types[point.sensor_type]
    unit = point.unit.upper()
    if "CH4" in unit:
        return "ch4"
    text = f"{point.location} {point.unit}"
    for word, gas in _NAME_WORDS:
        if word in text:
            return gas
    return "other"


class PointDefs:
    """Point definitions by registry index.

    Rows restored from a snapshot stay as columns and become :class:`PointDef` objects when
    first read: a national restore would otherwise build a million objects, and only the
    definitions of redefined mines and of alarming points are ever read.
    """

    def __init__(self) -> None:
        self._rows: list[PointDef | None] = []
        self._cols: dict[str, list[Any]] = {}

    @classmethod
    def from_columns(cls, cols: dict[str, list[Any]], n: int) -> PointDefs:
        defs = cls()
        defs._rows = [None] * n
        defs._cols = cols
        return defs

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i: int) -> PointDef:
        p = self._rows[i]
        if p is None:
            p = self._rows[i] = PointDef(**{k: col[i] for k, col in self._cols.items()})
        return p

    def __setitem__(self, i: int, p: PointDef) -> None:
        self._rows[i] = p

    def __iter__(self) -> Iterator[PointDef]:
        return (self[i] for i in range(len(self._rows)))

    def append(self, p: PointDef) -> None:
        self._rows.append(p)

    def extend_columns(self, cols: dict[str, list[Any]], n: int) -> None:
        """Append ``n`` rows given as columns (they become objects only when read)."""
        have = len(next(iter(self._cols.values()))) if self._cols else 0
        if not self._cols:
            self._cols = {name: [] for name in cols}
        for name, col in self._cols.items():
            # rows appended as objects since the columns last covered every row
            col.extend(getattr(self._rows[i], name) for i in range(have, len(self._rows)))
            col.extend(cols[name])
        self._rows.extend([None] * n)

    def column(self, name: str) -> list[Any]:
        """One field of every point, in index order (rows never read come from the columns)."""
        base = self._cols.get(name)
        if base is None:
            return [getattr(p, name) for p in self]
        out = base + [None] * (len(self._rows) - len(base))
        for i, p in enumerate(self._rows):
            if p is not None:
                out[i] = getattr(p, name)
        return out


class PointRegistry:
    """Dense per-point arrays plus the mine list; grows by doubling."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.index: dict[str, int] = {}
        self.defs = PointDefs()
        self.by_mine: dict[str, list[int]] = {}
        self.mines: list[str] = []
        self.mine_index: dict[str, int] = {}
        self.size = 0
        self._cap = 0
        self.mine = np.empty(0, np.int32)
        self.gas = np.empty(0, np.uint8)
        self.loc_kind = np.empty(0, np.int32)
        self.analog = np.empty(0, bool)
        self.th: dict[str, F64] = {name: np.empty(0) for name in THRESHOLDS}
        self.kinds = [k.kind for k in config.locations] + ["other"]
        self._row_cache: tuple[list[str], I32, pa.Array, I32] | None = None
        self._code_ids: dict[str, int] = {}
        # Point codes by index (append-only: a point's code is part of its key), as Arrow
        # chunks combined when a lookup needs them.
        self._code_chunks: list[pa.Array] = []
        # The order each mine last sent its points in (default: definition order), flattened
        # for the lookup: (indices, start by mine, length by mine); None when stale.
        self._seq: dict[int, I32] = {}
        self._seq_flat: tuple[I32, I64, I64] | None = None
        self.pair = np.empty(0, np.int64)
        self._sorted: tuple[I64, I64] | None = None

    def __len__(self) -> int:
        return self.size

    def mine_of(self, code: str) -> int:
        """Index of a mine code, added on first sight."""
        idx = self.mine_index.get(code)
        if idx is None:
            idx = self.mine_index[code] = len(self.mines)
            self.mines.append(code)
        return idx

    def define(self, points: list[PointDef]) -> list[int]:
        """Add or update points; returns their indices (stable across redefinitions)."""
        out = []
        added: list[str] = []
        for p in points:
            idx = self.index.get(p.key)
            if idx is None:
                idx = self.index[p.key] = self.size
                self.size += 1
                self.defs.append(p)
                self.by_mine.setdefault(p.mine_code, []).append(idx)
                added.append(p.point_code)
                self._seq.pop(self.mine_of(p.mine_code), None)
            else:
                self.defs[idx] = p
            out.append(idx)
        if added:
            self._code_chunks.append(pa.array(added, pa.string()))
            self._seq_flat = None
        self._grow(self.size)
        self._fill(np.asarray(out, np.int64), points)
        self._row_cache = None
        self._sorted = None
        return out

    def _fill(self, idx: npt.NDArray[np.int64], points: list[PointDef]) -> None:
        """Write the points' rows, column by column (one NumPy assignment per column)."""
        cfg = self.config
        kind_index = {k: i for i, k in enumerate(self.kinds)}
        self.mine[idx] = [self.mine_of(p.mine_code) for p in points]
        self.pair[idx] = (self.mine[idx].astype(np.int64) << 32) | np.asarray(
            [self._code_id(p.point_code) for p in points], np.int64
        )
        self.gas[idx] = [GAS_CODE.get(gas_of(p, cfg.sensor_types), 0) for p in points]
        self.loc_kind[idx] = [kind_index[cfg.location_kind(p.location)] for p in points]
        self.analog[idx] = [p.value_type != "KG" for p in points]
        for name in THRESHOLDS:
            self.th[name][idx] = [getattr(p, name) for p in points]

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(need, 2 * self._cap, 1024)
        self.mine = _resize(self.mine, cap, -1)
        self.pair = _resize(self.pair, cap, -1)
        self.gas = _resize(self.gas, cap, 0)
        self.loc_kind = _resize(self.loc_kind, cap, 0)
        self.analog = _resize(self.analog, cap, False)
        self.th = {k: _resize(v, cap, np.nan) for k, v in self.th.items()}
        self._cap = cap

    def lookup(self, readings: KeyedReadings) -> I32:
        """Registry index of every reading (-1 if undefined).

        Steady polling sends the same points in the same order again and again: the last
        per-row answer is kept and reused after one comparison of the raw code column. Failing
        that, each mine is expected to send its points in the order it last did (at first: the
        order of its definitions), the guess is checked by one columnar string comparison,
        and only the rows guessed wrong are looked up by code (a hash per distinct code).
        """
        rows = readings.row_codes
        row_mine = readings.row_mine
        if rows is None or row_mine is None:
            per_code = self._lookup_codes(readings)
            if not per_code.shape[0]:
                return np.full(len(readings), -1, np.int32)
            found: I32 = per_code[readings.code]
            return found
        cache = self._row_cache
        if (
            cache is not None
            and cache[0] == readings.mines
            and np.array_equal(cache[1], row_mine)
            and cache[2].equals(rows)
        ):
            return cache[3]
        result = self._lookup_rows(readings.mines, rows, row_mine)
        self._row_cache = (list(readings.mines), row_mine, rows, result)
        return result

    def _lookup_rows(self, mines: list[str], rows: pa.Array, row_mine: I32) -> I32:
        """Guess every row from its mine's expected order, check, look up the misses."""
        n = len(rows)
        if n == 0 or self.size == 0:
            return np.full(n, -1, np.int32)
        batch_mine = np.asarray([self.mine_index.get(m, -1) for m in mines], np.int64)
        mine = batch_mine[row_mine]
        # One segment per run of rows of one mine (a file); a row's offset inside its file.
        starts = np.flatnonzero(np.concatenate(([True], row_mine[1:] != row_mine[:-1])))
        seg_len = np.diff(np.append(starts, n))
        offset = np.arange(n, dtype=np.int64) - np.repeat(starts, seg_len)
        flat, seq_start, seq_len = self._sequences()
        known = mine >= 0
        safe_mine = np.where(known, mine, 0)
        hit = known & (offset < seq_len[safe_mine])
        guess = np.where(hit, flat[np.where(hit, seq_start[safe_mine] + offset, 0)], -1)
        hit &= guess >= 0  # a point this mine sent but never defined
        guess = np.maximum(guess, 0)
        expected = self._codes_by_index().take(pa.array(guess, pa.int64()))
        same = pc.equal(rows, expected).fill_null(False).to_numpy(zero_copy_only=False)
        ok = hit & same
        result = np.where(ok, guess, -1).astype(np.int32)
        miss = np.flatnonzero(~ok)
        if miss.shape[0]:
            found = self._lookup_pairs(mine[miss], rows.take(pa.array(miss)))
            result[miss] = found
            # Mines that sent known points in another order: remember their new order.
            fixed = np.unique(np.searchsorted(starts, miss[found >= 0], side="right") - 1)
            for k in fixed.tolist():
                m = int(mine[starts[k]])
                if m >= 0:
                    self._seq[m] = result[starts[k] : starts[k] + seg_len[k]].copy()
            if fixed.shape[0]:
                self._seq_flat = None
        return result

    def _sequences(self) -> tuple[I32, I64, I64]:
        """Each mine's expected point order, flattened: (indices, start, length) by mine id."""
        if self._seq_flat is None or self._seq_flat[1].shape[0] != len(self.mines):
            parts: list[I32] = []
            start = np.zeros(len(self.mines), np.int64)
            length = np.zeros(len(self.mines), np.int64)
            at = 0
            for m, code in enumerate(self.mines):
                seq = self._seq.get(m)
                if seq is None:
                    seq = np.asarray(self.by_mine.get(code, []), np.int32)
                parts.append(seq)
                start[m], length[m] = at, seq.shape[0]
                at += seq.shape[0]
            flat = np.concatenate(parts) if parts else np.empty(0, np.int32)
            self._seq_flat = (flat if flat.shape[0] else np.zeros(1, np.int32), start, length)
        return self._seq_flat

    def _codes_by_index(self) -> pa.Array:
        """The point code of every index as one Arrow array."""
        if len(self._code_chunks) != 1:
            chunks = self._code_chunks or [pa.array([], pa.string())]
            self._code_chunks = [pa.chunked_array(chunks, pa.string()).combine_chunks()]
        return self._code_chunks[0]

    def _lookup_pairs(self, mine: I64, codes: pa.Array) -> I32:
        """Registry index of rows given as (registry mine id, code string); -1 if unknown."""
        enc = codes.dictionary_encode()
        known = self._code_ids
        strings = np.asarray([known.get(c, -1) for c in enc.dictionary.to_pylist()], np.int64)
        code_id = strings[enc.indices.fill_null(0).to_numpy(zero_copy_only=False)]
        if codes.null_count:
            code_id[np.asarray(codes.is_null())] = -1
        return self._find_pairs(mine, code_id)

    def _find_pairs(self, mine_id: I64, code_id: I64) -> I32:
        """Registry index of (mine id, code id) pairs by binary search; -1 if unknown."""
        pair = (mine_id << 32) | code_id
        ordered, order = self._sorted_pairs()
        pos = np.minimum(np.searchsorted(ordered, pair), ordered.shape[0] - 1)
        hit = (ordered[pos] == pair) & (mine_id >= 0) & (code_id >= 0)
        return np.where(hit, order[pos], -1).astype(np.int32)

    def _lookup_codes(self, readings: KeyedReadings) -> I32:
        """Registry index of each distinct (mine, code) of a batch, without per-code Python.

        A point is the integer pair (mine index, point-code id); point codes repeat from mine to
        mine (DB14 numbering), so only the batch's distinct code strings are hashed and the
        pairs are found by one binary search in the registry's sorted pairs.
        """
        codes = readings.codes
        if len(codes) == 0 or self.size == 0:
            return np.full(len(codes), -1, np.int32)
        enc = codes.dictionary_encode()
        known = self._code_ids
        strings = np.asarray([known.get(c, -1) for c in enc.dictionary.to_pylist()], np.int64)
        code_id = strings[enc.indices.fill_null(0).to_numpy(zero_copy_only=False)]
        if codes.null_count:
            code_id[np.asarray(codes.is_null())] = -1
        mines = np.asarray([self.mine_index.get(m, -1) for m in readings.mines], np.int64)
        return self._find_pairs(mines[readings.code_mine], code_id)

    def _sorted_pairs(self) -> tuple[I64, I64]:
        """The points' (mine, code) pairs sorted, with their indices (rebuilt after new points)."""
        if self._sorted is None or self._sorted[0].shape[0] != self.size:
            pairs = self.pair[: self.size]
            order = np.argsort(pairs, kind="stable")
            self._sorted = (pairs[order], order.astype(np.int64))
        return self._sorted

    def _code_id(self, code: str) -> int:
        """Id of a point-code string, added on first sight."""
        idx = self._code_ids.get(code)
        if idx is None:
            idx = self._code_ids[code] = len(self._code_ids)
        return idx

    def defs_of(self, mines: set[str]) -> list[PointDef]:
        """The current definitions of the points of some mines."""
        return [self.defs[i] for m in mines for i in self.by_mine.get(m, [])]

    def state(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """The definitions as columns: each text field dictionary-encoded (distinct values for
        JSON, int32 codes as an array), numbers as arrays (a national registry is a million
        points, and codes, units, sensor types and installation texts repeat)."""
        text: dict[str, list[str]] = {}
        arrays: dict[str, npt.NDArray[Any]] = {}
        codes = np.empty((len(_TEXT_FIELDS), self.size), np.int32)
        for k, name in enumerate(_TEXT_FIELDS):
            enc = pa.array(self.defs.column(name), pa.string()).dictionary_encode()
            text[name] = enc.dictionary.to_pylist()
            codes[k] = enc.indices.to_numpy(zero_copy_only=False)
        arrays["reg.text"] = codes
        for name in _NUM_FIELDS:
            arrays[f"reg.{name}"] = np.asarray(self.defs.column(name), np.float64)
        return {"mines": list(self.mines), "text": text}, arrays

    @classmethod
    def from_state(
        cls, config: EngineConfig, meta: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]
    ) -> PointRegistry:
        """The registry of :meth:`state`, built column by column (no per-point Python beyond
        one list per field). Snapshots with plain text lists (before the codes) load too."""
        reg = cls(config)
        for code in meta["mines"]:
            reg.mine_of(code)
        text: dict[str, tuple[list[str], I64]] = {}
        codes = arrays.get("reg.text")
        for k, name in enumerate(_TEXT_FIELDS):
            if codes is None:
                enc = pa.array(meta["text"][name], pa.string()).dictionary_encode()
                text[name] = (enc.dictionary.to_pylist(), enc.indices.to_numpy(False))
            else:
                text[name] = (meta["text"][name], codes[k])
        nums = {name: np.asarray(arrays[f"reg.{name}"], np.float64) for name in _NUM_FIELDS}
        reg._append(text, nums)
        return reg

    def append_columns(self, cols: PointColumns) -> bool:
        """Add points given as columns, all new; False (and nothing changed) when a point is
        already defined or listed twice, which the per-point :meth:`define` handles."""
        mine_values, mine_code = cols.text["mine_code"]
        code_values, point_code = cols.text["point_code"]
        mines = np.asarray(mine_values, object)
        codes = np.asarray(code_values, object)
        keys = list(map(point_key, mines[mine_code].tolist(), codes[point_code].tolist()))
        if len(set(keys)) != len(keys) or any(k in self.index for k in keys):
            return False
        self._append(cols.text, cols.nums, keys)
        return True

    def _append(
        self,
        text: dict[str, tuple[list[str], I64]],
        nums: dict[str, F64],
        keys: list[str] | None = None,
    ) -> None:
        """Append new points given as columns (the columnar twin of :meth:`define`; a restore
        appends to an empty registry)."""
        lo = self.size
        cols: dict[str, list[Any]] = {
            name: np.asarray(values, object)[codes].tolist() if len(codes) else []
            for name, (values, codes) in text.items()
        }
        cols.update({name: col.tolist() for name, col in nums.items()})
        n = len(cols["mine_code"])
        if keys is None:
            keys = list(map(point_key, cols["mine_code"], cols["point_code"]))
        self.index.update(zip(keys, range(lo, lo + n), strict=True))
        if len(self.index) != lo + n:
            raise ValueError("a point is defined twice")
        self.defs.extend_columns({name: cols[name] for name in PointDef.__slots__}, n)
        self.size = hi = lo + n
        self._grow(hi)
        mines, mine_code = text["mine_code"]
        mine_ids = np.asarray([self.mine_of(m) for m in mines], np.int32)[mine_code]
        self.mine[lo:hi] = mine_ids
        order = np.argsort(mine_code, kind="stable")
        bounds = np.searchsorted(mine_code[order], np.arange(len(mines) + 1))
        for k, m in enumerate(mines):
            if bounds[k + 1] > bounds[k]:
                rows = (order[bounds[k] : bounds[k + 1]] + lo).tolist()
                self.by_mine.setdefault(m, []).extend(rows)
                self._seq.pop(self.mine_index[m], None)
        codes, point_code = text["point_code"]
        known = self._code_ids
        code_ids = np.asarray([known.setdefault(c, len(known)) for c in codes], np.int64)
        self.pair[lo:hi] = (mine_ids.astype(np.int64) << 32) | code_ids[point_code]
        self._code_chunks.append(pa.array(codes, pa.string()).take(pa.array(point_code)))
        self._fill_derived(lo, hi, text)
        for name in THRESHOLDS:
            self.th[name][lo:hi] = nums[name]
        self._row_cache, self._sorted, self._seq_flat = None, None, None

    def _fill_derived(self, lo: int, hi: int, text: dict[str, tuple[list[str], I64]]) -> None:
        """Gas, location kind and analogue flag of rows ``[lo, hi)``, worked out once per
        distinct (sensor type, unit, installation text) rather than once per point."""
        cfg = self.config
        kind_index = {k: i for i, k in enumerate(self.kinds)}
        sensors, sensor = text["sensor_type"]
        units, unit = text["unit"]
        locations, location = text["location"]
        value_types, value_type = text["value_type"]
        width_u, width_l = len(units) + 1, len(locations) + 1
        combo = (sensor.astype(np.int64) * width_u + unit) * width_l + location
        distinct, inverse = np.unique(combo, return_inverse=True)
        gases = [
            GAS_CODE.get(
                gas_of(
                    PointDef("", "", sensors[s], unit=units[u], location=locations[lo]),
                    cfg.sensor_types,
                ),
                0,
            )
            for s, u, lo in zip(
                (distinct // (width_u * width_l)).tolist(),
                (distinct // width_l % width_u).tolist(),
                (distinct % width_l).tolist(),
                strict=True,
            )
        ]
        self.gas[lo:hi] = np.asarray(gases, np.uint8)[inverse.reshape(-1)]
        kinds = [kind_index[cfg.location_kind(t)] for t in locations]
        self.loc_kind[lo:hi] = np.asarray(kinds, np.int32)[location]
        self.analog[lo:hi] = np.asarray([v != "KG" for v in value_types], bool)[value_type]

    def view(self) -> tuple[I32, U8, I32, Bool]:
        n = self.size
        return self.mine[:n], self.gas[:n], self.loc_kind[:n], self.analog[:n]


_TEXT_FIELDS = POINT_TEXT_FIELDS
_NUM_FIELDS = POINT_NUM_FIELDS


def _resize(arr: Any, cap: int, fill: Any) -> Any:
    out = np.full(cap, fill, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out
