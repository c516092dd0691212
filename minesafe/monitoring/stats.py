"""1-minute and 5-minute statistics of readings, aggregated in NumPy (issue 3 §4).

Pure: no Django, no clock. A batch of readings becomes partial aggregates per (mine, point,
period, bucket); partials of several batches merge exactly (max, min, sum, count), so the sink can
hold them until a checkpoint and upsert them with the rows already stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

PERIODS = (60, 300)

#: (mine_code, point_code, period seconds, bucket start as POSIX seconds)
StatKey = tuple[str, str, int, int]


@dataclass(frozen=True, slots=True)
class Partial:
    """Max, min, sum and count of the values that fell into one bucket."""

    max: float
    min: float
    sum: float
    count: int

    def merge(self, other: Partial) -> Partial:
        return Partial(
            max(self.max, other.max),
            min(self.min, other.min),
            self.sum + other.sum,
            self.count + other.count,
        )

    @property
    def avg(self) -> float:
        return self.sum / self.count if self.count else 0.0

    @classmethod
    def from_row(cls, max_: float, min_: float, avg: float, count: int) -> Partial:
        """A stored row (which keeps the average, not the sum) as a partial."""
        return cls(max_, min_, avg * count, count)


@dataclass(slots=True)
class ReadingColumns:
    """A columnar batch of analogue readings: one entry per (point, time, value)."""

    mine: npt.NDArray[np.str_]
    point: npt.NDArray[np.str_]
    time: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    status: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @classmethod
    def empty(cls) -> ReadingColumns:
        s = np.zeros(0, dtype=np.str_)
        return cls(s, s, np.zeros(0), np.zeros(0), np.zeros(0, np.int64))

    @classmethod
    def concat(cls, parts: list[ReadingColumns]) -> ReadingColumns:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        status = [
            p.status if len(p.status) == len(p) else np.zeros(len(p), np.int64) for p in parts
        ]
        return cls(
            np.concatenate([p.mine for p in parts]),
            np.concatenate([p.point for p in parts]),
            np.concatenate([p.time for p in parts]),
            np.concatenate([p.value for p in parts]),
            np.concatenate(status),
        )


def aggregate(batch: ReadingColumns, period: int) -> dict[StatKey, Partial]:
    """Group a batch by (mine, point, bucket of ``period`` seconds); NaN values are skipped."""
    ok = np.isfinite(batch.value) & np.isfinite(batch.time)
    if not ok.any():
        return {}
    mine, point = batch.mine[ok], batch.point[ok]
    values = batch.value[ok]
    buckets = (np.floor(batch.time[ok] / period) * period).astype(np.int64)
    subjects, subject_ids = np.unique(
        np.char.add(np.char.add(mine, "|"), point), return_inverse=True
    )
    span = int(buckets.max() - buckets.min()) + 1
    combined = subject_ids.astype(np.int64) * span + (buckets - buckets.min())
    groups, inverse = np.unique(combined, return_inverse=True)
    n = groups.shape[0]
    maxima = np.full(n, -np.inf)
    minima = np.full(n, np.inf)
    np.maximum.at(maxima, inverse, values)
    np.minimum.at(minima, inverse, values)
    sums = np.bincount(inverse, weights=values, minlength=n)
    counts = np.bincount(inverse, minlength=n)
    out: dict[StatKey, Partial] = {}
    for g in range(n):
        subject = str(subjects[groups[g] // span])
        mine_code, point_code = subject.split("|", 1)
        bucket = int(groups[g] % span + buckets.min())
        out[(mine_code, point_code, period, bucket)] = Partial(
            float(maxima[g]), float(minima[g]), float(sums[g]), int(counts[g])
        )
    return out


def merge_into(target: dict[StatKey, Partial], partials: dict[StatKey, Partial]) -> None:
    """Fold ``partials`` into ``target`` in place."""
    for key, part in partials.items():
        old = target.get(key)
        target[key] = part if old is None else old.merge(part)


def aggregate_all(batch: ReadingColumns) -> dict[StatKey, Partial]:
    """Partials for every period of :data:`PERIODS`."""
    out: dict[StatKey, Partial] = {}
    for period in PERIODS:
        out.update(aggregate(batch, period))
    return out
