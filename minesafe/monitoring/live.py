"""Queries of the live monitoring pages: the county board, its map and a mine's points (issue 6 §4).

MON-2..MON-5: a regulator sees at a glance which mines have open alarms and how bad the worst
one is; mine staff see every point's newest minute. Every query starts from ``restrict`` so the
board, the map and the point table never show a mine outside the user's jurisdiction. The pure
helpers (settings, map boundaries, sparklines, point status) take no database and no clock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from minesafe.core.scoping import VIEW
from minesafe.monitoring import rules, services
from minesafe.monitoring.choices import (
    LEVEL_COLORS,
    MAP_COLORS,
    POINT_STATUS_COLORS,
    AlarmLevel,
    PointStatus,
    StatPeriod,
)
from minesafe.monitoring.models import Alarm, ReadingStat, SensorPoint
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine
from minesafe.ruledata import edition_in_force

STATIC = Path(__file__).resolve().parent / "static"

NORMAL, ALARM, NO_DATA = PointStatus.NORMAL, PointStatus.ALARM, PointStatus.NO_DATA


# --- settings (data file) ------------------------------------------------------------------------


@dataclass(frozen=True)
class MapSpec:
    """One boundary map served from the static files: ``name`` is the ECharts map name."""

    name: str
    label: str
    file: str


@dataclass(frozen=True)
class LiveSettings:
    """The display choices of ``monitoring/data/live.yaml`` (see the file for the reasons)."""

    no_data_minutes: int
    close_grace_minutes: int
    sparkline_minutes: int
    refresh_seconds: int
    top_points: int
    default_statistics_days: int
    history_ranges: dict[str, dict[str, Any]]
    sensor_types: dict[str, str]
    maps: tuple[MapSpec, ...]
    national_map: MapSpec


def live_settings(on: dt.date | None = None) -> LiveSettings:
    """The edition of the live pages' settings in force on ``on`` (the newest when None)."""
    data = edition_in_force("minesafe.monitoring", "live", on)
    return LiveSettings(
        no_data_minutes=int(data["no_data_minutes"]),
        close_grace_minutes=int(data["close_grace_minutes"]),
        sparkline_minutes=int(data["sparkline_minutes"]),
        refresh_seconds=int(data["refresh_seconds"]),
        top_points=int(data["top_points"]),
        default_statistics_days=int(data["default_statistics_days"]),
        history_ranges=dict(data["history_ranges"]),
        sensor_types={str(k): str(v) for k, v in data["sensor_types"].items()},
        maps=tuple(MapSpec(**m) for m in data["maps"]),
        national_map=MapSpec(**data["national_map"]),
    )


# --- boundary maps (pure) -------------------------------------------------------------------------

Ring = list[tuple[float, float]]


def decode_ring(encoded: str, offsets: Sequence[int], scale: float = 1024.0) -> Ring:
    """One ring of ECharts' compressed GeoJSON (``UTF8Encoding``): zig-zag deltas per character
    pair, quantised by ``scale``; the same algorithm ECharts runs when the map is registered."""
    x, y = int(offsets[0]), int(offsets[1])
    ring: Ring = []
    for i in range(0, len(encoded) - 1, 2):
        dx, dy = ord(encoded[i]) - 64, ord(encoded[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x / scale, y / scale))
    return ring


def feature_rings(geojson: dict[str, Any]) -> list[list[Ring]]:
    """The rings of every feature of a (possibly compressed) GeoJSON feature collection."""
    scale = float(geojson.get("UTF8Scale") or 1024)
    encoded = bool(geojson.get("UTF8Encoding"))
    features: list[list[Ring]] = []
    for feature in geojson.get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates") or []
        offsets = geometry.get("encodeOffsets") or []
        if geometry.get("type") == "Polygon":
            polygons, offsets = [polygons], [offsets]
        elif geometry.get("type") != "MultiPolygon":
            continue
        rings: list[Ring] = []
        for p, polygon in enumerate(polygons):
            for r, ring in enumerate(polygon):
                if encoded and isinstance(ring, str):
                    rings.append(decode_ring(ring, offsets[p][r], scale))
                else:
                    rings.append([(float(c[0]), float(c[1])) for c in ring])
        features.append(rings)
    return features


