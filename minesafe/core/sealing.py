"""The sealer and the verifier of the evidence chains (:mod:`minesafe.core.chain`).

Evidence sources are listed in ``settings.MINESAFE_EVIDENCE`` (model label → the time field that
moves whenever the platform writes a row). Every minute the clock (``tick``) reads each source
past its mark and appends a link for every new row or new version of a row to the chain of the
row's mine and the day of sealing; nothing in the ingest path waits for it. ``verify`` walks
every chain, compares every record with its latest link and runs the areas' own checks (the
archive's files), and names the first broken link of each chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils.module_loading import import_string

from minesafe.core import chain
from minesafe.core.models import AuditAction, AuditEntry, ChainHead, ChainLink, SealMark
from minesafe.localtime import local_date

#: Rows written this long before the mark are read again: a transaction that began before the
#: last seal may commit after it with an older time.
GRACE = dt.timedelta(minutes=10)
CHUNK = 2000
LOCK = "*"  # the mark row every sealing transaction locks first


@dataclass
class SealReport:
    """What one sealing step did."""

    links: int = 0
    by_source: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"sealed": self.links, **{k: v for k, v in self.by_source.items() if v}}


@dataclass
class VerifyReport:
    """What ``verify`` checked and every break it found (the first of each chain)."""

    streams: int = 0
    links: int = 0
    records: int = 0
    files: int = 0
    breaks: list[chain.Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "streams": self.streams,
            "links": self.links,
            "records": self.records,
            "files": self.files,
            "breaks": [b.as_dict() for b in self.breaks],
        }


@dataclass(frozen=True)
class Source:
    """One evidence model: its label, time field, mine path and digested fields."""

    label: str
    model: type[models.Model]
    time_field: str

    @property
    def pk(self) -> str:
        return str(self.model._meta.pk.attname)

    @property
    def fields(self) -> list[str]:
        return [f.attname for f in self.model._meta.concrete_fields]

    def rows(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Values of every digested field, the primary key and the mine id (``_mine``)."""
        mine_field = getattr(getattr(self.model, "access", None), "mine_field", None)
        mine = F(mine_field) if mine_field else models.Value(None, models.IntegerField())
        return queryset.values(*self.fields, _mine=mine)


def sources() -> list[Source]:
    return [
        Source(label, apps.get_model(label), time_field)
        for label, time_field in settings.MINESAFE_EVIDENCE.items()
    ]


def stream_name(mine_id: int | None, day: dt.date) -> str:
    """A mine's chain of one day (``m12/2026-12-07``), or the platform's (``p/…``)."""
    return f"m{mine_id}/{day.isoformat()}" if mine_id else f"p/{day.isoformat()}"


def record_digest(source: Source, row: dict[str, Any]) -> str:
    return chain.digest({name: row[name] for name in source.fields})


# --- sealing ---------------------------------------------------------------------------------


