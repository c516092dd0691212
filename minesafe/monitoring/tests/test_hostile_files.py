"""Every field of every file type, hostile, through the upload and the runner (MON-1, MON-3).

One record of a file is replaced field by field with what a broken or hostile sender may put
there (impossible dates, huge or non-finite numbers, separators, markup, any text); the
other records are good. Whatever it is: no 500, no crash, and no good record lost: the
refused records are only the hostile one (it is last, so record numbers do not shift), and
every good reading is stored or kept as a late arrival.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from minesafe.monitoring import runner
from minesafe.monitoring.quarantine import QuarantineFile
from minesafe.monitoring.tests import files
from minesafe.testing import World, api_token

GOOD = 3
HOSTILE = [
    "", " ", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2026-02-30 00:00:00",
    "1970-01-01 00:00:00", "2999-01-01 00:00:00", "1e308", "-1e308", "1e309", "nan", "inf",
    "-0", "99999999999999999999", "2147483648", "-1", ";", "~", "||", "\x00", "<x>", "&amp;",
    "甲烷", "0x10", "1_000", "\r\n", "\u3000", "'", '"',
]  # fmt: skip
_clock = itertools.count(1)


def _time(at: dt.datetime) -> str:
    return files.text_time(at)


def records(kind: str, mine: str, at: dt.datetime) -> list[list[str]]:
    """GOOD valid records of a family-A file type, as fields."""
    t = _time(at)
    if kind == "CDDY":
        _, data = files.cddy(mine, GOOD, at)
        body = data.decode().removesuffix("||").split("~")[1:-1]
        return [r.split(";") for r in body]
    rows = []
    for n in range(1, GOOD + 1):
        rows.append(
            {
                "CDSS": [files.point(mine, n), "甲烷", "回风隅角", "0.3", "%CH4", "0", t],
                "RYQY": ["1", f"{mine}A{n:02d}", "10", f"{n}号区域"],
                "RYXX": [f"C{n:04d}", f"张{n}", "采煤工", "岗", "一班", f"ID{n}", "", "0", "0"],
                "RYSS": [
                    f"C{n:04d}", f"张{n}", "1", t, "", f"{mine}A01", t, f"S{n:02d}", t,
                    "三八制", "12.5", "正常", "0", "0", "",
                ],
                "RYJZ": [f"S{n:02d}", f"{n}号分站", "", f"{100 + n}.5", f"{200 + n}.5"],
            }[kind]
        )  # fmt: skip
    return rows


def family_a(kind: str, mine: str, at: dt.datetime, fields: dict[int, str]) -> tuple[str, bytes]:
    rows = records(kind, mine, at)
    hostile = list(rows[0])
    for field, value in fields.items():
        hostile[field % len(hostile)] = value
    body = "".join(";".join(r) + "~" for r in [*rows, hostile])
    return f"{mine}_{kind}_{files.stamp(at)}.txt", f"{mine};测试矿;{_time(at)}~{body}||".encode()


XML_GOOD = {
    "AQSS": {"ss_analog_value": "0.3", "ss_transducer_state": "0"},
    "AQMC": {
        "ss_transducer_type": "0001", "ss_analog_unit": "%CH4", "ss_transducer_name": "甲烷",
        "ss_transducer_point": "回风隅角", "ss_station_code": "F01", "ss_analog_lower": "0",
        "ss_analog_high": "4", "ss_analog_alarmhigh": "1.0", "ss_analog_alarmlow": "0",
        "ss_analog_poffhigh": "1.5", "ss_analog_ponhigh": "1.0",
    },
}  # fmt: skip


def family_b(kind: str, mine: str, at: dt.datetime, fields: dict[int, str]) -> tuple[str, bytes]:
    """AQSS / AQMC: GOOD good rows, then one whose attributes are replaced by ``fields``."""
    good = [{"ss_transducer_code": f"P{n}", **XML_GOOD[kind]} for n in range(GOOD)]
    bad = dict(good[0])
    names = list(bad)
    for field, value in fields.items():
        bad[names[field % len(names)]] = value
    rows = "".join(
        "<data " + " ".join(f"{k}={quoteattr(v)}" for k, v in row.items()) + "/>"
        for row in [*good, bad]
    )
    head = f'<head cs_mine_code="{mine}" cs_data_time="{_time(at)}"/>'
    return f"{mine}_{kind}_{files.stamp(at)}.xml", f"<root>{head}{rows}</root>".encode()


KINDS = ["CDSS", "CDDY", "RYQY", "RYXX", "RYSS", "RYJZ", "AQSS", "AQMC"]
#: A file type and its hostile record's fields: {field index: text}.
Spec = tuple[str, dict[int, str]]
SPEC = st.tuples(
    st.sampled_from(KINDS),
    st.dictionaries(
        st.integers(0, 23), st.sampled_from(HOSTILE) | st.text(max_size=30), min_size=1, max_size=3
    ),
)
#: The reported case and its neighbours, always run: CDSS time, value and status fields.
REPORTED = [
    ("CDSS", {6: "0001-01-01 00:00:00"}),
    ("CDSS", {6: "2999-01-01 00:00:00"}),
    ("CDSS", {3: "1e308"}),
    ("CDDY", {23: "0001-01-01 00:00:00"}),
    ("RYSS", {3: "0001-01-01 00:00:00"}),
    ("RYSS", {8: "9999-12-31 23:59:59"}),
    ("AQSS", {1: "1e308"}),
    ("AQMC", {0: ""}),
]


def make(spec: Spec, mine: str) -> tuple[str, bytes]:
    """The spec's file, at a new time (a new name, later than every earlier one)."""
    kind, fields = spec
    at = files.START + dt.timedelta(minutes=next(_clock))
    if kind.startswith("AQ"):  # XML cannot carry control characters at all
        xml_safe = {k: "".join(c for c in v if c.isprintable()) for k, v in fields.items()}
        return family_b(kind, mine, at, xml_safe)
    return family_a(kind, mine, at, fields)


