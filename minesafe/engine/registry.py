"""The point registry: every defined point as one row of dense arrays (issue 3 §1, §2).

A point's index is stable for the life of the engine (a redefinition updates its row), so
per-point rule state can live in arrays indexed the same way. Built from CDDY records or AQMC
elements (:class:`~minesafe.engine.model.PointDef`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from minesafe.engine.config import EngineConfig
from minesafe.engine.model import F64, I32, U8, Bool, KeyedReadings, PointDef

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


class PointRegistry:
    """Dense per-point arrays plus the mine list; grows by doubling."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.index: dict[str, int] = {}
        self.defs: list[PointDef] = []
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
        for p in points:
            idx = self.index.get(p.key)
            if idx is None:
                idx = self.index[p.key] = self.size
                self.size += 1
                self.defs.append(p)
                self.by_mine.setdefault(p.mine_code, []).append(idx)
            else:
                self.defs[idx] = p
            out.append(idx)
        self._grow(self.size)
        self._fill(np.asarray(out, np.int64), points)
        self._row_cache = None
        return out

    def _fill(self, idx: npt.NDArray[np.int64], points: list[PointDef]) -> None:
        """Write the points' rows, column by column (one NumPy assignment per column)."""
        cfg = self.config
        kind_index = {k: i for i, k in enumerate(self.kinds)}
        self.mine[idx] = [self.mine_of(p.mine_code) for p in points]
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
        self.gas = _resize(self.gas, cap, 0)
        self.loc_kind = _resize(self.loc_kind, cap, 0)
        self.analog = _resize(self.analog, cap, False)
        self.th = {k: _resize(v, cap, np.nan) for k, v in self.th.items()}
        self._cap = cap

    def lookup(self, readings: KeyedReadings) -> I32:
        """Registry index of every reading (-1 if undefined).

        Steady polling sends the same points in the same order again and again: the last
        per-row answer is kept and reused after one comparison of the raw code column, so no
        code is hashed; otherwise the distinct codes are looked up in the index once each.
        """
        rows = readings.row_codes
        cache = self._row_cache
        if (
            rows is not None
            and readings.row_mine is not None
            and cache is not None
            and cache[0] == readings.mines
            and np.array_equal(cache[1], readings.row_mine)
            and cache[2].equals(rows)
        ):
            return cache[3]
        per_code = np.asarray(
            [self.index.get(k, -1) for k in readings.point_keys()], np.int32
        ).reshape(-1)
        result: I32 = (
            per_code[readings.code] if per_code.shape[0] else np.full(len(readings), -1, np.int32)
        )
        if rows is not None and readings.row_mine is not None:
            self._row_cache = (list(readings.mines), readings.row_mine, rows, result)
        return result

    def defs_of(self, mines: set[str]) -> list[PointDef]:
        """The current definitions of the points of some mines."""
        return [self.defs[i] for m in mines for i in self.by_mine.get(m, [])]

    def state(self) -> tuple[dict[str, Any], dict[str, F64]]:
        """The definitions as columns: text fields for JSON, numbers as arrays (compact: a
        national registry is a million points)."""
        text = {name: [getattr(p, name) for p in self.defs] for name in _TEXT_FIELDS}
        nums = {
            f"reg.{name}": np.asarray([getattr(p, name) for p in self.defs], np.float64)
            for name in _NUM_FIELDS
        }
        return {"mines": list(self.mines), "text": text}, nums

    @classmethod
    def from_state(
        cls, config: EngineConfig, meta: dict[str, Any], nums: dict[str, F64]
    ) -> PointRegistry:
        reg = cls(config)
        for code in meta["mines"]:
            reg.mine_of(code)
        text = meta["text"]
        cols = [text[n] for n in _TEXT_FIELDS] + [nums[f"reg.{n}"].tolist() for n in _NUM_FIELDS]
        names = _TEXT_FIELDS + _NUM_FIELDS
        reg.define(
            [PointDef(**dict(zip(names, row, strict=True))) for row in zip(*cols, strict=True)]
        )
        return reg

    def view(self) -> tuple[I32, U8, I32, Bool]:
        n = self.size
        return self.mine[:n], self.gas[:n], self.loc_kind[:n], self.analog[:n]


_TEXT_FIELDS = (
    "mine_code",
    "point_code",
    "sensor_type",
    "value_type",
    "unit",
    "location",
    "substation",
)
_NUM_FIELDS = tuple(n for n in PointDef.__slots__ if n not in _TEXT_FIELDS)


def _resize(arr: Any, cap: int, fill: Any) -> Any:
    out = np.full(cap, fill, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out
