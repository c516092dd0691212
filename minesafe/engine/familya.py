"""Family A: the national plain-text networking files (`;` fields, `~` records, `||` end).

File name ``{mine}_{TYPE}_{yyyyMMddHHmmss}.txt``; UTF-8 (a BOM, CRLF and stray whitespace are
tolerated). Every parser is a pure function of (name, bytes) that never raises for bad input:
a bad record becomes a :class:`Quarantine` row and the good records of the file still come out.

CDSS (real-time readings) has a columnar fast path: many files are rewritten into one CSV
buffer (each record prefixed with its mine code, ``~`` turned into a newline) and read by
``pyarrow.csv`` with explicit column types; a file whose fast parse fails or yields a null is
parsed again record by record to quarantine exactly its bad records.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from minesafe.engine.model import (
    F64,
    I32,
    I64,
    NAN,
    POINT_NUM_FIELDS,
    POINT_TEXT_FIELDS,
    Area,
    KeyedReadings,
    ParsedFile,
    Person,
    PersonnelSnapshot,
    PointColumns,
    PointDef,
    Presence,
    Quarantine,
)
from minesafe.engine.plausibility import UNBOUNDED, Bounds
from minesafe.engine.timeutil import CHINA_OFFSET_S, parse_local

NAME_RE = re.compile(
    r"^(?P<mine>[0-9A-Za-z]{6,24})_(?P<type>[A-Z]{2,6})_(?P<ts>\d{14})\.txt$", re.I
)
BOM = b"\xef\xbb\xbf"
MONITORING_TYPES = ("CDDY", "CDSS", "FZDY", "FZSS")
PERSONNEL_TYPES = ("RYQY", "RYXX", "RYSS", "RYJZ", "JZSS")
CDSS_FIELDS = 7
CDDY_FIELDS = 24


def parse_name(name: str) -> tuple[str, str, float] | None:
    """(mine code, file type, file time) from a family-A file name, or None if it is not one."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    m = NAME_RE.match(base)
    if m is None:
        return None
    at = _cached_time(m["ts"])  # every file of a poll carries the same time
    if at is None:
        return None
    return m["mine"], m["type"].upper(), at


def split_file(data: bytes) -> tuple[str, list[str]] | None:
    """Header text and record texts of a family-A file; None when it is not UTF-8 text."""
    try:
        text = _normalise(data).decode("utf-8")
    except UnicodeDecodeError:
        return None
    header, _, body = text.partition("~")
    records = body.split("~")
    if records and not records[-1].strip():
        records.pop()
    return header, records