def good_kept(kind: str, body: dict[str, Any]) -> None:
    """Only the hostile record (number GOOD + 1 or after) refused; every good reading kept."""
    assert all(q["record"] > GOOD for q in body["quarantined"]), body["quarantined"]
    if kind in ("CDSS", "AQSS"):
        assert body["readings"] + body["late_readings"] >= GOOD


def with_examples(test: Callable[..., None]) -> Callable[..., None]:
    """Run the reported cases first, whatever hypothesis draws."""
    for spec in REPORTED:
        test = example(spec=spec)(test)
    return test


@with_examples
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=SPEC)
def test_mon3_hostile_fields_through_the_upload_never_500_nor_lose_good_records(
    world: World, spec: Spec
) -> None:
    token = api_token(world.users["mine_a"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    name, payload = make(spec, world.mine_a.code)
    answer = client.post(f"/api/monitoring/upload/?name={name}", payload, content_type="x/y")
    assert answer.status_code == 200, (answer.status_code, answer.content[:500])
    good_kept(spec[0], answer.json())


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(specs=REPORTED)
@given(specs=st.lists(SPEC, min_size=1, max_size=len(KINDS)))
def test_mon3_hostile_fields_through_the_runner_never_crash_nor_lose_good_records(
    world: World, tmp_path: Path, specs: list[Spec]
) -> None:
    run = next(_clock)
    folder = tmp_path / f"in{run}"
    folder.mkdir()
    for spec in specs:
        name, payload = make(spec, world.mine_a.code)
        (folder / name).write_bytes(payload)
    quarantine = tmp_path / f"q{run}.jsonl"
    args = runner.build_parser().parse_args(
        ["--dir", str(folder), "--once", "--worker", f"h{run}", "--no-archive",
         "--quarantine", str(quarantine)]
    )  # fmt: skip
    stats = asyncio.run(runner.build_runner(args).run())
    assert stats.files == len(specs)
    refused = QuarantineFile(quarantine).read()
    assert all(r["record"] > GOOD for r in refused), refused
    readings = sum(GOOD for kind, _ in specs if kind in ("CDSS", "AQSS"))
    assert stats.readings >= readings
