"""Parsers over the shared samples and over malformed input (issue 3 §1, §3; MON-1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minesafe.engine.familya import parse_cdss_many, parse_family_a, parse_name
from minesafe.engine.familyb import parse_family_b
from minesafe.engine.tests.helpers import SAMPLES
from minesafe.engine.timeutil import parse_local

MINE = "610000000001"
CDDY = f"{MINE}_CDDY_20240526003000.txt"
CDSS = f"{MINE}_CDSS_20240526003000.txt"
GOOD = "P1;甲烷;回风隅角;0.42;%CH4;0;2024-05-26 00:30:00"


def test_mon1_cddy_sample_gives_thresholds_and_location() -> None:
    parsed = parse_family_a(CDDY, (SAMPLES / "familyA_CDDY_CONSTRUCTED.txt").read_bytes())
    (p,) = parsed.points
    assert parsed.quarantine == []
    assert (p.point_code, p.sensor_type, p.unit) == ("61000000000101MN000100000001", "0001", "%CH4")
    assert (p.range_lo, p.range_hi, p.alarm_hi, p.restore_hi) == (0.0, 4.0, 1.0, 1.0)
    assert (p.poweroff_hi, p.poweron_hi) == (1.5, 1.0)
    assert p.location.startswith("采煤工作面回风隅角")


def test_mon1_cdss_sample_fast_and_slow_paths_agree() -> None:
    data = (SAMPLES / "familyA_CDSS_CONSTRUCTED.txt").read_bytes()
    fast, bad = parse_cdss_many([(CDSS, data)])
    slow = parse_family_a(CDSS, data).readings
    assert bad == [] and slow is not None
    assert fast.point_keys() == slow.point_keys() == [f"{MINE}|61000000000101MN000100000001"]
    assert fast.value.tolist() == slow.value.tolist() == [0.42]
    assert fast.t.tolist() == slow.t.tolist() == [parse_local("2024-05-26 00:30:00")]


def test_mon1_bom_crlf_and_whitespace_are_tolerated() -> None:
    data = (
        "\ufeff"
        + f"{MINE};x;2024-05-26 00:30:00~\r\n{GOOD}~\r\n"
        + "P2; 甲烷 ;x; 0.5 ;%;0; 2024-05-26 00:30:00 ~\r\n||\r\n"
    ).encode()
    keyed, bad = parse_cdss_many([(CDSS, data)])
    assert bad == [] and keyed.value.tolist() == [0.42, 0.5]


def test_mon3_malformed_records_are_quarantined_and_the_rest_kept() -> None:
    body = (
        f"{MINE};x;t~{GOOD}~P2;a;b;zz;%;0;2024-05-26 00:30:00~P3;a~"
        f"P4;a;b;0.1;%;0;2024-13-01 00:00:00~{GOOD.replace('P1', 'P5')}~||"
    )
    other = (
        f"{MINE}_CDSS_20240526003030.txt",
        f"{MINE};x;t~{GOOD.replace('P1', 'P9')}~||".encode(),
    )
    keyed, bad = parse_cdss_many([(CDSS, body.encode()), other])
    assert sorted(keyed.point_keys()) == [f"{MINE}|P1", f"{MINE}|P5", f"{MINE}|P9"]
    assert [(q.file, q.record) for q in bad] == [(CDSS, 2), (CDSS, 3), (CDSS, 4)]
    assert "zz" in bad[0].reason and "7 fields" in bad[1].reason and "time" in bad[2].reason


def test_mon1_file_names() -> None:
    assert parse_name("620823009203_RYSS_20260923101319.txt") is not None
    assert parse_name("150622B0012000200092_CDSS_20260923101319.TXT") is not None
    assert parse_name("x_CDSS_2026.txt") is None
    parsed = parse_family_a("nonsense.txt", b"")
    assert parsed.quarantine[0].record == 0


def test_mon5_ryss_sample_snapshot() -> None:
    parsed = parse_family_a(
        f"{MINE}_RYSS_20240526080000.txt", (SAMPLES / "familyA_RYSS_CONSTRUCTED.txt").read_bytes()
    )
    assert parsed.snapshot is not None
    (p,) = parsed.snapshot.presences
    assert p.card == "61000000000100001" and p.underground and p.area_code == "6100000000010001"


def test_mon1_family_b_aqmc_sample_and_aqss() -> None:
    parsed = parse_family_b(
        "db14t671_AQMC_example_verbatim.xml",
        (SAMPLES / "db14t671_AQMC_example_verbatim.xml").read_bytes(),
    )
    (p,) = parsed.points
    assert (parsed.file_type, parsed.mine_code, p.point_code) == ("AQMC", "067000001", "001A01")
    assert p.alarm_hi == 24.0 and np.isnan(p.poweroff_hi)  # 0.00 means not set
    xml = (
        b'<?xml version="1.0"?><root code="DB14/T 671.1-2012"><head cs_mine_code="067000001" '
        b'cs_data_time="2024-03-31 17:41:18"/><data ss_transducer_code="001A01" '
        b'ss_analog_value="25.5" ss_transducer_state="0"/><data ss_transducer_code="x" '
        b'ss_analog_value="zz"/></root>'
    )
    aqss = parse_family_b("067000001_AQSS_20240331174118.xml", xml)
    assert aqss.readings is not None and aqss.readings.value.tolist() == [25.5]
    assert [q.record for q in aqss.quarantine] == [2]


def test_mon1_family_b_fixture_without_points_is_not_an_error() -> None:
    parsed = parse_family_b(
        "fixture.xml", (SAMPLES / "db14t671_AQCS_testfixture_with_points.xml").read_bytes()
    )
    assert parsed.file_type == "AQCS" and parsed.quarantine == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["CDSS", "CDDY", "RYSS", "RYQY", "RYXX", "RYJZ"]))
def test_mon3_random_bytes_never_raise(data: bytes, ftype: str) -> None:
    name = f"{MINE}_{ftype}_20240526003000.txt"
    parse_family_a(name, data)
    parse_cdss_many([(name, data)])
    parse_family_b(name.replace(".txt", ".xml"), data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                GOOD,
                "P2;a;b;1e3;%;0;2024-05-26 00:30:00",
                "P3;;;;;;",
                "P4;a;b;nan;%;0;2024-05-26 00:30:00",
                "；",
                "P5;a;b;1;%;-1;x",
                "\r\n",
                " ",
            ]
        ),
        max_size=12,
    )
)
def test_mon3_fast_path_keeps_exactly_the_good_records(records: list[str]) -> None:
    data = (f"{MINE};x;t~" + "~".join(records) + "~||").encode()
    keyed, bad = parse_cdss_many([(CDSS, data)])
    slow = parse_family_a(CDSS, data)
    assert slow.readings is not None
    assert keyed.value.tolist() == slow.readings.value.tolist()
    assert [q.record for q in bad] == [q.record for q in slow.quarantine]


def test_mon1_line_breaks_inside_a_batch_are_dropped_like_the_record_parser_does() -> None:
    """A file ending in ``~||`` (the view path) with CRLF between and inside records."""
    crlf = f"{MINE};x;t~\r\n{GOOD}~\r\nP2;甲\r\n烷;x;0.5;%;0;2024-05-26 00:30:00~||".encode()
    plain = (
        f"{MINE}_CDSS_20240526003030.txt",
        f"{MINE};x;t~{GOOD.replace('P1', 'P9')}~||".encode(),
    )
    keyed, bad = parse_cdss_many([(CDSS, crlf), plain])
    slow = parse_family_a(CDSS, crlf).readings
    assert bad == [] and slow is not None and slow.value.tolist() == [0.42, 0.5]
    assert keyed.point_keys() == [f"{MINE}|P1", f"{MINE}|P2", f"{MINE}|P9"]
    assert keyed.value.tolist() == [0.42, 0.5, 0.42]


@given(
    st.lists(
        st.sampled_from(["A1", "张三", " 张三", "班长\u3000", "\t", "", "1", "0 "]),
        min_size=9,
        max_size=9,
    ),
    st.integers(1, 4),
)
@settings(max_examples=100, deadline=None)
def test_mon1_ryxx_fields_are_stripped_wherever_the_whitespace_is(
    fields: list[str], copies: int
) -> None:
    """Edge whitespace (ASCII or U+3000) around any field is dropped; a record whose card is
    then empty is quarantined, every copy of it."""
    name = f"{MINE}_RYXX_20240526003000.txt"
    record = ";".join(fields)
    data = f"{MINE};x;2024-05-26 00:30:00~" + "~".join([record] * copies) + "~||"
    parsed = parse_family_a(name, data.encode())
    stripped = [f.strip() for f in fields]
    if stripped[0]:
        assert [p.card for p in parsed.persons] == [stripped[0]] * copies
        assert {(p.name, p.job, p.is_leader) for p in parsed.persons} == {
            (stripped[1], stripped[2], stripped[7] == "1")
        }
    else:
        assert parsed.persons == [] and len(parsed.quarantine) == copies


@pytest.mark.parametrize(
    ("ftype", "record", "reason"),
    [
        ("CDSS", GOOD.replace("P1", "P\x001"), "NUL"),
        ("CDDY", "P\x00" + ";x" * 23, "NUL"),
        ("RYXX", "C1\x00;张三;采煤工;岗;一班;ID;;0;0", "NUL"),
        ("RYQY", "1;A01;2147483648;区域", "out of range"),
        ("RYQY", "1;A01;-1;区域", "out of range"),
    ],
)
def test_mon3_records_no_database_column_can_hold_are_quarantined(
    ftype: str, record: str, reason: str
) -> None:
    """PostgreSQL refuses a NUL in text and an integer beyond 32 bits: such a record is
    refused alone (it used to stop the runner on PostgreSQL), the good one beside it kept."""
    good = {
        "CDSS": GOOD,
        "CDDY": "P2" + ";x" * 23,
        "RYXX": "C2;李四;采煤工;岗;一班;ID2;;0;0",
        "RYQY": "1;A02;10;区域",
    }[ftype]
    name = f"{MINE}_{ftype}_20240526003000.txt"
    data = f"{MINE};x;2024-05-26 00:30:00~{good}~{record}~||".encode()
    parsed = parse_family_a(name, data)
    assert [(q.record, reason in q.reason) for q in parsed.quarantine] == [(2, True)]
    readings = len(parsed.readings) if parsed.readings is not None else 0
    assert len(parsed.points) + len(parsed.persons) + len(parsed.areas) + readings == 1
    if ftype == "CDSS":  # the columnar path agrees
        keyed, bad = parse_cdss_many([(name, data)])
        assert len(keyed) == 1 and [(q.record, reason in q.reason) for q in bad] == [(2, True)]