def _normalise(data: bytes) -> bytes:
    """Drop a BOM, line breaks, surrounding whitespace and the ``||`` terminator."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    data = data.replace(b"\r", b"").replace(b"\n", b"").strip()
    if data.endswith(b"||"):
        data = data[:-2].rstrip()
    return data


@functools.lru_cache(maxsize=65536)
def _cached_time(text: str) -> float | None:
    """Definition files repeat one upload time on every record; snapshots repeat shift times."""
    return parse_local(text)


def _fields(record: str) -> list[str]:
    return list(map(str.strip, record.split(";")))  # ≈ 20 % faster than a comprehension


NUL = "\x00"
NUL_REASON = "contains a NUL character"  # no database text column can store one


def _records(out: ParsedFile, records: list[str]) -> Iterator[tuple[int, str, list[str]]]:
    """(record number, text, fields) of each record; one with a NUL is quarantined."""
    for n, rec in enumerate(records, 1):
        if NUL in rec:
            _bad(out, n, NUL_REASON, rec)
            continue
        yield n, rec, _fields(rec)


def _num(text: str) -> float:
    """A threshold or range field: NaN when empty or not a finite number."""
    try:
        value = float(text)
    except ValueError:
        return NAN
    return value if math.isfinite(value) else NAN


def parse_family_a(name: str, data: bytes, bounds: Bounds = UNBOUNDED) -> ParsedFile:
    """Parse any family-A file by the type in its name (unknown types yield an empty result).

    Records whose times or values fall outside ``bounds`` are quarantined; a file whose name
    time does is refused whole (record 0)."""
    meta = parse_name(name)
    if meta is None:
        out = ParsedFile(name, "A", "", "", NAN)
        out.quarantine.append(Quarantine(name, 0, "file name is not {mine}_{TYPE}_{time}.txt", ""))
        return out
    mine, ftype, at = meta
    out = ParsedFile(name, "A", ftype, mine, at)
    problem = bounds.time_problem(at)
    if problem is not None:
        out.quarantine.append(Quarantine(name, 0, f"file name {problem}", ""))
        return out
    parts = split_file(data)
    if parts is None:
        out.quarantine.append(Quarantine(name, 0, "not UTF-8 text", data[:200].hex()))
        return out
    header, records = parts
    parser = _PARSERS.get(ftype)
    if parser is not None:
        parser(out, header, records, bounds)
    return out


def _parse_cddy(out: ParsedFile, header: str, records: list[str], bounds: Bounds) -> None:
    """CDDY, point definitions: 24 fields (networking_format.md A.1)."""
    for n, rec, f in _records(out, records):
        if len(f) != CDDY_FIELDS:
            _bad(out, n, f"expected {CDDY_FIELDS} fields, got {len(f)}", rec)
            continue
        if not f[0] or not f[3]:
            _bad(out, n, "empty point code or sensor type", rec)
            continue
        defined_at = _cached_time(f[23])
        problem = None if defined_at is None else bounds.time_problem(defined_at)
        if problem is not None:
            _bad(out, n, f"definition {problem}", rec)
            continue
        out.points.append(
            PointDef(
                mine_code=out.mine_code,
                point_code=f[0],
                sensor_type=f[3],
                value_type=f[4].upper() or "MN",
                unit=f[5],
                location=f[18],
                range_hi=_num(f[6]),
                range_lo=_num(f[7]),
                alarm_hi=_num(f[8]),
                restore_hi=_num(f[9]),
                alarm_lo=_num(f[10]),
                restore_lo=_num(f[11]),
                poweroff_hi=_num(f[12]),
                poweron_hi=_num(f[13]),
                poweroff_lo=_num(f[14]),
                poweron_lo=_num(f[15]),
                substation=f[2],
                defined_at=out.at if defined_at is None else defined_at,
            )
        )


def _parse_cdss_slow(out: ParsedFile, header: str, records: list[str], bounds: Bounds) -> None:
    """CDSS record by record: the exact path used to find the bad records of a file."""
    points: list[str] = []
    ts: list[float] = []
    vals: list[float] = []
    sts: list[int] = []
    for n, rec in enumerate(records, 1):
        parsed = _cdss_record(rec, bounds)
        if isinstance(parsed, str):
            _bad(out, n, parsed, rec)
            continue
        points.append(parsed[0])
        vals.append(parsed[1])
        sts.append(parsed[2])
        ts.append(parsed[3])
    out.readings = KeyedReadings.from_rows(out.mine_code, points, ts, vals, sts)


def _cdss_record(rec: str, bounds: Bounds) -> tuple[str, float, int, float] | str:
    """(point, value, status, time) of one CDSS record, or the reason it is refused."""
    if NUL in rec:
        return NUL_REASON
    f = _fields(rec)
    if len(f) != CDSS_FIELDS:
        return f"expected {CDSS_FIELDS} fields, got {len(f)}"
    if not f[0]:
        return "empty point code"
    try:
        value = float(f[3])
    except ValueError:
        return f"value {f[3]!r} is not a number"
    if not np.isfinite(value):
        return f"value {f[3]!r} is not finite"
    try:
        status = int(f[5])
    except ValueError:
        return f"status {f[5]!r} is not an integer"
    if not 0 <= status < 2**31:
        return f"status {f[5]!r} out of range"
    t = parse_local(f[6])
    if t is None:
        return f"time {f[6]!r} is not yyyy-MM-dd HH:mm:ss"
    problem = bounds.time_problem(t) or bounds.value_problem(value)
    if problem is not None:
        return problem
    return f[0], value, status, t


def _parse_ryqy(out: ParsedFile, header: str, records: list[str], bounds: Bounds) -> None:
    """RYQY, areas: type; code; approved headcount (核定人数); name."""
    for n, rec, f in _records(out, records):
        if len(f) < 4:
            _bad(out, n, f"expected 4 fields, got {len(f)}", rec)
            continue
        try:
            approved = int(f[2]) if f[2] else 0
        except ValueError:
            _bad(out, n, f"approved headcount {f[2]!r} is not an integer", rec)
            continue
        if not 0 <= approved < 2**31:
            _bad(out, n, f"approved headcount {f[2]!r} out of range", rec)
            continue
        out.areas.append(Area(out.mine_code, f[1], f[0], approved, f[3]))


def _parse_ryxx(out: ParsedFile, header: str, records: list[str], bounds: Bounds) -> None:
    """RYXX, persons: card; name; job; post; team; (2 fields); leader 0/1; special 0/1.

    The identity used by ``multi_card`` is the 6th field when present (an ID number in the
    deployments seen), else name + team.
    """
    for n, rec, f in _records(out, records):
        if len(f) < 9 or not f[0]:
            _bad(out, n, f"expected 9 fields with a card, got {len(f)}", rec)
            continue
        identity = f[5] or f"{f[1]}/{f[4]}"
        out.persons.append(
            Person(out.mine_code, f[0], f[1], identity, f[2], f[7] == "1", f[8] == "1")
        )


def _parse_ryss(out: ParsedFile, header: str, records: list[str], bounds: Bounds) -> None:
    """RYSS, full snapshot of cards: 15 fields (networking_format.md A.2)."""
    snap = PersonnelSnapshot(out.mine_code, out.at)
    for n, rec, f in _records(out, records):
        if len(f) < 14 or not f[0]:
            _bad(out, n, f"expected 15 fields with a card, got {len(f)}", rec)
            continue
        if f[2] not in ("0", "1", "2"):
            _bad(out, n, f"in/out flag {f[2]!r} is not 0, 1 or 2", rec)
            continue
        entered = _cached_time(f[3]) if f[3] else None
        station_at = _cached_time(f[8]) if f[8] else None
        if f[2] == "1" and entered is None:
            _bad(out, n, f"descent time {f[3]!r} is not a time", rec)
            continue
        times = [t for t in (entered, station_at) if t is not None]
        problem = next(filter(None, map(bounds.time_problem, times)), None)
        if problem is not None:
            _bad(out, n, problem, rec)
            continue
        snap.presences.append(
            Presence(
                card=f[0],
                name=f[1],
                underground=f[2] == "1",
                entered_at=NAN if entered is None else entered,
                area_code=f[5],
                station_code=f[7],
                station_at=out.at if station_at is None else station_at,
                is_leader=f[12] == "1",
                shift_mode=f[9],
            )
        )
    out.snapshot = snap


def _parse_ryjz(out: ParsedFile, header: str, records: list[str], bounds: Bounds) -> None:
    """RYJZ, stations: code; name; … X and Y taken from fields 3-4 when numeric."""
    for n, rec, f in _records(out, records):
        if len(f) < 2 or not f[0]:
            _bad(out, n, "expected a station code", rec)
            continue
        if len(f) >= 5 and np.isfinite(_num(f[3])) and np.isfinite(_num(f[4])):
            out.stations[f[0]] = (_num(f[3]), _num(f[4]))


def _bad(out: ParsedFile, record: int, reason: str, raw: str) -> None:
    out.quarantine.append(Quarantine(out.name, record, reason, raw[:500]))


_PARSERS: dict[str, Callable[[ParsedFile, str, list[str], Bounds], None]] = {
    "CDDY": _parse_cddy,
    "CDSS": _parse_cdss_slow,
    "RYQY": _parse_ryqy,
    "RYXX": _parse_ryxx,
    "RYSS": _parse_ryss,
    "RYJZ": _parse_ryjz,
}

# ---------------------------------------------------------------------------------------------
# CDSS fast path

_CDSS_COLUMNS = ["code", "kind", "location", "value", "unit", "status", "time"]
_CDSS_READ = pacsv.ReadOptions(column_names=_CDSS_COLUMNS, use_threads=False, block_size=1 << 28)
_CDSS_PARSE = pacsv.ParseOptions(delimiter=";", quote_char=False, escape_char=False)
_CDSS_CONVERT = pacsv.ConvertOptions(
    include_columns=["code", "value", "status", "time"],
    column_types={
        "code": pa.string(),
        "value": pa.float64(),
        "status": pa.int32(),
        "time": pa.timestamp("s"),
    },
    strings_can_be_null=True,
    quoted_strings_can_be_null=False,
)
_REQUIRED = ("code", "value", "status", "time")
_EDGE_SPACE = (" ", "\t", "\u3000")
# First and last UTF-8 bytes of the edge spaces, without which no code can start/end with one.
_EDGE_FIRST_BYTES = np.asarray(sorted({c.encode()[0] for c in _EDGE_SPACE}), np.uint8)
_EDGE_LAST_BYTES = np.asarray(sorted({c.encode()[-1] for c in _EDGE_SPACE}), np.uint8)


def _cdss_body(data: bytes) -> bytes:
    """The records of one CDSS file, each ending with ``~`` (header and terminator dropped)."""
    cut = data.find(b"~")
    body = data[cut + 1 :]
    if cut >= 0 and body.endswith(b"~||") and b"\r" not in body and b"\n" not in body:
        return body[:-2]
    body = _normalise(data).partition(b"~")[2].strip()
    return body if not body or body.endswith(b"~") else body + b"~"


def _read_columns(buf: bytes, bounds: Bounds) -> tuple[pa.Array, F64, F64, I32] | None:
    """(point code, time, value, status) per CSV line; None if anything is off (an
    implausible time or value included), so that the caller parses record by record (the slow
    path strips whitespace the fast one refuses and names each refused record's reason)."""
    if not buf:
        return pa.array([], pa.string()), *_empty_columns()[1:]
    if b"\x00" in buf:
        return None  # the record parser quarantines exactly those records
    try:
        table = pacsv.read_csv(pa.py_buffer(buf), _CDSS_READ, _CDSS_PARSE, _CDSS_CONVERT)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, ValueError):
        return None
    if any(table.column(c).null_count for c in _REQUIRED):
        return None
    value = table.column("value").to_numpy()
    status = table.column("status").to_numpy().astype(np.int32, copy=False)
    if not np.isfinite(value).all() or (status < 0).any():
        return None
    codes = table.column("code").combine_chunks()
    if _suspect_codes(codes) and _bad_codes(codes):
        return None
    t = table.column("time").cast(pa.int64()).to_numpy().astype(np.float64) - CHINA_OFFSET_S
    if not bounds.all_plausible(t, value):
        return None
    return codes, t, value, status


