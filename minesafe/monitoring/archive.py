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
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minesafe.monitoring.stats import ReadingColumns

SHANGHAI_OFFSET_S = 8 * 3600  # a "day" is the mine's local day (Asia/Shanghai, no DST)


def day_of(posix: np.ndarray) -> np.ndarray:
    """Local (UTC+8) day number of each POSIX time."""
    return np.floor((posix + SHANGHAI_OFFSET_S) / 86400).astype(np.int64)


def write_parts(root: str | Path, batch: ReadingColumns, part: str) -> list[Path]:
    """Write ``batch`` split by mine and local day; returns the files written."""
    root = Path(root)
    if not len(batch):
        return []
    days = day_of(batch.time)
    keys = np.char.add(np.char.add(batch.mine.astype(str), "|"), days.astype(str))
    written: list[Path] = []
    for key in np.unique(keys):
        mask = keys == key
        mine_code, day = str(key).split("|")
        date = dt.date(1970, 1, 1) + dt.timedelta(days=int(day))
        target = root / mine_code / date.isoformat() / f"{part}.parquet"
        _write_table(target, batch, mask)
        written.append(target)
    return written


def _write_table(target: Path, batch: ReadingColumns, mask: np.ndarray) -> None:
    status = batch.status[mask] if len(batch.status) == len(batch) else np.zeros(int(mask.sum()))
    table = pa.table(
        {
            "point": pa.array(batch.point[mask].astype(str)),
            "time": pa.array((batch.time[mask] * 1000).astype("int64"), pa.timestamp("ms", "UTC")),
            "value": pa.array(batch.value[mask], pa.float64()),
            "status": pa.array(status.astype(np.int64), pa.int64()),
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
