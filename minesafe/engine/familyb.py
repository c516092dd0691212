"""Family B: Shanxi DB14/T 671.1-2012 XML files (AQMC, AQKC, AQSS, AQFZ).

``<root code="DB14/T 671.1-2012"><head cs_mine_code=".." cs_data_time=".."/><data …/>…</root>``.
The file type comes from the name (``{mine}_{TYPE}_{yyyyMMddHHmmss}.xml``) or, failing that, from
the attributes of the data elements. Like family A, nothing raises for bad input: an element
that cannot be read is quarantined and the rest of the file is kept.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from minesafe.engine.model import NAN, KeyedReadings, ParsedFile, PointDef, Quarantine
from minesafe.engine.plausibility import UNBOUNDED, Bounds
from minesafe.engine.timeutil import parse_local

NAME_RE = re.compile(
    r"^(?P<mine>[0-9A-Za-z]{6,24})_(?P<type>AQ[A-Z]{2})_(?P<ts>\d{14})\.xml$", re.I
)
TYPES = ("AQCS", "AQKJ", "AQFZ", "AQMC", "AQKC", "AQSS")


def parse_name(name: str) -> tuple[str, str, float] | None:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    m = NAME_RE.match(base)
    if m is None:
        return None
    at = parse_local(m["ts"])
    return None if at is None else (m["mine"], m["type"].upper(), at)


def _guess_type(attrs: dict[str, str]) -> str:
    if "ss_analog_alarmhigh" in attrs or "ss_analog_unit" in attrs:
        return "AQMC"
    if "ss_analog_value" in attrs or "ss_transducer_state" in attrs:
        return "AQSS"
    if "ss_transducer_code" in attrs:
        return "AQKC"
    if "ss_station_name" in attrs:
        return "AQFZ"
    if "ss_system_model" in attrs:
        return "AQCS"
    return "AQKJ" if "ss_gisnode_code" in attrs else ""


def parse_family_b(name: str, data: bytes, bounds: Bounds = UNBOUNDED) -> ParsedFile:
    """Parse one DB14/T 671.1 XML file (never raises for bad input); a file whose time (name
    or head) is outside ``bounds`` is refused whole, readings with implausible values one by
    one."""
    meta = parse_name(name)
    out = ParsedFile(
        name, "B", meta[1] if meta else "", meta[0] if meta else "", meta[2] if meta else NAN
    )
    text = data.decode("utf-8-sig", errors="replace").strip()
    if text and not text.endswith("</root>") and "<root" in text:
        text += "</root>"  # a real sample lacks it (SAMPLES_README.md)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        out.quarantine.append(Quarantine(name, 0, f"not well-formed XML: {exc}", text[:200]))
        return out
    head = root.find("head")
    if head is not None:
        out.mine_code = out.mine_code or head.get("cs_mine_code", "").strip()
        head_at = parse_local(head.get("cs_data_time", ""))
        if head_at is not None:
            out.at = head_at
    if not out.mine_code:
        out.quarantine.append(Quarantine(name, 0, "no mine code in name or head", ""))
        return out
    problem = bounds.time_problem(out.at)
    if problem is not None:
        out.quarantine.append(Quarantine(name, 0, f"file {problem}", ""))
        return out
    rows = root.findall("data")
    if not out.file_type and rows:
        out.file_type = _guess_type(dict(rows[0].attrib))
    if out.file_type in ("AQMC", "AQKC"):
        _points(out, rows)
    elif out.file_type == "AQSS":
        _readings(out, rows, bounds)
    return out


def _num(attrs: dict[str, str], key: str) -> float:
    try:
        return float(attrs.get(key, "").strip())
    except ValueError:
        return NAN


def _points(out: ParsedFile, rows: list[ET.Element]) -> None:
    """AQMC (analogue) / AQKC (switch) sensors. Thresholds at or below the range's low end
    (the -0.01 / 0.00 "not set" markers seen in real files) count as not set."""
    for n, el in enumerate(rows, 1):
        a = {k: v.strip() for k, v in el.attrib.items()}
        code = a.get("ss_transducer_code", "")
        if not code:
            out.quarantine.append(Quarantine(out.name, n, "no ss_transducer_code", str(a)[:500]))
            continue
        lo = _num(a, "ss_analog_lower")
        lo_eff = 0.0 if lo != lo else lo

        def hi(key: str, lo_eff: float = lo_eff, a: dict[str, str] = a) -> float:
            x = _num(a, key)
            return x if x > lo_eff else NAN

        analog = out.file_type == "AQMC"
        out.points.append(
            PointDef(
                mine_code=out.mine_code,
                point_code=code,
                sensor_type=a.get("ss_transducer_type", ""),
                value_type="MN" if analog else "KG",
                unit=a.get("ss_analog_unit", "") or a.get("ss_transducer_name", ""),
                location=f"{a.get('ss_transducer_point', '')} {a.get('ss_transducer_name', '')}",
                range_lo=lo,
                range_hi=_num(a, "ss_analog_high"),
                alarm_hi=hi("ss_analog_alarmhigh"),
                alarm_lo=hi("ss_analog_alarmlow"),
                poweroff_hi=hi("ss_analog_poffhigh"),
                poweron_hi=hi("ss_analog_ponhigh"),
                substation=a.get("ss_station_code", ""),
                defined_at=out.at,
            )
        )


def _readings(out: ParsedFile, rows: list[ET.Element], bounds: Bounds) -> None:
    """AQSS: one reading per element, all at the head's time."""
    points: list[str] = []
    values: list[float] = []
    status: list[int] = []
    for n, el in enumerate(rows, 1):
        a = {k: v.strip() for k, v in el.attrib.items()}
        code = a.get("ss_transducer_code", "")
        raw = a.get("ss_analog_value") or a.get("ss_switching_value") or ""
        try:
            value = float(raw)
            state = int(a.get("ss_transducer_state", "0") or "0")
        except ValueError:
            out.quarantine.append(
                Quarantine(out.name, n, f"bad value {raw!r} or state", str(a)[:500])
            )
            continue
        if not code or not math.isfinite(value) or not 0 <= state < 2**31:
            out.quarantine.append(Quarantine(out.name, n, "no code or bad value", str(a)[:500]))
            continue
        problem = bounds.value_problem(value)
        if problem is not None:
            out.quarantine.append(Quarantine(out.name, n, problem, str(a)[:500]))
            continue
        points.append(code)
        values.append(value)
        status.append(state)
    ts = [out.at] * len(points)
    out.readings = KeyedReadings.from_rows(out.mine_code, points, ts, values, status)
