"""Raw readings archived as Parquet, one directory per mine and day (issue 3 §4).

Layout: ``<root>/<mine_code>/<yyyy-mm-dd>/<part>.parquet`` with columns ``point`` (string),
``time`` (timestamp, UTC), ``value`` (float64), ``status`` (int64). A part is written to a
temporary name and renamed, so a reader never sees half a file; the part name is chosen by the
caller (the checkpoint number), so a part rewritten after a crash replaces the lost one.
The measurement behind choosing Parquet over a database table is in ``docs/monitoring.md``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minesafe.monitoring.stats import ReadingColumns

SHANGHAI_OFFSET_S = 8 * 3600  # a "day" is the mine's local day (Asia/Shanghai, no DST)


def day_of(posix: np.ndarray) -> np.ndarray:
    """Local (UTC+8) day number of each POSIX time."""
    return np.floor((posix + SHANGHAI_OFFSET_S) / 86400).astype(np.int64)


def write_parts(
    root: str | Path, batch: ReadingColumns, part: str, names: Callable[[int], tuple[str, str]]
) -> list[Path]:
    """Write ``batch`` split by mine and local day; returns the files written.

    ``names`` gives a point ref's (mine code, point code); readings of undefined points
    (ref -1) have no mine to file them under and are not archived.
    """
    root = Path(root)
    keep = batch.ref >= 0
    if not keep.any():
        return []
    refs, inverse = np.unique(batch.ref[keep], return_inverse=True)
    labels = [names(int(r)) for r in refs]
    codes, mine_of_ref = np.unique(np.asarray([m for m, _ in labels]), return_inverse=True)
    point_of_ref = np.asarray([p for _, p in labels], dtype=np.str_)
    t, v, s = batch.time[keep], batch.value[keep], batch.status[keep]
    days = day_of(t)
    first = int(days.min())
    # One sort by (mine, day) instead of a mask per mine and day (quadratic in mines).
    group = mine_of_ref[inverse].astype(np.int64) * (int(days.max()) - first + 1) + (days - first)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    written: list[Path] = []
    for lo, hi in zip(starts, np.r_[starts[1:], order.shape[0]], strict=True):
        rows = order[lo:hi]
        mine_code = str(codes[mine_of_ref[inverse[rows[0]]]])
        date = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[rows[0]]))
        target = root / mine_code / date.isoformat() / f"{part}.parquet"
        _write_table(target, point_of_ref[inverse[rows]], t[rows], v[rows], s[rows])
        written.append(target)
    return written


def _write_table(
    target: Path, point: np.ndarray, t: np.ndarray, v: np.ndarray, s: np.ndarray
) -> None:
    table = pa.table(
        {
            "point": pa.array(point.astype(str)),
            "time": pa.array((t * 1000).astype("int64"), pa.timestamp("ms", "UTC")),
            "value": pa.array(v, pa.float64()),
            "status": pa.array(s.astype(np.int64), pa.int64()),
        }
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, target)


def read_day(root: str | Path, mine_code: str, date: dt.date) -> pa.Table:
    """Every reading of one mine on one local day, duplicates (point, time) removed."""
    folder = Path(root) / mine_code / date.isoformat()
    files = sorted(folder.glob("*.parquet"))
    if not files:
        return pa.table({"point": [], "time": [], "value": [], "status": []})
    table = pa.concat_tables([pq.read_table(f) for f in files])
    return table.group_by(["point", "time"]).aggregate([("value", "max"), ("status", "max")])