class _Appender:
    """Appends links to the heads of the day's chains inside one transaction."""

    COLUMNS = ("stream", "seq", "source", "object_id", "digest", "prev", "hash", "sealed_at")

    def __init__(self, now: dt.datetime) -> None:
        self.day = local_date(now)
        self.sealed_at = connection.ops.adapt_datetimefield_value(now)
        self.heads: dict[str, ChainHead] = {}
        self.rows: list[tuple[Any, ...]] = []

    def head(self, mine_id: int | None) -> ChainHead:
        name = stream_name(mine_id, self.day)
        if name not in self.heads:
            found = ChainHead.objects.filter(stream=name).first()
            self.heads[name] = found or ChainHead(
                stream=name, mine_id=mine_id, day=self.day, seq=0, hash=chain.genesis(name)
            )
        return self.heads[name]

    def append(self, source: str, object_id: str, dig: str, mine_id: int | None) -> None:
        head = self.head(mine_id)
        seq = head.seq + 1
        value = chain.link_hash(head.hash, head.stream, seq, source, object_id, dig)
        self.rows.append(
            (head.stream, seq, source, object_id, dig, head.hash, value, self.sealed_at)
        )
        head.seq, head.hash = seq, value

    def flush(self) -> int:
        """Insert the links with one statement (the ORM's per-field work cost 150 µs a link)."""
        if self.rows:
            qn = connection.ops.quote_name
            columns = ", ".join(qn(c) for c in self.COLUMNS)
            marks = ", ".join(["%s"] * len(self.COLUMNS))
            table = qn(ChainLink._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", self.rows)
        for head in self.heads.values():
            head.save()
        count, self.rows = len(self.rows), []
        return count


def _latest_digests(label: str, ids: Iterable[str]) -> dict[str, str]:
    """The digest of each record's newest link."""
    latest: dict[str, str] = {}
    rows = ChainLink.objects.filter(source=label, object_id__in=list(ids)).order_by("id")
    for object_id, dig in rows.values_list("object_id", "digest"):
        latest[object_id] = dig
    return latest


def _after(time_field: str, moment: Any, pk: Any) -> Q:
    return Q(**{f"{time_field}__gt": moment}) | Q(**{time_field: moment, "pk__gt": pk})


def seal_source(source: Source, now: dt.datetime, budget: int = 50_000) -> int:
    """Seal every new row and new version of one source since its mark; returns the links.
    At most ``budget`` rows a step: a first seal of a long history goes on at the next step
    instead of holding up the other clocks."""
    mark, _ = SealMark.objects.get_or_create(source=source.label)
    queryset = source.model._default_manager.order_by(source.time_field, "pk")
    if mark.until is not None:
        queryset = queryset.filter(**{f"{source.time_field}__gte": mark.until - GRACE})
    sealed, newest, cursor, read = 0, mark.until, None, 0
    while read < budget:
        page = queryset.filter(_after(source.time_field, *cursor)) if cursor else queryset
        rows = list(source.rows(page)[:CHUNK])
        if not rows:
            break
        read += len(rows)
        with transaction.atomic():
            # One sealer at a time appends to the heads (several schedulers may run).
            SealMark.objects.select_for_update().filter(source=LOCK).first()
            appender = _Appender(now)
            latest = _latest_digests(source.label, (str(r[source.pk]) for r in rows))
            for row in rows:
                dig = record_digest(source, row)
                if latest.get(str(row[source.pk])) != dig:
                    appender.append(source.label, str(row[source.pk]), dig, row["_mine"])
            sealed += appender.flush()
            last = rows[-1]
            cursor = (last[source.time_field], last[source.pk])
            newest = max(newest, cursor[0]) if newest else cursor[0]
            SealMark.objects.filter(source=source.label).update(until=newest)
    return sealed


def seal(now: dt.datetime) -> SealReport:
    """One sealing step over every evidence source."""
    SealMark.objects.get_or_create(source=LOCK)
    report = SealReport()
    for source in sources():
        count = seal_source(source, now)
        report.by_source[source.label] = count
        report.links += count
    return report


def tick(now: dt.datetime) -> SealReport:
    """The clock's step (``settings.MINESAFE_CLOCKS``)."""
    return seal(now)


# --- publishing --------------------------------------------------------------------------------


def heads(first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Every chain head of the days ``first`` … ``last``, for export and comparison."""
    rows = ChainHead.objects.filter(day__gte=first, day__lte=last).order_by("day", "stream")
    return [
        {"stream": h.stream, "day": h.day.isoformat(), "seq": h.seq, "hash": h.hash} for h in rows
    ]


def root_of(first: dt.date, last: dt.date) -> str:
    """One value standing for every chain of the days ``first`` … ``last``."""
    return chain.root((h["stream"], h["seq"], h["hash"]) for h in heads(first, last))


def month_end(first: dt.date) -> dt.date:
    """The last day of ``first``'s month."""
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def month_summary(year: int, month: int) -> list[str]:
    """The lines a monthly report prints: how many chains, and their root."""
    first = dt.date(year, month, 1)
    last = month_end(first)
    count = ChainHead.objects.filter(day__gte=first, day__lte=last).count()
    return [
        f"存证链摘要（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}，{count} 条链）：{root_of(first, last)}"
    ]


def mine_head(mine_id: int) -> str:
    """The newest link of a mine's chains, as printed on a document (``m12/2026-12-07#31 …``)."""
    head = ChainHead.objects.filter(mine_id=mine_id).order_by("-day").first()
    return f"{head.stream}#{head.seq} {head.hash}" if head else ""


# --- verifying ---------------------------------------------------------------------------------


def _links_by_stream() -> Iterator[tuple[str, list[chain.Link]]]:
    fields = ["stream", "seq", "source", "object_id", "digest", "prev", "hash"]
    rows = ChainLink.objects.order_by("stream", "seq").values_list(*fields)
    current: str | None = None
    batch: list[chain.Link] = []
    for values in rows.iterator(chunk_size=5000):
        link = chain.Link(*values)
        if link.stream != current and current is not None:
            yield current, batch
            batch = []
        current = link.stream
        batch.append(link)
    if current is not None:
        yield current, batch


def _check_chains(report: VerifyReport) -> None:
    stored = dict(ChainHead.objects.values_list("stream", "hash"))
    for stream, links in _links_by_stream():
        report.streams += 1
        report.links += len(links)
        broken = chain.check_stream(stream, links)
        if broken is None and stored.get(stream) != links[-1].hash:
            last = links[-1]
            broken = chain.Break(stream, last.seq, last.source, last.object_id, "链头与链不符")
        if broken is not None:
            report.breaks.append(broken)


def _deleted_through_platform(model: type[models.Model], ids: Iterable[str]) -> set[str]:
    content_type = ContentType.objects.get_for_model(model)
    return set(
        AuditEntry.objects.filter(
            content_type=content_type, object_id__in=list(ids), action=AuditAction.DELETE
        ).values_list("object_id", flat=True)
    )


def _check_records(source: Source, report: VerifyReport) -> None:
    """Each record against the digest of its newest link: changed, deleted or never sealed."""
    latest: dict[str, tuple[str, str, int]] = {}
    links = ChainLink.objects.filter(source=source.label).order_by("id")
    for object_id, dig, stream, seq in links.values_list("object_id", "digest", "stream", "seq"):
        latest[object_id] = (dig, stream, seq)
    mark = SealMark.objects.filter(source=source.label).values_list("until", flat=True).first()
    for row in source.rows(source.model._default_manager.order_by("pk")).iterator(2000):
        report.records += 1
        key = str(row[source.pk])
        sealed = latest.pop(key, None)
        if sealed is None:
            if mark is not None and row[source.time_field] < mark - GRACE:
                report.breaks.append(
                    chain.Break("", 0, source.label, key, "记录未封存（封存后插入）")
                )
            continue
        if record_digest(source, row) != sealed[0]:
            report.breaks.append(
                chain.Break(sealed[1], sealed[2], source.label, key, "记录在封存后被修改")
            )
    gone = set(latest) - _deleted_through_platform(source.model, latest)
    for key in sorted(gone):
        dig, stream, seq = latest[key]
        report.breaks.append(chain.Break(stream, seq, source.label, key, "记录被删除"))


def _check_published(published: Iterable[dict[str, Any]], report: VerifyReport) -> None:
    """Heads published earlier (an export, a printed document) must still be in the chains."""
    for head in published:
        stream, seq = str(head["stream"]), int(head["seq"])
        link = ChainLink.objects.filter(stream=stream, seq=seq).values_list("hash", flat=True)
        if link.first() != head["hash"]:
            report.breaks.append(chain.Break(stream, seq, "", "", "与公布的链头不符"))


def verify(published: Iterable[dict[str, Any]] = ()) -> VerifyReport:
    """Check every chain, every sealed record, the areas' own checks and published heads."""
    report = VerifyReport()
    _check_chains(report)
    for source in sources():
        _check_records(source, report)
    for path in settings.MINESAFE_EVIDENCE_CHECKS:
        check: Callable[[VerifyReport], None] = import_string(path)
        check(report)
    _check_published(published, report)
    return report