def _suspect_codes(codes: pa.Array) -> bool:
    """Could a point code be empty or carry edge whitespace? Only the first and last byte of
    every code are looked at, straight from the Arrow buffers (a byte search over the whole
    buffer cost ≈ 0.4 µs per reading, more than the CSV parse itself)."""
    n = len(codes)
    if n == 0:
        return False
    buffers = codes.buffers()
    offsets = np.frombuffer(buffers[1], np.int32)[codes.offset : codes.offset + n + 1]
    if not bool((offsets[1:] > offsets[:-1]).all()):
        return True  # an empty code
    data = np.frombuffer(buffers[2], np.uint8)
    first, last = data[offsets[:-1]], data[offsets[1:] - 1]
    # ' ' and '\t'; U+3000 is E3 80 80 in UTF-8 (a code starting with E3 or ending with 80 is
    # only suspect: the exact check follows).
    return bool(np.isin(first, _EDGE_FIRST_BYTES).any() or np.isin(last, _EDGE_LAST_BYTES).any())


def _bad_codes(codes: pa.Array) -> bool:
    bad = pc.equal(pc.utf8_length(codes), 0)
    for space in _EDGE_SPACE:
        bad = pc.or_(bad, pc.or_(pc.starts_with(codes, space), pc.ends_with(codes, space)))
    return bool(pc.any(bad).as_py())


