"""The chain arithmetic without the database: canonical digests, links, the walk that names the
first broken link (tamper-evident evidence; AQ 6201 4.6.6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from minesafe.core import chain

STREAM = "m7/2026-12-07"


def build(digests: list[str]) -> list[chain.Link]:
    links, prev = [], chain.genesis(STREAM)
    for seq, dig in enumerate(digests, start=1):
        value = chain.link_hash(prev, STREAM, seq, "core.AuditEntry", str(seq), dig)
        links.append(chain.Link(STREAM, seq, "core.AuditEntry", str(seq), dig, prev, value))
        prev = value
    return links


def test_the_same_record_has_one_digest_whatever_the_database_returned() -> None:
    utc = dt.datetime(2026, 12, 7, 0, 30, tzinfo=dt.UTC)
    beijing = utc.astimezone(ZoneInfo("Asia/Shanghai"))
    a = {"time": utc, "value": 3.0, "amount": Decimal("1.50"), "details": {"b": 1, "a": [1.0]}}
    b = {"details": {"a": [1], "b": 1}, "amount": Decimal("1.5"), "value": 3, "time": beijing}
    assert chain.digest(a) == chain.digest(b)
    assert chain.digest(a) != chain.digest({**a, "value": 3.01})


def test_an_intact_chain_passes() -> None:
    assert chain.check_stream(STREAM, build(["a" * 64, "b" * 64, "c" * 64])) is None


def test_a_changed_digest_breaks_its_own_link() -> None:
    links = build(["a" * 64, "b" * 64, "c" * 64])
    links[1] = replace(links[1], digest="f" * 64)
    broken = chain.check_stream(STREAM, links)
    assert broken is not None and (broken.seq, broken.object_id) == (2, "2")
    assert "哈希不符" in broken.reason


def test_a_removed_link_is_named_by_its_number() -> None:
    links = build(["a" * 64, "b" * 64, "c" * 64])
    del links[1]
    broken = chain.check_stream(STREAM, links)
    assert broken is not None and broken.seq == 2 and "缺少链环" in broken.reason


def test_a_rebuilt_tail_does_not_join_the_link_before_it() -> None:
    links = build(["a" * 64, "b" * 64, "c" * 64])
    forged = build(["x" * 64, "b" * 64, "c" * 64])  # rewritten from the first record on
    broken = chain.check_stream(STREAM, [links[0], *forged[1:]])
    assert broken is not None and broken.seq == 2 and "不衔接" in broken.reason


def test_a_root_changes_when_any_head_changes() -> None:
    heads = [("m1/2026-12-07", 3, "a" * 64), ("m2/2026-12-07", 5, "b" * 64)]
    assert chain.root(heads) == chain.root(list(reversed(heads)))
    assert chain.root(heads) != chain.root([heads[0], ("m2/2026-12-07", 5, "c" * 64)])
