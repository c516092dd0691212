"""Per-point and per-mine rule state as a struct of arrays (issue 3 §1: ≤ 1 KB per point).

One row per registry point, one per mine. :func:`PointState.nbytes_per_point` measures what a
point costs; ``docs/engine.md`` lists the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from minesafe.engine.events import AlarmKind
from minesafe.engine.kernel import EpisodeState
from minesafe.engine.model import F64, I32, Bool

# The kinds evaluated by the episode kernel, in evaluation order.
KERNEL_KINDS = (
    AlarmKind.OVER_LIMIT,
    AlarmKind.HIGH_VALUE,
    AlarmKind.LONG_DURATION,
    AlarmKind.POWER_OFF_FAILED,
    AlarmKind.FLAT_LINE,
    AlarmKind.AIR_BLOWN,
    AlarmKind.OUT_OF_RANGE,
    AlarmKind.NEGATIVE_VALUE,
    AlarmKind.CALIBRATION_OUTSIDE_WINDOW,
)


@dataclass(slots=True)
class Track:
    """What the data-quality rules remember of each point between batches."""

    last_t: F64
    last_v: F64
    prev_v: F64
    dt_est: F64
    flat_since: F64
    changes: I32
    lb_open: Bool
    lb_opened: F64
    missing_open: Bool
    missing_opened: F64
    hf_count: I32
    hf_open: Bool
    hf_opened: F64

    @classmethod
    def new(cls, n: int) -> Track:
        nan = np.full
        return cls(
            nan(n, np.nan),
            nan(n, np.nan),
            nan(n, np.nan),
            nan(n, np.nan),
            nan(n, np.nan),
            np.zeros(n, np.int32),
            np.zeros(n, bool),
            nan(n, np.nan),
            np.zeros(n, bool),
            nan(n, np.nan),
            np.zeros(n, np.int32),
            np.zeros(n, bool),
            nan(n, np.nan),
        )


@dataclass(slots=True)
class MineTrack:
    """Per mine: first and last reading time, network-down episode."""

    first_t: F64
    last_t: F64
    net_open: Bool
    net_opened: F64

    @classmethod
    def new(cls, n: int) -> MineTrack:
        return cls(np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, bool), np.full(n, np.nan))


def _grow(obj: Track | MineTrack, fresh: Track | MineTrack) -> None:
    for f in fields(obj):
        old = getattr(obj, f.name)
        new = getattr(fresh, f.name)
        new[: old.shape[0]] = old
        setattr(obj, f.name, new)


class PointState:
    """All per-point arrays: the kernel kinds' episode states, tracking, high-frequency ring."""

    def __init__(self, n: int = 0, hf_slots: int = 2) -> None:
        self.cap = n
        self.hf_slots = hf_slots
        self.kinds = {k: EpisodeState.new(n) for k in KERNEL_KINDS}
        self.track = Track.new(n)
        self.hf_times = np.full((n, hf_slots), np.nan)
        self.mines = MineTrack.new(0)

    def ensure(self, points: int, mines: int) -> None:
        if points > self.cap:
            cap = max(points, 2 * self.cap, 1024)
            for st in self.kinds.values():
                st.grow(cap)
            _grow(self.track, Track.new(cap))
            hf = np.full((cap, self.hf_slots), np.nan)
            hf[: self.cap] = self.hf_times
            self.hf_times = hf
            self.cap = cap
        if mines > self.mines.first_t.shape[0]:
            _grow(self.mines, MineTrack.new(max(mines, 2 * self.mines.first_t.shape[0], 64)))

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for kind, st in self.kinds.items():
            out.update(st.arrays(kind.value))
        out.update({f"track.{f.name}": getattr(self.track, f.name) for f in fields(Track)})
        out.update({f"mine.{f.name}": getattr(self.mines, f.name) for f in fields(MineTrack)})
        out["hf_times"] = self.hf_times
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> PointState:
        hf = arrays["hf_times"]
        ps = cls(0, hf.shape[1])
        ps.cap = hf.shape[0]
        ps.hf_times = hf
        ps.kinds = {k: EpisodeState.from_arrays(k.value, arrays) for k in KERNEL_KINDS}
        ps.track = Track(*(arrays[f"track.{f.name}"] for f in fields(Track)))
        ps.mines = MineTrack(*(arrays[f"mine.{f.name}"] for f in fields(MineTrack)))
        return ps

    def nbytes_per_point(self) -> int:
        """Bytes of rule state one point costs (the registry's own arrays not included)."""
        kinds = sum(st.nbytes() for st in self.kinds.values())
        track = sum(getattr(self.track, f.name).itemsize for f in fields(Track))
        return int(kinds + track + self.hf_times.itemsize * self.hf_slots)