def _empty_columns() -> tuple[I32, F64, F64, I32]:
    return (np.empty(0, np.int32), np.empty(0), np.empty(0), np.empty(0, np.int32))


def _keyed(mines: list[str], cols: tuple[pa.Array, F64, F64, I32], row_mine: I32) -> KeyedReadings:
    codes, t, value, status = cols
    return KeyedReadings(mines, None, None, None, t, value, status, codes, row_mine)


def parse_cdss_many(
    files: Iterable[tuple[str, bytes]], bounds: Bounds = UNBOUNDED
) -> tuple[KeyedReadings, list[Quarantine]]:
    """All readings of many CDSS files in one columnar pass; bad files go record by record.

    A file whose name time is outside ``bounds`` is refused whole; records outside them are
    quarantined one by one (:func:`parse_family_a`).

    The files' record parts are views into their bytes (no copy per file) joined once; a
    file with line breaks or another ending is normalised first (:func:`_cdss_body`).
    """
    mines: dict[str, int] = {}
    named: list[tuple[str, bytes]] = []
    bodies: list[bytes | memoryview] = []
    counts: list[int] = []
    file_mine: list[int] = []
    quarantine: list[Quarantine] = []
    for name, data in files:
        meta = parse_name(name)
        if meta is None or meta[1] != "CDSS":
            quarantine.append(Quarantine(name, 0, "not a CDSS file name", ""))
            continue
        problem = bounds.time_problem(meta[2])
        if problem is not None:
            quarantine.append(Quarantine(name, 0, f"file name {problem}", ""))
            continue
        cut = data.find(b"~")
        if cut >= 0 and data.endswith(b"~||"):
            end = len(data) - 2
            bodies.append(memoryview(data)[cut + 1 : end])
            counts.append(data.count(b"~", cut + 1, end))
        else:
            body = _cdss_body(data)
            bodies.append(body)
            counts.append(body.count(b"~"))
        named.append((name, data))
        file_mine.append(mines.setdefault(meta[0], len(mines)))
    joined = b"".join(bodies)
    if b"\n" in joined or b"\r" in joined:
        # line breaks inside records: those files are normalised (CRLF dropped) first
        for k, (_, data) in enumerate(named):
            if bytes(bodies[k]) != _cdss_body(data):
                fixed = _cdss_body(data)
                bodies[k], counts[k] = fixed, fixed.count(b"~")
        joined = b"".join(bodies)
    cols = _read_columns(joined.replace(b"~", b"\n"), bounds)
    if cols is not None and len(cols[0]) == sum(counts):
        mine_row = np.repeat(np.asarray(file_mine, np.int32), counts)
        return _keyed(list(mines), cols, mine_row), quarantine
    parts = []
    for (name, data), part, n, m in zip(named, bodies, counts, file_mine, strict=True):
        one = _read_columns(bytes(part).replace(b"~", b"\n"), bounds)
        if one is not None and len(one[0]) == n:
            parts.append(_keyed([list(mines)[m]], one, np.zeros(n, np.int32)))
            continue
        parsed = parse_family_a(name, data, bounds)
        quarantine.extend(parsed.quarantine)
        if parsed.readings is not None:
            parts.append(parsed.readings)
    return merge_keyed(parts), quarantine


