"""1-minute and 5-minute statistics of readings, aggregated in NumPy (issue 3 §4).

Pure: no Django, no clock. A batch of readings becomes a columnar table of partial aggregates
per (mine, point, period, bucket): max, min, sum and count, which merge exactly. The sink folds
the tables of many batches together and upserts them at its checkpoint, where the database
merges them once more with the rows already stored (see :mod:`minesafe.monitoring.sink`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

PERIODS = (60, 300)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(slots=True)
class ReadingColumns:
    """A columnar batch of readings: ``ref`` is the point's stable index in the engine's
    registry (-1 for a point never defined), with time, value and status bits."""

    ref: I64
    time: F64
    value: F64
    status: I64

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @classmethod
    def empty(cls) -> ReadingColumns:
        i = np.zeros(0, np.int64)
        return cls(i, np.zeros(0), np.zeros(0), i)

    @classmethod
    def concat(cls, parts: list[ReadingColumns]) -> ReadingColumns:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.ref for p in parts]),
            np.concatenate([p.time for p in parts]),
            np.concatenate([p.value for p in parts]),
            np.concatenate([p.status for p in parts]),
        )


@dataclass(slots=True)
class StatTable:
    """Partial aggregates as columns; row i is one (point ref, period, bucket). ``last`` is
    the newest reading time in the bucket: the stored history's watermark per point, which
    tells a late reading from a new one (see :mod:`minesafe.monitoring.late`)."""

    ref: I64
    period: I64
    bucket: I64  # bucket start, POSIX seconds
    max: F64
    min: F64
    sum: F64
    count: I64
    last: F64

    def __len__(self) -> int:
        return int(self.bucket.shape[0])

    @property
    def avg(self) -> F64:
        return self.sum / np.maximum(self.count, 1)

    @classmethod
    def empty(cls) -> StatTable:
        i, f = np.zeros(0, np.int64), np.zeros(0)
        return cls(i, i, i, f, f, f, i, f)

    def select(self, mask: npt.NDArray[np.bool_]) -> StatTable:
        return StatTable(*(getattr(self, f.name)[mask] for f in fields(self)))

    def closed(self, watermark: float) -> npt.NDArray[np.bool_]:
        """Rows whose bucket ended at or before ``watermark`` (POSIX seconds)."""
        return np.asarray(self.bucket + self.period <= watermark)

    def to_bytes(self) -> bytes:
        """The table as ``.npz`` bytes (empty bytes for an empty table)."""
        if not len(self):
            return b""
        buf = io.BytesIO()
        np.savez(buf, allow_pickle=False, **{f.name: getattr(self, f.name) for f in fields(self)})
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> StatTable:
        if not data:
            return cls.empty()
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            cols = {name: npz[name] for name in npz.files}
        if "last" not in cols:  # a checkpoint written before ``last``: the bucket's end
            cols["last"] = (cols["bucket"] + cols["period"]).astype(np.float64)
        return cls(**cols)

    def rows(self) -> list[tuple[int, int, int, float, float, float, int]]:
        """(ref, period, bucket, max, min, avg, count) per row, as Python values."""
        return list(
            zip(
                self.ref.tolist(),
                self.period.tolist(),
                self.bucket.tolist(),
                self.max.tolist(),
                self.min.tolist(),
                self.avg.tolist(),
                self.count.tolist(),
                strict=True,
            )
        )


def _reduce(
    ref: I64, period: I64, bucket: I64, mx: F64, mn: F64, sm: F64, n: I64, last: F64
) -> StatTable:
    """Group rows by (ref, period, bucket) with one integer key and reduce each column."""
    if not bucket.shape[0]:
        return StatTable.empty()
    lo = int(bucket.min())
    span = int(bucket.max()) - lo + 1
    key = ((ref + 1) * 1000 + period) * span + (bucket - lo)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    groups = first.shape[0]
    maxima = np.full(groups, -np.inf)
    minima = np.full(groups, np.inf)
    np.maximum.at(maxima, inverse, mx)
    np.minimum.at(minima, inverse, mn)
    sums = np.bincount(inverse, weights=sm, minlength=groups)
    counts = np.bincount(inverse, weights=n, minlength=groups).astype(np.int64)
    lasts = np.full(groups, -np.inf)
    np.maximum.at(lasts, inverse, last)
    return StatTable(ref[first], period[first], bucket[first], maxima, minima, sums, counts, lasts)


def aggregate(batch: ReadingColumns, periods: tuple[int, ...] = PERIODS) -> StatTable:
    """Group a batch by (point, period, bucket); undefined points and non-finite values are
    skipped."""
    ok = (batch.ref >= 0) & np.isfinite(batch.value) & np.isfinite(batch.time)
    if not ok.any():
        return StatTable.empty()
    ref, t, v = batch.ref[ok], batch.time[ok], batch.value[ok]
    k = len(periods)
    period = np.repeat(np.asarray(periods, np.int64), t.shape[0])
    bucket = (np.floor(np.tile(t, k) / period) * period).astype(np.int64)
    vv = np.tile(v, k)
    ones = np.ones(vv.shape[0], np.int64)
    return _reduce(np.tile(ref, k), period, bucket, vv, vv, vv, ones, np.tile(t, k))


def merge(tables: list[StatTable]) -> StatTable:
    """Fold partial tables into one (exact: max of max, min of min, sum of sums and counts)."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return StatTable.empty()
    if len(tables) == 1:
        return tables[0]
    cols = [
        np.concatenate([getattr(t, name) for t in tables])
        for name in ("ref", "period", "bucket", "max", "min", "sum", "count", "last")
    ]
    return _reduce(*cols)
