"""Family-A networking files (national format): ``;`` fields, ``~`` records, ``||`` at the end.

Real-time files are the hot path of a national run (1.2 million records per polling cycle), so
records are never built one by one: the constant part of each record (point code, type name,
position) is rendered once, values and statuses are looked up in pre-rendered string tables
with Arrow ``take`` and joined column-wise, and each mine's file is a slice of the one joined
buffer. Definition files (CDDY, RYQY, RYXX) are written once per run and built plainly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minesafe.simulator.catalogue import THRESHOLD_FIELDS, Mine, PointTable, sensor_data

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
SYSTEM_MODEL = "KJ70X"
SYSTEM_NAME = "煤矿安全监控系统"
MAKER = "模拟仪器厂"
SAFETY_MARK_VALID = "2028-12-31"
VALUE_SCALE = 100  # values are written with two decimals
VALUE_MAX = 1000.0
_KG_BASE = int(VALUE_MAX * VALUE_SCALE) + 1


def local_text(t: float) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in China time of POSIX seconds."""
    return dt.datetime.fromtimestamp(t, CHINA).strftime("%Y-%m-%d %H:%M:%S")


def file_name(mine_code: str, file_type: str, t: float) -> str:
    """``{mine}_{TYPE}_{yyyyMMddHHmmss}.txt`` in China time."""
    stamp = dt.datetime.fromtimestamp(t, CHINA).strftime("%Y%m%d%H%M%S")
    return f"{mine_code}_{file_type}_{stamp}.txt"


def _num(x: float) -> str:
    return "" if np.isnan(x) else f"{x:g}"


_MINE, _WHEN = "\x01", "\x02"


def _cddy_body(points: PointTable) -> str:
    """The CDDY records (24 fields) of a mine with place-holders for the mine code and time:
    every mine has the same layout, so the records are rendered once and the codes swapped."""
    kinds = sensor_data()["kinds"]
    sl = points.of_mine(0)
    mine0 = str(points.code[0])[:12]
    records = []
    for j in range(points.points_per_mine):
        row = sl.start + j
        kind = kinds[str(points.kind[row])]
        analog = kind["value_type"] == "MN"
        th = [_num(float(points.thresholds[f][row])) for f in THRESHOLD_FIELDS]
        records.append(
            [
                str(points.code[row]).replace(mine0, _MINE, 1),
                "01",
                str(points.substation[row]).replace(mine0, _MINE, 1),
                kind["type_code"],
                kind["value_type"],
                kind["unit"] if analog else "",
                _num(points.range_hi[row]) if analog else "",
                _num(points.range_lo[row]) if analog else "",
                *th[:6],
                "",
                "",
                "" if analog else kind["open_text"],
                "" if analog else kind["stop_text"],
                str(points.location[row]),
                "0",
                "0",
                "0",
                "",
                _WHEN,
            ]
        )
    return "".join(";".join(r) + "~" for r in records)


class DefinitionRenderer:
    """CDDY files: the layout's records rendered once, each mine's code swapped in."""

    def __init__(self, points: PointTable) -> None:
        self.body = _cddy_body(points)

    def cddy(self, mine: Mine, t: float) -> bytes:
        when = local_text(t)
        header = [mine.code, mine.name, SYSTEM_MODEL, SYSTEM_NAME, MAKER, SAFETY_MARK_VALID, when]
        body = self.body.replace(_MINE, mine.code).replace(_WHEN, when)
        return (";".join(header) + "~" + body + "||").encode("utf-8")


class RealtimeRenderer:
    """Renders the CDSS files of every mine for one polling cycle from value/status columns."""

    def __init__(self, mines: list[Mine], points: PointTable) -> None:
        kinds = sensor_data()["kinds"]
        self.mines = mines
        self.points = points
        uniq, inv = np.unique(points.kind, return_inverse=True)
        names = np.array([kinds[k]["name"] for k in uniq])[inv]
        units = np.array([kinds[k]["unit"] for k in uniq])[inv]
        prefix = np.char.add(points.code, ";")
        prefix = np.char.add(np.char.add(prefix, names), ";")
        prefix = np.char.add(np.char.add(prefix, points.location), ";")
        self.prefix = pa.array(prefix)
        self.mid = pa.array(np.char.add(np.char.add(";", units), ";"))
        scaled = np.arange(_KG_BASE) / VALUE_SCALE
        self.value_table = pa.array([*np.char.mod("%.2f", scaled).tolist(), "0", "1"])
        self.status_table = pa.array([str(i) for i in range(256)])
        self.analog = points.analog

    def value_index(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
        """Row of each value in the value table (switches: ``0``/``1`` without decimals)."""
        ix = np.rint(np.clip(values, 0.0, VALUE_MAX) * VALUE_SCALE).astype(np.int32)
        return np.where(self.analog, ix, _KG_BASE + (values > 0.5)).astype(np.int32)

    def render(
        self,
        t: float,
        values: npt.NDArray[np.float64],
        status: npt.NDArray[np.int32],
        keep: npt.NDArray[np.bool_] | None = None,
        skip_mines: frozenset[int] = frozenset(),
    ) -> Iterator[tuple[Mine, bytes]]:
        """Yield ``(mine, CDSS bytes)`` for every mine not in ``skip_mines``.

        ``keep`` drops single records (a broken line); a mine with no record left still sends
        a file with its header only, as a real system does.
        """
        when = local_text(t)
        val = self.value_table.take(pa.array(self.value_index(values)))
        st = self.status_table.take(pa.array(np.clip(status, 0, 255).astype(np.int32)))
        joined = pc.binary_join_element_wise(
            self.prefix, val, self.mid, st, pa.scalar(f";{when}~"), ""
        )
        mine_index = self.points.mine_index
        if keep is not None:
            joined = joined.filter(pa.array(keep))
            mine_index = mine_index[keep]
        bodies = split_by_mine(joined, mine_index, len(self.mines))
        for mine in self.mines:
            if mine.index not in skip_mines:
                head = f"{mine.code};{mine.name};{when}~".encode()
                yield mine, head + bodies[mine.index] + b"||"


def split_by_mine(joined: Any, mine_index: npt.NDArray[np.int32], n_mines: int) -> list[bytes]:
    """The bytes of each mine's records from one joined string array whose records are grouped
    by mine (slices of the one data buffer: no per-record Python)."""
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    counts = np.bincount(mine_index, minlength=n_mines)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    if len(joined) == 0:
        return [b""] * n_mines
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[joined.offset :]
    data = joined.buffers()[2]
    return [
        data[int(offsets[bounds[m]]) : int(offsets[bounds[m + 1]])].to_pybytes()
        for m in range(n_mines)
    ]


def records_by_mine(
    columns: Sequence[Any], mine_index: npt.NDArray[np.int32], n_mines: int
) -> list[bytes]:
    """Join field columns (Arrow arrays or scalars) into ``;``-separated, ``~``-ended records
    and return each mine's run of records as bytes."""
    if len(mine_index) == 0:
        return [b""] * n_mines
    joined = pc.binary_join_element_wise(*_interleave(columns), pa.scalar("~"), "")
    return split_by_mine(joined, mine_index, n_mines)


def _interleave(columns: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for i, c in enumerate(columns):
        if i:
            out.append(pa.scalar(";"))
        out.append(c)
    return out
