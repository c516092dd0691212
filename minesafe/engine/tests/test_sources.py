"""Directory source: file-name time order, definitions first, each file once (issue 3 §3)."""

from __future__ import annotations

from pathlib import Path

from minesafe.engine.sources import DirectorySource, SourceState
from minesafe.engine.tests.helpers import T0, write_cddy, write_cdss


def test_mon1_files_in_time_order_definitions_first_each_once(tmp_path: Path) -> None:
    write_cdss(tmp_path, T0 + 30, {"P1": 0.1})
    write_cdss(tmp_path, T0, {"P1": 0.1})
    write_cddy(tmp_path, [("P1", "回风隅角", 1.0, 1.5)])
    (tmp_path / "readme.md").write_text("not a data file")
    source = DirectorySource(tmp_path)
    names = [[r.file_type for r in g] for g in source.groups()]
    assert names == [["CDDY"], ["CDSS"], ["CDSS"]]
    for ref in source.pending()[:2]:
        source.mark_done(ref)
    state = SourceState.loads(source.state.dumps())
    assert [r.file_type for r in DirectorySource(tmp_path, state).pending()] == ["CDSS"]


def test_mon1_one_batch_per_time_for_cdss_and_cddy_files(tmp_path: Path) -> None:
    """In name order each mine's RYSS (or RYXX) sits between two mines' CDSS (or CDDY) files;
    it goes ahead of the batch instead of cutting it, and the next time starts a new batch."""
    for mine in ("610000000001", "610000000002", "610000000003"):
        for kind in ("CDDY", "RYXX"):
            (tmp_path / f"{mine}_{kind}_20260302100000.txt").write_text("x~||", "utf-8")
        for kind in ("CDSS", "RYSS"):
            for at in ("20260302100010", "20260302100020"):
                (tmp_path / f"{mine}_{kind}_{at}.txt").write_text("x~||", "utf-8")
    groups = [
        [(r.file_type, r.mine_code[-1]) for r in g] for g in DirectorySource(tmp_path).groups()
    ]
    ryxx = [[("RYXX", m)] for m in "123"]
    ryss = [[("RYSS", m)] for m in "123"]
    cdss = [[("CDSS", m) for m in "123"]]
    assert groups == [*ryxx, [("CDDY", m) for m in "123"], *ryss, *cdss, *ryss, *cdss]
