"""Directory source: a directory's family-A and family-B files in file-name time order.

Pure apart from reading files: it lists, orders and reads; what was already done lives in a
small :class:`SourceState` the caller persists (a JSON list of names), so a watcher reads each
file once and a replay can resume. Definitions of a time come before data of the same time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from minesafe.engine import familya, familyb

PERSONNEL_SNAPSHOTS = ("RYSS", "JZSS")
DEFINITION_TYPES = ("CDDY", "FZDY", "AQCS", "AQKJ", "AQFZ", "AQMC", "AQKC", "RYQY", "RYJZ", "RYXX")


@dataclass(frozen=True, slots=True, order=True)
class FileRef:
    """One file to read: ordered by (time, definitions first, name)."""

    at: float
    rank: int
    name: str
    path: Path = field(compare=False)
    family: str = field(compare=False)
    file_type: str = field(compare=False)
    mine_code: str = field(compare=False)


@dataclass(slots=True)
class SourceState:
    """Names already processed; persisted by the caller between runs."""

    done: set[str] = field(default_factory=set)

    def dumps(self) -> str:
        return json.dumps(sorted(self.done))

    @classmethod
    def loads(cls, text: str) -> SourceState:
        return cls(set(json.loads(text)))


def describe(path: Path) -> FileRef | None:
    """A FileRef for a networking file, or None for anything else in the directory."""
    name = path.name
    meta = familya.parse_name(name)
    family = "A"
    if meta is None:
        meta = familyb.parse_name(name)
        family = "B"
    if meta is None:
        if name.lower().endswith(".xml"):
            return FileRef(math.inf, 1, name, path, "B", "", "")
        return None
    mine, ftype, at = meta
    rank = 0 if ftype in DEFINITION_TYPES else 1
    return FileRef(at, rank, name, path, family, ftype, mine)


class DirectorySource:
    """List a directory's pending files in order; read each once."""

    def __init__(self, directory: Path, state: SourceState | None = None) -> None:
        self.directory = Path(directory)
        self.state = state or SourceState()

    def pending(self) -> list[FileRef]:
        refs = []
        for path in self.directory.iterdir():
            if path.name in self.state.done or not path.is_file():
                continue
            ref = describe(path)
            if ref is not None:
                refs.append(ref)
        refs.sort()
        return refs

    def read(self, ref: FileRef) -> bytes:
        """The file's bytes (marking it done is the caller's step, after it is processed)."""
        return ref.path.read_bytes()

    def mark_done(self, ref: FileRef) -> None:
        self.state.done.add(ref.name)

    def groups(self, max_bytes: int = 256 << 20) -> Iterator[list[FileRef]]:
        """Pending files in order, the CDSS files of one time grouped into one batch and the
        CDDY files of one time into another (the columnar parsers' units of work); every
        other file is its own group.

        Files of the same time that the batch does not depend on go ahead of it instead of
        cutting it short (in name order they sit between the mines' files): other definition
        files (RYQY, RYXX, …: areas, persons, stations) ahead of a CDDY batch, personnel
        snapshots (RYSS, JZSS) ahead of a CDSS batch — personnel rules and point rules share
        no state. Cut at every RYSS, a national poll became ~200 small batches.
        """
        group: list[FileRef] = []
        size = 0
        for ref in self.pending():
            if group:
                kind, at = group[0].file_type, group[0].at
                same = ref.file_type == kind and ref.at == at and size < max_bytes
                passes = (kind == "CDDY" and ref.file_type != "CDDY" and ref.rank == 0) or (
                    kind == "CDSS" and ref.file_type in PERSONNEL_SNAPSHOTS
                )
                if not same and not (passes and ref.at == at):
                    yield group
                    group, size = [], 0
            if ref.file_type in ("CDSS", "CDDY"):
                group.append(ref)
                size += ref.path.stat().st_size
            else:
                yield [ref]
        if group:
            yield group