@dataclass(frozen=True)
class Region:
    """One feature's rings as NumPy columns with its bounding box (for fast point tests)."""

    rings: tuple[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]], ...]
    box: tuple[float, float, float, float]

    @classmethod
    def of(cls, rings: list[Ring]) -> Region:
        cols = tuple((np.array([p[0] for p in r]), np.array([p[1] for p in r])) for r in rings if r)
        xs = [float(x.min()) for x, _ in cols] + [float(x.max()) for x, _ in cols]
        ys = [float(y.min()) for _, y in cols] + [float(y.max()) for _, y in cols]
        return cls(cols, (min(xs), min(ys), max(xs), max(ys)) if cols else (0, 0, -1, -1))

    def contains(self, lon: float, lat: float) -> bool:
        """Even-odd rule over all rings (so holes count), vectorised over each ring's edges."""
        x0, y0, x1, y1 = self.box
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        crossings = 0
        for xi, yi in self.rings:
            xj, yj = np.roll(xi, 1), np.roll(yi, 1)
            straddle = (yi > lat) != (yj > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            crossings += int(np.count_nonzero(straddle & (lon < cross)))
        return crossings % 2 == 1


@cache
def map_regions(file: str) -> tuple[Region, ...]:
    """The features of a map shipped under ``static/``, decoded once per process."""
    geojson = json.loads((STATIC / file).read_text("utf-8"))
    return tuple(Region.of(rings) for rings in feature_rings(geojson))


@cache
def province_of(lon: float, lat: float, files: tuple[str, ...]) -> str | None:
    """The first of ``files`` whose boundary holds the point (cached per coordinate)."""
    for file in files:
        if any(region.contains(lon, lat) for region in map_regions(file)):
            return file
    return None


def choose_maps(coords: Iterable[tuple[float, float]], settings: LiveSettings) -> list[MapSpec]:
    """The province maps holding the coordinates (in the data file's order), or the national map
    when one lies in no shipped province. Without coordinates: the first (home) province."""
    files = tuple(spec.file for spec in settings.maps)
    found = {province_of(round(lon, 4), round(lat, 4), files) for lon, lat in coords}
    if None in found:
        return [settings.national_map]
    chosen = [spec for spec in settings.maps if spec.file in found]
    return chosen or [settings.maps[0]]


def map_view(
    specs: Sequence[MapSpec], coords: Sequence[tuple[float, float]], fill: float = 0.6
) -> dict[str, Any]:
    """Centre and zoom of the geo so the mines fill about ``fill`` of the drawn boundaries.

    A county's mines cover a few hundredths of a province: drawn at the province's own zoom
    they would be one blob. Zoom 1 (the whole map) when there are no mines or they spread wide.
    """
    boxes = [r.box for spec in specs for r in map_regions(spec.file) if r.box[0] <= r.box[2]]
    if not coords or not boxes:
        return {"center": None, "zoom": 1}
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    span_lon = max(max(lons) - min(lons), 0.05)
    span_lat = max(max(lats) - min(lats), 0.05)
    zoom = fill * min((x1 - x0) / span_lon, (y1 - y0) / span_lat)
    centre = [(max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2]
    return {"center": [round(c, 4) for c in centre], "zoom": round(min(max(zoom, 1.0), 30.0), 2)}


# --- small pure helpers ---------------------------------------------------------------------------


def sparkline(values: Sequence[float], width: int = 120, height: int = 24) -> str:
    """SVG ``polyline`` points of a series scaled into ``width`` × ``height`` (1 px margin).

    Drawn on the server: 300 tiny charts as SVG cost nothing, 300 chart instances would.
    """
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo
    step = (width - 2) / max(len(values) - 1, 1)
    pts = []
    for i, v in enumerate(values):
        y = (height / 2) if span == 0 else 1 + (height - 2) * (1 - (v - lo) / span)
        pts.append(f"{1 + i * step:.1f},{y:.1f}")
    return " ".join(pts)


def point_status(
    newest_bucket: dt.datetime | None,
    current_levels: Sequence[int],
    now: dt.datetime,
    no_data_minutes: int,
) -> str:
    """无数据 when the newest closed minute ended more than ``no_data_minutes`` ago (or never),
    whatever is open on the point; else 报警 when a current alarm is on it; else 正常
    (:func:`minesafe.monitoring.rules.point_state`)."""
    return rules.point_state(newest_bucket, current_levels, now, no_data_minutes)[0]


def level_color(level: int | None) -> str:
    return "green" if level is None else LEVEL_COLORS.get(AlarmLevel(level), "grey")


# --- county board ---------------------------------------------------------------------------------


@dataclass
class BoardRow:
    """A mine with open alarms: its worst level, how many, since when."""

    mine: Mine
    worst: int
    count: int
    oldest: dt.datetime

    @property
    def color(self) -> str:
        return level_color(self.worst)

    @property
    def level_label(self) -> str:
        return str(AlarmLevel(self.worst).label)


@dataclass
class Board:
    level_counts: list[tuple[str, int, str]]
    rows: list[BoardRow]
    map_points: list[dict[str, Any]]
    without_coordinates: list[Mine]
    maps: list[MapSpec]
    mine_count: int
    open_total: int = 0

    @property
    def map_name(self) -> str:
        """The ECharts name of the merged map (one name per set of provinces)."""
        return "+".join(spec.name for spec in self.maps)

    @property
    def map_label(self) -> str:
        return "、".join(spec.label for spec in self.maps)

    def map_payload(self) -> dict[str, Any]:
        """What the board's map script needs (json_script)."""
        return {
            "map": self.map_name,
            "label": self.map_label,
            "points": self.map_points,
            "view": map_view(self.maps, [(p["value"][0], p["value"][1]) for p in self.map_points]),
            "colors": {str(k): v for k, v in MAP_COLORS.items()},
        }


def board(user: Any, settings: LiveSettings) -> Board:
    """The county real-time board: mines by worst current level, the table and the map points.

    What is current comes from :func:`minesafe.monitoring.services.statuses`, the source the
    mine's live page and the alarm list use too. A mine is counted once, under its worst current
    level, so the four counts add up to the mines with current alarms and agree with the map.
    """
    current = {pk: st for pk, st in services.statuses(user).items() if st.current}
    mines = {
        m.pk: m
        for m in Mine.objects.restrict(user, VIEW)
        .exclude(status=MineStatus.CLOSED)
        .select_related("county")
        .order_by("code")
    }
    extra_pks = [pk for pk in current if pk not in mines]
    if extra_pks:  # a closed mine with an alarm still current is still on the board
        mines.update({m.pk: m for m in Mine.objects.restrict(user, VIEW).filter(pk__in=extra_pks)})
    rows = sorted(
        (
            BoardRow(mines[pk], st.worst or 0, len(st.current), st.oldest or dt.datetime.max)
            for pk, st in current.items()
            if pk in mines
        ),
        key=lambda r: (r.worst, r.oldest),
    )
    worst = {row.mine.pk: row.worst for row in rows}
    counts = {row.mine.pk: row.count for row in rows}
    per_level: dict[int, int] = defaultdict(int)
    for row in rows:
        per_level[row.worst] += 1
    points, missing = [], []
    for mine in mines.values():
        if mine.longitude is None or mine.latitude is None:
            missing.append(mine)
            continue
        level = worst.get(mine.pk, 0)
        points.append(
            {
                "name": mine.name,
                "value": [float(mine.longitude), float(mine.latitude), level],
                "level": level,
                "open": counts.get(mine.pk, 0),
                "url": reverse("monitoring:mine_live", kwargs={"pk": mine.pk}),
            }
        )
    specs = choose_maps(((p["value"][0], p["value"][1]) for p in points), settings)
    return Board(
        level_counts=[
            (str(label), per_level.get(int(value), 0), LEVEL_COLORS[AlarmLevel(value)])
            for value, label in AlarmLevel.choices
        ],
        rows=rows,
        map_points=points,
        without_coordinates=missing,
        maps=specs,
        mine_count=len(mines),
        open_total=sum(r.count for r in rows),
    )


# --- a mine's real-time page ----------------------------------------------------------------------


@dataclass
class PointRow:
    point: SensorPoint
    type_label: str
    stat: ReadingStat | None
    status: str
    level: int | None
    trend: str

    @property
    def last_data_at(self) -> dt.datetime | None:
        """The time of the point's last value: its newest reading when stored, else the start of
        its newest minute (the time the 统计时间 column shows)."""
        if self.stat is None:
            return None
        return self.stat.last_at or self.stat.bucket

    @property
    def status_label(self) -> str:
        if self.status == ALARM and self.level is not None:
            return f"报警 {AlarmLevel(self.level).label}"
        return PointStatus(self.status).label

    @property
    def color(self) -> str:
        return (
            level_color(self.level)
            if self.status == ALARM
            else POINT_STATUS_COLORS[PointStatus(self.status)]
        )


@dataclass
class LiveFilter:
    """The real-time page's filters, already validated (unknown values are simply ignored)."""

    sensor_type: str = ""
    status: str = ""
    q: str = ""


def newest_minute_stats(mine: Mine, codes: QuerySet[Any] | None = None) -> dict[str, ReadingStat]:
    """The newest 1-minute statistic of every point of a mine, in one query.

    A correlated subquery picks each point's newest bucket through the unique
    (mine, point, period, bucket) index, so the cost is one index seek per point.
    """
    newest = (
        ReadingStat.objects.filter(
            mine_id=OuterRef("mine_id"), point_code=OuterRef("code"), period=StatPeriod.MINUTE
        )
        .order_by("-bucket")
        .values("pk")[:1]
    )
    points = SensorPoint.objects.filter(mine=mine) if codes is None else codes
    ids = points.annotate(newest=Subquery(newest)).values("newest")
    return {s.point_code: s for s in ReadingStat.objects.filter(pk__in=ids)}


def recent_averages(mine: Mine, since: dt.datetime) -> dict[str, list[float]]:
    """1-minute averages of every point of a mine since ``since``, oldest first (one query)."""
    series: dict[str, list[float]] = defaultdict(list)
    rows = (
        ReadingStat.objects.filter(mine=mine, period=StatPeriod.MINUTE, bucket__gte=since)
        .order_by("point_code", "bucket")
        .values_list("point_code", "avg")
    )
    for code, avg in rows:
        series[code].append(avg)
    return series


def live_points(
    mine: Mine,
    now: dt.datetime,
    settings: LiveSettings,
    filters: LiveFilter | None = None,
    status: services.MineStatus | None = None,
) -> list[PointRow]:
    """Every point of a mine with its newest minute, status and last hour's trend (a few
    queries). ``status`` is the mine's current status (:func:`services.mine_status`); without
    it every open alarm of the mine is judged here (the same function)."""
    filters = filters or LiveFilter()
    if status is None:
        alarms = list(Alarm.objects.filter(mine=mine, closed_at__isnull=True))
        verdict = services.judge(alarms)
        status = services.MineStatus(mine.pk, [a for a in alarms if verdict.get(a.pk) is None], [])
    points = SensorPoint.objects.filter(mine=mine)
    if filters.sensor_type:
        points = points.filter(sensor_type=filters.sensor_type)
    if filters.q:
        points = points.filter(Q(code__icontains=filters.q) | Q(location__icontains=filters.q))
    stats = newest_minute_stats(mine)
    trends = recent_averages(mine, now - dt.timedelta(minutes=settings.sparkline_minutes))
    levels = status.levels_by_subject()
    rows = []
    for point in points.order_by("sensor_type", "code"):
        stat = stats.get(point.code)
        state, level = rules.point_state(
            stat.bucket if stat else None, levels.get(point.code, []), now, settings.no_data_minutes
        )
        if filters.status and state != filters.status:
            continue
        rows.append(
            PointRow(
                point=point,
                type_label=sensor_type_label(point, settings),
                stat=stat,
                status=state,
                level=level,
                trend=sparkline(trends.get(point.code, [])),
            )
        )
    return rows


def sensor_type_label(point: SensorPoint, settings: LiveSettings) -> str:
    """The Chinese name of what a point's sensor type measures; an unknown code is shown as
    其他（代码 XXXX）, never as a bare code."""
    return rules.sensor_group(point.sensor_type, settings.sensor_types)


def sensor_type_choices(codes: Iterable[str], settings: LiveSettings) -> list[tuple[str, str]]:
    """(code, heading) of the codes present, for the type filter."""
    return [(code, rules.sensor_group(code, settings.sensor_types)) for code in codes]


def group_rows(rows: list[PointRow]) -> list[tuple[str, list[PointRow]]]:
    """Rows grouped by sensor type label, in first-seen order."""
    groups: dict[str, list[PointRow]] = {}
    for row in rows:
        groups.setdefault(row.type_label, []).append(row)
    return list(groups.items())


def status_counts(rows: list[PointRow]) -> list[tuple[str, str, int, str]]:
    """(status, label, count, colour) over the rows."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
    return [(s, s.label, counts.get(s, 0), POINT_STATUS_COLORS[s]) for s in PointStatus]


@dataclass
class CurrentAlarm:
    """A current alarm of a mine as its live page lists it: what it is on, in words."""

    alarm: Alarm
    subject: str
    point: SensorPoint | None

    @property
    def color(self) -> str:
        return level_color(self.alarm.level)


def subject_labels(mine: Mine, status: services.MineStatus) -> list[CurrentAlarm]:
    """The mine's current alarms with their subject named: a point by its location, the whole
    mine as 全矿, a card or area by its code (one query)."""
    codes = {a.point_code for a in status.current if a.point_code}
    points = {p.code: p for p in SensorPoint.objects.filter(mine=mine, code__in=codes)}
    out = []
    for alarm in status.current:
        point = points.get(alarm.point_code)
        if not alarm.point_code:
            subject = "全矿"
        elif point is not None:
            subject = point.location or point.code
        elif alarm.kind in rules.DECIDED_KINDS:
            subject = f"测点 {alarm.point_code}（本矿未定义该测点，无数据）"
        else:
            subject = f"对象 {alarm.point_code}"
        out.append(CurrentAlarm(alarm, subject, point))
    return out
