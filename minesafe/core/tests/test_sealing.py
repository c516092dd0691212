"""Sealing and verifying the evidence chains against a real database: a record, a link or an
archive file changed behind the platform's back is named by ``minesafe verify``; changes made
through the platform are sealed as new versions and verify clean (tamper-evident evidence,
AQ 6201 4.6.6)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from minesafe import cli
from minesafe.core import sealing
from minesafe.core.models import AuditEntry, ChainHead, ChainLink, SealMark
from minesafe.engine.events import Action
from minesafe.monitoring.models import Alarm, ArchiveFile
from minesafe.monitoring.sink import CheckpointState, Offsets, Sink
from minesafe.monitoring.tests.test_sink import T0, event, names_of, readings
from minesafe.testing import World

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def archive(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "archive"


def sealed_world(world: World, archive: Path) -> Alarm:
    """The world with one alarm and one archive part, all sealed."""
    sink = Sink("t", archive_dir=archive, names=names_of(world))
    sink.store_alarms([event(world, Action.OPEN, T0)])
    sink.add_readings(readings([T0, T0 + 10], [0.2, 0.4]))
    sink.checkpoint(CheckpointState(b"s", Offsets(set(), 0), Counter(), 0), NOW, final=True)
    report = sealing.seal(NOW)
    assert report.by_source["monitoring.Alarm"] == Alarm.objects.count()
    assert report.by_source["monitoring.ArchiveFile"] == 1
    assert report.by_source["core.AuditEntry"] == AuditEntry.objects.count()
    return Alarm.objects.get(point_code="P1", mine=world.mine_a)


def breaks(**kw: Any) -> list[str]:
    return [str(b) for b in sealing.verify(**kw).breaks]


def test_a_sealed_world_verifies_clean_and_sealing_again_adds_nothing(
    world: World, archive: Path
) -> None:
    sealed_world(world, archive)
    assert breaks() == []
    assert sealing.seal(NOW + dt.timedelta(minutes=1)).links == 0
    heads = ChainHead.objects.filter(mine_id=world.mine_a.pk)
    assert heads.exists() and all(h.stream.startswith(f"m{world.mine_a.pk}/") for h in heads)


def test_an_alarm_closed_through_the_platform_is_sealed_as_a_new_version(
    world: World, archive: Path
) -> None:
    alarm = sealed_world(world, archive)
    Sink("t").store_alarms([event(world, Action.CLOSE, T0 + 90, closed_at=T0 + 90)])
    assert sealing.seal(NOW + dt.timedelta(minutes=1)).by_source["monitoring.Alarm"] == 1
    assert ChainLink.objects.filter(source="monitoring.Alarm", object_id=str(alarm.pk)).count() == 2
    assert breaks() == []


def test_an_alarm_edited_behind_the_platform_is_named(world: World, archive: Path) -> None:
    alarm = sealed_world(world, archive)
    Alarm.objects.filter(pk=alarm.pk).update(peak=0.3)  # no signal, no new updated_at
    link = ChainLink.objects.get(source="monitoring.Alarm", object_id=str(alarm.pk))
    assert breaks() == [
        f"{link.stream} 第{link.seq}环 monitoring.Alarm#{alarm.pk}：记录在封存后被修改"
    ]


def test_an_audit_entry_edited_or_deleted_behind_the_platform_is_named(
    world: World, archive: Path
) -> None:
    sealed_world(world, archive)
    first, second = AuditEntry.objects.order_by("pk")[:2]
    AuditEntry.objects.filter(pk=first.pk).update(reason="改过的原因")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [second.pk])
    found = breaks()
    assert any(f"core.AuditEntry#{first.pk}：记录在封存后被修改" in b for b in found)
    assert any(f"core.AuditEntry#{second.pk}：记录被删除" in b for b in found)


def test_a_changed_or_removed_link_breaks_its_chain(world: World, archive: Path) -> None:
    sealed_world(world, archive)
    stream = ChainHead.objects.filter(mine_id=world.mine_a.pk).first().stream
    second = ChainLink.objects.get(stream=stream, seq=2)
    ChainLink.objects.filter(pk=second.pk).update(digest="0" * 64)
    assert f"{stream} 第2环" in breaks()[0] and "哈希不符" in breaks()[0]
    ChainLink.objects.filter(pk=second.pk).delete()
    assert any(f"{stream} 第2环" in b and "缺少链环" in b for b in breaks())


def test_an_archive_file_changed_or_removed_on_disk_is_named(world: World, archive: Path) -> None:
    sealed_world(world, archive)
    part = ArchiveFile.objects.get()
    target = archive / part.path
    target.write_bytes(target.read_bytes().replace(b"P1", b"P2"))
    assert any(f"归档文件被改：{part.path}" in b for b in breaks())
    target.unlink()
    assert any(f"归档文件缺失：{part.path}" in b for b in breaks())


def test_a_chain_rebuilt_consistently_still_fails_against_its_published_heads(
    world: World, archive: Path, tmp_path: Path
) -> None:
    alarm = sealed_world(world, archive)
    day = NOW.date()
    published = tmp_path / "heads.json"
    call_command("verify", export_heads=published, first=day, last=day, stdout=StringIO())
    # An insider edits the alarm and re-seals the whole chain from the start.
    Alarm.objects.filter(pk=alarm.pk).update(peak=0.3)
    ChainLink.objects.all().delete()
    ChainHead.objects.all().delete()
    SealMark.objects.all().delete()
    sealing.seal(NOW)
    assert breaks() == []  # the forged chain is consistent in itself …
    heads = json.loads(published.read_text("utf-8"))["heads"]
    assert any("与公布的链头不符" in b for b in breaks(published=heads))  # … but not with print


def test_the_command_reports_in_chinese_and_exits_1_on_a_break(world: World, archive: Path) -> None:
    alarm = sealed_world(world, archive)
    out = StringIO()
    call_command("verify", stdout=out)
    assert "全部完好" in out.getvalue()
    Alarm.objects.filter(pk=alarm.pk).update(level=1)
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify", "--json", stdout=out)
    assert exit_.value.code == 1
    report = json.loads(out.getvalue())
    assert report["ok"] is False and report["breaks"][0]["object_id"] == str(alarm.pk)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["verify", "--json"])  # the console command a regulator runs
    assert exit_.value.code == 1


def test_a_long_history_is_sealed_over_several_steps(
    world: World, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sealing, "CHUNK", 50)
    source = next(s for s in sealing.sources() if s.label == "core.AuditEntry")
    total = AuditEntry.objects.count()
    assert total > 100
    first = sealing.seal_source(source, NOW, budget=1)  # one chunk, then the next step
    assert first == 50
    rest = sealing.seal_source(source, NOW)
    assert first + rest == total
    assert not [b for b in sealing.verify().breaks if b.source == "core.AuditEntry"]