def merge_keyed(parts: list[KeyedReadings]) -> KeyedReadings:
    """Concatenate keyed readings under one mine list and one dictionary of distinct points."""
    mines: dict[str, int] = {}
    pairs: dict[tuple[int, str], int] = {}
    codes = []
    for p in parts:
        mine_map = [mines.setdefault(m, len(mines)) for m in p.mines]
        remap = np.asarray(
            [
                pairs.setdefault((mine_map[m], c), len(pairs))
                for m, c in zip(p.code_mine.tolist(), p.codes.to_pylist(), strict=True)
            ],
            np.int32,
        )
        codes.append(remap[p.code] if len(p) else np.empty(0, np.int32))
    if not parts:
        return KeyedReadings(
            [], pa.array([], pa.string()), np.empty(0, np.int32), *_empty_columns()
        )
    return KeyedReadings(
        list(mines),
        pa.array([c for _, c in pairs], pa.string()),
        np.asarray([m for m, _ in pairs], np.int32),
        np.concatenate(codes).astype(np.int32, copy=False),
        np.concatenate([p.t for p in parts]),
        np.concatenate([p.value for p in parts]),
        np.concatenate([p.status for p in parts]),
    )


# ---------------------------------------------------------------------------------------------
# CDDY columnar path

_CDDY_READ = pacsv.ReadOptions(
    column_names=[f"f{i}" for i in range(CDDY_FIELDS)], use_threads=False, block_size=1 << 28
)
_CDDY_CONVERT = pacsv.ConvertOptions(
    include_columns=[f"f{i}" for i in (0, 2, 3, 4, 5, *range(6, 16), 18, 23)],
    column_types={f"f{i}": pa.string() for i in range(CDDY_FIELDS)},
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
)
# CDDY field of each PointDef number (networking_format.md A.1)
_CDDY_NUMS = {
    "range_hi": 6,
    "range_lo": 7,
    "alarm_hi": 8,
    "restore_hi": 9,
    "alarm_lo": 10,
    "restore_lo": 11,
    "poweroff_hi": 12,
    "poweron_hi": 13,
    "poweroff_lo": 14,
    "poweron_lo": 15,
}


