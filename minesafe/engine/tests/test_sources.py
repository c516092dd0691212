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
