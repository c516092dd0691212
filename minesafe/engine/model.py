"""Plain data the parsers produce and the engine consumes (issue 3 §1, §3).

Readings travel as columns (:class:`ReadingBatch`), never as one object per reading: the hot path
is NumPy over these arrays. Point and personnel definitions are few, so they are dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from minesafe.engine.events import Action, AlarmKind

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Bool = npt.NDArray[np.bool_]

NAN = float("nan")


@dataclass(frozen=True, slots=True)
class Quarantine:
    """A record the parser refused: kept with its file, record number and reason (issue 3 §3).

    ``record`` counts from 1 for data records; 0 means the file itself (name, header, encoding).
    """

    file: str
    record: int
    reason: str
    raw: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "record": self.record, "reason": self.reason, "raw": self.raw}


@dataclass(frozen=True, slots=True)
class PointDef:
    """One measuring point as the mine declared it (CDDY record or AQMC/AQKC element).

    Thresholds absent from the declaration are NaN. ``value_type`` is "MN" (analogue) or "KG"
    (switch); only analogue points feed value rules.
    """

    mine_code: str
    point_code: str
    sensor_type: str
    value_type: str = "MN"
    unit: str = ""
    location: str = ""
    range_lo: float = NAN
    range_hi: float = NAN
    alarm_hi: float = NAN
    restore_hi: float = NAN
    alarm_lo: float = NAN
    restore_lo: float = NAN
    poweroff_hi: float = NAN
    poweron_hi: float = NAN
    poweroff_lo: float = NAN
    poweron_lo: float = NAN
    substation: str = ""
    defined_at: float = NAN

    @property
    def key(self) -> str:
        return point_key(self.mine_code, self.point_code)


POINT_TEXT_FIELDS = (
    "mine_code",
    "point_code",
    "sensor_type",
    "value_type",
    "unit",
    "location",
    "substation",
)
POINT_NUM_FIELDS = tuple(n for n in PointDef.__slots__ if n not in POINT_TEXT_FIELDS)


@dataclass(slots=True)
class PointColumns:
    """Many point definitions as columns (a batch of CDDY files): each text field of
    :class:`PointDef` dictionary-encoded as (values, int64 code per point), each number as an
    array. Loading a national registry point by point cost ≈ 18 µs per point; columns let
    the registry fill its arrays and judge the definition rules once per distinct value."""

    text: dict[str, tuple[list[str], I64]]
    nums: dict[str, F64]

    def __len__(self) -> int:
        return int(self.nums["defined_at"].shape[0])

    def column(self, name: str) -> list[Any]:
        """One field of every point, as Python values."""
        if name in self.text:
            values, codes = self.text[name]
            return np.asarray(values, object)[codes].tolist() if len(codes) else []
        return list(self.nums[name].tolist())

    def points(self) -> list[PointDef]:
        """The same definitions as objects (the per-point path)."""
        cols = [self.column(name) for name in PointDef.__slots__]
        return [PointDef(*row) for row in zip(*cols, strict=True)]


def point_key(mine_code: str, point_code: str) -> str:
    """Registry key of a point: point codes are unique only within a mine (DB14 uses 001046)."""
    return f"{mine_code}|{point_code}"


@dataclass(slots=True)
class ReadingBatch:
    """Readings as columns: registry point index, POSIX time, value, status bitmask.

    ``point`` is -1 for a reading of a point the registry does not know (counted, not judged).
    """

    point: I32
    t: F64
    value: F64
    status: I32

    def __len__(self) -> int:
        return int(self.point.shape[0])

    @classmethod
    def empty(cls) -> ReadingBatch:
        return cls(
            np.empty(0, np.int32),
            np.empty(0, np.float64),
            np.empty(0, np.float64),
            np.empty(0, np.int32),
        )

    @classmethod
    def concat(cls, batches: list[ReadingBatch]) -> ReadingBatch:
        if not batches:
            return cls.empty()
        return cls(
            np.concatenate([b.point for b in batches]),
            np.concatenate([b.t for b in batches]),
            np.concatenate([b.value for b in batches]),
            np.concatenate([b.status for b in batches]),
        )


class KeyedReadings:
    """Parsed readings before registry lookup.

    Reading i is of point ``codes[code[i]]`` of mine ``mines[code_mine[code[i]]]``. The columnar
    parser hands over the raw per-row point codes (``row_codes``, an Arrow string array, with
    ``row_mine``) and the distinct codes are only worked out when asked for: while the same
    points arrive in the same order (one poll after another) the registry maps the rows by one
    array comparison and never hashes a code.
    """

    __slots__ = (
        "_code",
        "_code_mine",
        "_codes",
        "mines",
        "row_codes",
        "row_mine",
        "status",
        "t",
        "value",
    )

    def __init__(
        self,
        mines: list[str],
        codes: pa.Array | None,
        code_mine: I32 | None,
        code: I32 | None,
        t: F64,
        value: F64,
        status: I32,
        row_codes: pa.Array | None = None,
        row_mine: I32 | None = None,
    ) -> None:
        self.mines = mines
        self._codes, self._code_mine, self._code = codes, code_mine, code
        self.t, self.value, self.status = t, value, status
        self.row_codes, self.row_mine = row_codes, row_mine

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def __repr__(self) -> str:
        return f"KeyedReadings({len(self)} readings of {len(self.mines)} mines)"

    @property
    def codes(self) -> pa.Array:
        if self._codes is None:
            self._encode()
        assert self._codes is not None
        return self._codes

    @property
    def code_mine(self) -> I32:
        if self._code_mine is None:
            self._encode()
        assert self._code_mine is not None
        return self._code_mine

    @property
    def code(self) -> I32:
        if self._code is None:
            self._encode()
        assert self._code is not None
        return self._code

    def _encode(self) -> None:
        """Distinct (mine, code) pairs of the rows; a code seen at two mines is split."""
        assert self.row_codes is not None and self.row_mine is not None
        enc = self.row_codes.dictionary_encode()
        codes = enc.dictionary
        code = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        mine_row = self.row_mine
        n_codes = len(codes)
        code_mine = np.full(n_codes, -1, np.int32)
        code_mine[code] = mine_row
        if not (code_mine[code] == mine_row).all():
            combined = mine_row.astype(np.int64) * n_codes + code
            uniq, inverse = np.unique(combined, return_inverse=True)
            code_mine = (uniq // n_codes).astype(np.int32)
            codes = codes.take(pa.array(uniq % n_codes))
            code = inverse.astype(np.int32)
        self._codes, self._code_mine, self._code = codes, code_mine, code

    def point_keys(self) -> list[str]:
        """``mine|point`` of every distinct point, in dictionary order."""
        codes = self.codes.to_pylist()
        return [f"{self.mines[m]}|{c}" for m, c in zip(self.code_mine.tolist(), codes, strict=True)]

    @classmethod
    def from_rows(
        cls, mine: str, points: list[str], t: list[float], value: list[float], status: list[int]
    ) -> KeyedReadings:
        """Readings of one mine given row by row (slow path, adapters)."""
        index: dict[str, int] = {}
        code = [index.setdefault(p, len(index)) for p in points]
        return cls(
            [mine],
            pa.array(list(index), pa.string()),
            np.zeros(len(index), np.int32),
            np.asarray(code, np.int32),
            np.asarray(t, np.float64),
            np.asarray(value, np.float64),
            np.asarray(status, np.int32),
        )


@dataclass(frozen=True, slots=True)
class Area:
    """A personnel-positioning area (RYQY): type, code, approved headcount (核定人数), name."""

    mine_code: str
    area_code: str
    area_type: str
    approved: int
    name: str


@dataclass(frozen=True, slots=True)
class Person:
    """A card holder (RYXX): card, name, identity (ID number or job+team), leader flag."""

    mine_code: str
    card: str
    name: str
    identity: str = ""
    job: str = ""
    is_leader: bool = False
    is_special: bool = False


@dataclass(slots=True)
class Presence:
    """One card in a full RYSS snapshot: underground or not, since when, where.

    Not frozen: snapshots hold many of them and a frozen dataclass is slow to build."""

    card: str
    name: str
    underground: bool
    entered_at: float
    area_code: str
    station_code: str
    station_at: float
    is_leader: bool = False
    shift_mode: str = ""
    identity: str = ""


@dataclass(slots=True)
class PersonnelSnapshot:
    """The full picture of one mine at one time (one RYSS file)."""

    mine_code: str
    at: float
    presences: list[Presence] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFile:
    """What one networking file yielded; exactly one of the payload fields is filled."""

    name: str
    family: str
    file_type: str
    mine_code: str
    at: float
    points: list[PointDef] = field(default_factory=list)
    readings: KeyedReadings | None = None
    areas: list[Area] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    snapshot: PersonnelSnapshot | None = None
    stations: dict[str, tuple[float, float]] = field(default_factory=dict)
    quarantine: list[Quarantine] = field(default_factory=list)


@dataclass(slots=True)
class RawEvents:
    """Events of one kind and action as arrays (turned into AlarmEvent objects by the engine)."""

    kind: AlarmKind
    action: Action
    point: I32
    opened: F64
    closed: F64
    peak: F64
    at: F64
    mine: I32 | None = None