def parse_cddy_many(
    files: Iterable[tuple[str, bytes]],
) -> tuple[PointColumns, list[ParsedFile]]:
    """The point definitions of many CDDY files as columns, in one pyarrow pass.

    Every text is dictionary-encoded and each distinct value goes through the same Python
    conversion as the record-by-record parser (``strip``, ``float``, the time), so the
    columns equal what :func:`parse_family_a` yields. A file the columnar pass cannot take
    whole (a wrong field count, an empty code or sensor type, not UTF-8) is parsed record by
    record and returned as a :class:`ParsedFile` with its points and quarantine rows.
    """
    named: list[tuple[str, bytes]] = []
    slow: list[ParsedFile] = []
    for name, data in files:
        meta = parse_name(name)
        if meta is None or meta[1] != "CDDY":
            slow.append(parse_family_a(name, data))
        else:
            named.append((name, data))
    cols = _cddy_columns(named)
    if cols is not None:
        return cols, slow
    parts = []
    for one in named:
        got = _cddy_columns([one])
        if got is None:
            slow.append(parse_family_a(*one))
        else:
            parts.append(got)
    return _concat_point_columns(parts), slow


def _cddy_columns(files: list[tuple[str, bytes]]) -> PointColumns | None:
    """The columns of some CDDY files, or None if any record needs the per-record parser."""
    mines: dict[str, int] = {}
    bodies: list[bytes] = []
    counts: list[int] = []
    file_mine: list[int] = []
    file_at: list[float] = []
    for name, data in files:
        meta = parse_name(name)
        assert meta is not None
        body = _cdss_body(data)
        bodies.append(body)
        counts.append(body.count(b"~"))
        file_mine.append(mines.setdefault(meta[0], len(mines)))
        file_at.append(meta[2])
    n = sum(counts)
    if n == 0:
        return _concat_point_columns([]) if not any(bodies) else None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(b"".join(bodies).replace(b"~", b"\n")),
            _CDDY_READ,
            _CDSS_PARSE,
            _CDDY_CONVERT,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, ValueError):
        return None
    if table.num_rows != n:
        return None
    text: dict[str, tuple[list[str], I64]] = {}

    def strings(field: int, convert: Callable[[str], str] = str.strip) -> tuple[list[str], I64]:
        enc = table.column(f"f{field}").combine_chunks().dictionary_encode()
        values = [convert(v) for v in enc.dictionary.to_pylist()]
        return values, enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)

    text["mine_code"] = (list(mines), np.repeat(np.asarray(file_mine, np.int64), counts))
    text["point_code"] = strings(0)
    text["sensor_type"] = strings(3)
    text["value_type"] = strings(4, lambda v: v.strip().upper() or "MN")
    text["unit"] = strings(5)
    text["location"] = strings(18)
    text["substation"] = strings(2)
    for name in ("point_code", "sensor_type"):
        values, codes = text[name]
        if bool(np.asarray([not v for v in values], bool)[codes].any()):
            return None  # quarantined record by record (the parser's own wording)
    nums: dict[str, F64] = {}
    for name, field in _CDDY_NUMS.items():
        values, codes = strings(field)
        nums[name] = np.asarray([_num(v) for v in values], np.float64)[codes]
    values, codes = strings(23)
    times = np.asarray([_cached_time(v) for v in values], np.float64)  # None -> NaN
    at = times[codes]
    fallback = np.repeat(np.asarray(file_at, np.float64), counts)
    nums["defined_at"] = np.where(np.isnan(at), fallback, at)
    return PointColumns(text, nums)


def _concat_point_columns(parts: list[PointColumns]) -> PointColumns:
    """One set of columns from several (each text column re-encoded over the union)."""
    text: dict[str, tuple[list[str], I64]] = {}
    for name in POINT_TEXT_FIELDS:
        index: dict[str, int] = {}
        chunks = []
        for part in parts:
            values, codes = part.text[name]
            remap = np.asarray([index.setdefault(v, len(index)) for v in values], np.int64)
            chunks.append(remap[codes] if len(codes) else np.empty(0, np.int64))
        text[name] = (list(index), np.concatenate(chunks) if chunks else np.empty(0, np.int64))
    nums = {
        name: np.concatenate([p.nums[name] for p in parts]) if parts else np.empty(0)
        for name in POINT_NUM_FIELDS
    }
    return PointColumns(text, nums)
