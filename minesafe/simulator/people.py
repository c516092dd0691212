"""Personnel positioning of the simulated mines: areas (RYQY), people (RYXX), snapshots (RYSS).

Each mine has a general area (井底车场), one key area per working face of its point layout and
a restricted area (采空区, approved headcount 0, nobody goes there in a quiet stream). People
work one shift of the 三八制; a mine leader goes down with every shift (带班, MON-5). A crew
goes down a few minutes after its shift starts and is out before it ends, with per-day
offsets drawn from the seed. Incidents add fixed presences: spare workers sent into an area
(over-staffing) or a second card carried by one person (multi-card).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from minesafe.simulator.catalogue import Mine, PointTable, sensor_data
from minesafe.simulator.render import local_text, records_by_mine

F64 = npt.NDArray[np.float64]
DAY_S = 86400.0
CHINA_OFFSET_S = 8 * 3600
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟强磊军勇杰涛明超华平刚辉鹏斌波宇浩凯健俊帆帅旭宁龙林阳建国志峰亮成栋"


def _settings() -> dict[str, Any]:
    return dict(sensor_data()["personnel"])


@dataclass(frozen=True, slots=True)
class AreaDef:
    """One positioning area of one mine; ``station`` is the reader at its entrance."""

    mine: int
    code: str
    kind: str
    type_code: str
    approved: int
    name: str
    station: str


def _area_template(points: PointTable) -> list[tuple[str, str]]:
    """(kind, name) of each area of a mine, from the faces of its point layout."""
    spec = _settings()["areas"]
    out = [("general", spec["general"]["name"])]
    faces = sorted({(s.prefix, s.position) for s in points.slots if s.position.endswith("ch4")})
    for prefix, position in faces:
        if position == "coal_face_ch4":
            out.append(("coal_face", prefix + spec["coal_face"]["name"]))
        elif position == "dev_face_ch4":
            out.append(("dev_face", prefix + spec["dev_face"]["name"]))
    out.append(("restricted", spec["restricted"]["name"]))
    return out


@dataclass
class Personnel:
    """Areas and card holders of every mine, as columns; presences are computed per snapshot."""

    mines: list[Mine]
    areas: list[AreaDef]
    mine: npt.NDArray[np.int32]
    card: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    identity: npt.NDArray[np.str_]
    job: npt.NDArray[np.str_]
    title: npt.NDArray[np.str_]
    leader: npt.NDArray[np.bool_]
    shift: npt.NDArray[np.int32]  # 0, 1, 2 of the 三八制, -1 for spares and second cards
    area: npt.NDArray[np.int32]  # index into ``areas``
    uid: npt.NDArray[np.int32]  # creation order: keys the per-day draws, stable under inserts
    fixed_in: F64 = field(default_factory=lambda: np.empty(0))
    fixed_out: F64 = field(default_factory=lambda: np.empty(0))
    seed: int = 0
    _days: dict[int, tuple[F64, F64]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.card.shape[0])

    def area_index(self, mine: int, area: int) -> int:
        """Global index of the ``area``-th (1-based) area of mine ``mine``."""
        mine_areas = [i for i, a in enumerate(self.areas) if a.mine == mine]
        if not 1 <= area <= len(mine_areas):
            raise ValueError(f"area must be 1..{len(mine_areas)} for this mine")
        return mine_areas[area - 1]

    def shift_windows(self, day: int) -> tuple[F64, F64]:
        """POSIX times each shift worker goes down and comes up on local day ``day``."""
        if day not in self._days:
            spec = _settings()
            n = int(self.uid.max()) + 1 if len(self) else 0
            rng = np.random.default_rng([self.seed, 5, day])
            lo, hi = spec["enter_after_s"]
            enter = rng.uniform(lo, hi, n)[self.uid]
            rng = np.random.default_rng([self.seed, 6, day])
            lo, hi = spec["leave_before_s"]
            leave = rng.uniform(lo, hi, n)[self.uid]
            start = day * DAY_S - CHINA_OFFSET_S + self.shift * spec["shift_hours"] * 3600.0
            end = start + spec["shift_hours"] * 3600.0
            down, up = np.floor(start + enter), np.floor(end - leave)
            # The shift's leader (带班) goes down with the first of its crew and comes up with
            # the last, so whenever the crew is underground a leader is too, even as seen by an
            # engine that starts watching in the middle of a shift.
            worker = self.shift >= 0
            if worker.any():
                crew = self.mine.astype(np.int64) * 3 + np.maximum(self.shift, 0)
                first = np.full(3 * len(self.mines), np.inf)
                last = np.full(3 * len(self.mines), -np.inf)
                np.minimum.at(first, crew[worker], down[worker])
                np.maximum.at(last, crew[worker], up[worker])
                lead = self.leader & worker
                down = np.where(lead, first[crew], down)
                up = np.where(lead, last[crew], up)
            self._days = {day: (down, up)}
        return self._days[day]

    def presence(self, t: float) -> tuple[F64, F64]:
        """(went down, comes up) of every card's stay on the local day of ``t`` (NaN: none)."""
        day = int((t + CHINA_OFFSET_S) // DAY_S)
        enter, leave = self.shift_windows(day)
        worker = self.shift >= 0
        fixed = ~np.isnan(self.fixed_in)
        enter = np.where(fixed, self.fixed_in, np.where(worker, enter, np.nan))
        leave = np.where(fixed, self.fixed_out, np.where(worker, leave, np.nan))
        return enter, leave

    def add_card(self, mine: int, like: int | None, area: int, start: float, end: float) -> int:
        """Append a card underground in ``area`` during [start, end): a spare worker, or a
        second card of person ``like`` (same name and identity)."""
        serial = int((self.mine == mine).sum()) + 1
        code = f"{self.mines[mine].code}{serial:05d}"
        if like is None:
            name, identity = f"备班{serial}", _identity(self.mines[mine].code[2:6], serial)
            job, title, leader = "辅助工", "工人", False
        else:
            name, identity = str(self.name[like]), str(self.identity[like])
            job, title, leader = str(self.job[like]), str(self.title[like]), bool(self.leader[like])
        for attr, value in (
            ("mine", mine),
            ("card", code),
            ("name", name),
            ("identity", identity),
            ("job", job),
            ("title", title),
            ("leader", leader),
            ("shift", -1),
            ("area", area),
            ("uid", len(self)),
            ("fixed_in", start),
            ("fixed_out", end),
        ):
            setattr(self, attr, np.append(getattr(self, attr), value))
        self._days.clear()
        self._sort()
        return int(np.flatnonzero(self.card == code)[0])

    def _sort(self) -> None:
        """Keep cards grouped by mine (each mine's file is a contiguous run)."""
        order = np.argsort(self.mine, kind="stable")
        for attr in (
            "mine",
            "card",
            "name",
            "identity",
            "job",
            "title",
            "leader",
            "shift",
            "area",
            "uid",
            "fixed_in",
            "fixed_out",
        ):
            setattr(self, attr, getattr(self, attr)[order])

    def headcount(self, t: float, area: int) -> int:
        """People underground in ``area`` (global index) at ``t``."""
        enter, leave = self.presence(t)
        inside = (enter <= t) & (t < leave) & (self.area == area)
        return int(inside.sum())


def _identity(region: str, serial: int) -> str:
    """An 18-character identity number of a fictional region (province 99)."""
    year = 1970 + serial % 30
    return f"99{region}{year}{1 + serial % 12:02d}{1 + serial % 28:02d}{serial % 1000:03d}0"


def _mine_members(template: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """(shift, area within the mine, role) of each card holder of one mine, in card order."""
    spec = _settings()["areas"]
    members = []
    for shift in range(3):
        members.append((shift, 0, "leader"))
        for k, (kind, _) in enumerate(template):
            members += [(shift, k, kind)] * spec[kind]["crew"]
    return members


def _sized_members(template: list[tuple[str, str]], mine: Mine) -> list[tuple[int, int, str]]:
    """(shift, area, role) of each card holder of a mine with its own crews per shift: a leader
    and the workers shared out over the areas as the default roster shares them, or for a
    stopped mine (``watch``) all in the general area."""
    spec = _settings()["areas"]
    weights = [
        0 if mine.watch and k else spec[kind]["crew"] for k, (kind, _) in enumerate(template)
    ]
    members = []
    for shift, people in enumerate(mine.crew or (0, 0, 0)):
        if people <= 0:
            continue
        members.append((shift, 0, "leader"))
        workers = people - 1
        shares = [workers * w / sum(weights) for w in weights]
        counts = [int(x) for x in shares]
        for k in sorted(range(len(shares)), key=lambda k: counts[k] - shares[k])[
            : workers - sum(counts)
        ]:
            counts[k] += 1
        for k, n in enumerate(counts):
            members += [(shift, k, "watch" if mine.watch else template[k][0])] * n
    return members


def make_personnel(mines: list[Mine], points: PointTable, seed: int) -> Personnel:
    """Areas, shift crews and leaders of every mine: one mine's roster tiled over all mines, or
    each mine's own when the mines carry their crews per shift."""
    spec = _settings()
    template = _area_template(points)
    areas = [
        AreaDef(m.index, code, kind, a["type"], a["approved"], name, f"{code}000001")
        for m in mines
        for k, (kind, name) in enumerate(template, start=1)
        for code, a in ((f"{m.code}{k:04d}", spec["areas"][kind]),)
    ]
    if any(m.crew is not None for m in mines):
        return _sized_personnel(mines, template, areas, seed)
    members = _mine_members(template)
    per_mine, n_mines = len(members), len(mines)
    serials = np.arange(1, per_mine + 1)
    titles = spec["leader_titles"]
    roles = [r for _, _, r in members]
    mine = np.repeat(np.arange(n_mines, dtype=np.int32), per_mine)
    codes = np.repeat(np.array([m.code for m in mines]), per_mine)
    rng = np.random.default_rng([seed, 4])
    combos = np.array([s + a + b for s in _SURNAMES for a in _GIVEN for b in _GIVEN])
    combos = combos[rng.permutation(len(combos))]
    offsets = np.repeat(rng.integers(0, len(combos), n_mines), per_mine)
    leader = np.array([r == "leader" for r in roles] * n_mines)
    region = mines[0].code[2:6] if mines else "0000"
    n = per_mine * n_mines
    return Personnel(
        mines=mines,
        areas=areas,
        mine=mine,
        card=np.char.add(codes, np.tile(np.char.zfill(serials.astype(str), 5), n_mines)),
        name=combos[(offsets + np.tile(serials, n_mines)) % len(combos)],
        identity=np.tile(np.array([_identity(region, int(i)) for i in serials]), n_mines),
        job=np.tile(np.array([spec["jobs"].get(r, "管理") for r in roles]), n_mines),
        title=np.tile(
            np.array(
                [titles[sh % len(titles)] if r == "leader" else "工人" for sh, _, r in members]
            ),
            n_mines,
        ),
        leader=leader,
        shift=np.tile(np.array([sh for sh, _, _ in members], np.int32), n_mines),
        area=(
            np.repeat(np.arange(n_mines) * len(template), per_mine)
            + np.tile(np.array([a for _, a, _ in members]), n_mines)
        ).astype(np.int32),
        uid=np.arange(n, dtype=np.int32),
        fixed_in=np.full(n, np.nan),
        fixed_out=np.full(n, np.nan),
        seed=seed,
    )


def _sized_personnel(
    mines: list[Mine], template: list[tuple[str, str]], areas: list[AreaDef], seed: int
) -> Personnel:
    """:func:`make_personnel` for mines of their own sizes (a few dozen mines: built per mine)."""
    spec = _settings()
    titles = spec["leader_titles"]
    rng = np.random.default_rng([seed, 4])
    combos = np.array([s + a + b for s in _SURNAMES for a in _GIVEN for b in _GIVEN])
    combos = combos[rng.permutation(len(combos))]
    offsets = rng.integers(0, len(combos), len(mines))
    region = mines[0].code[2:6] if mines else "0000"
    cols: dict[str, list[Any]] = {k: [] for k in ("mine", "card", "name", "identity", "job")}
    cols.update(title=[], leader=[], shift=[], area=[])
    for m in mines:
        default = _mine_members(template) if m.crew is None else None
        for serial, (shift, area, role) in enumerate(default or _sized_members(template, m), 1):
            cols["mine"].append(m.index)
            cols["card"].append(f"{m.code}{serial:05d}")
            cols["name"].append(combos[(offsets[m.index] + serial) % len(combos)])
            cols["identity"].append(_identity(region, serial))
            cols["job"].append(spec["jobs"].get(role, "管理"))
            cols["title"].append(titles[shift % len(titles)] if role == "leader" else "工人")
            cols["leader"].append(role == "leader")
            cols["shift"].append(shift)
            cols["area"].append(m.index * len(template) + area)
    n = len(cols["mine"])
    return Personnel(
        mines=mines,
        areas=areas,
        mine=np.array(cols["mine"], np.int32),
        card=np.array(cols["card"], dtype=str),
        name=np.array(cols["name"], dtype=str),
        identity=np.array(cols["identity"], dtype=str),
        job=np.array(cols["job"], dtype=str),
        title=np.array(cols["title"], dtype=str),
        leader=np.array(cols["leader"], bool),
        shift=np.array(cols["shift"], np.int32),
        area=np.array(cols["area"], np.int32),
        uid=np.arange(n, dtype=np.int32),
        fixed_in=np.full(n, np.nan),
        fixed_out=np.full(n, np.nan),
        seed=seed,
    )


def _header(mine: Mine, t: float) -> list[str]:
    return [mine.code, mine.name, local_text(t)]


def ryqy(people: Personnel, t: float) -> dict[int, bytes]:
    """The area file of every mine: type; 16-digit code; approved headcount; name."""
    cols = [
        [a.type_code for a in people.areas],
        [a.code for a in people.areas],
        [str(a.approved) for a in people.areas],
        [a.name for a in people.areas],
    ]
    mine = np.array([a.mine for a in people.areas], np.int32)
    return _files(people, t, _header, cols, mine)


def _ryxx_header(mine: Mine, t: float) -> list[str]:
    return [mine.code, mine.name, "KJ251", "人员位置监测系统", "模拟仪器厂", "2028-12-31", "",
            local_text(t)]  # fmt: skip


def ryxx(people: Personnel, t: float) -> dict[int, bytes]:
    """The card-holder file of every mine (8 header fields, 9 record fields)."""
    area_names = np.array([a.name + "班组" for a in people.areas])
    cols = [
        people.card,
        people.name,
        people.job,
        people.title,
        area_names[people.area],
        people.identity,
        np.strings.slice(people.identity, 6, 14),
        np.where(people.leader, "1", "0"),
        np.full(len(people), "0"),
    ]
    return _files(people, t, _ryxx_header, cols, people.mine)


def _files(
    people: Personnel,
    t: float,
    header: Callable[[Mine, float], list[str]],
    cols: Sequence[Any],
    mine: npt.NDArray[np.int32],
) -> dict[int, bytes]:
    bodies = records_by_mine([pa.array(np.asarray(c)) for c in cols], mine, len(people.mines))
    return {
        m.index: (";".join(header(m, t)) + "~").encode() + bodies[m.index] + b"||"
        for m in people.mines
    }


def _times(t: F64) -> npt.NDArray[np.str_]:
    """Vectorised ``yyyy-MM-dd HH:mm:ss`` (China time) of POSIX seconds; '' for NaN."""
    ok = ~np.isnan(t)
    out = np.full(t.shape, "", dtype="<U19")
    if not ok.any():
        return out
    local = (t[ok] + CHINA_OFFSET_S).astype("int64").astype("datetime64[s]")
    out[ok] = np.char.replace(np.datetime_as_string(local, unit="s"), "T", " ")
    return out


def ryss(people: Personnel, t: float, since: float) -> dict[int, bytes]:
    """Full RYSS snapshots at ``t`` for every mine: every card underground (flag 1) and every
    card that came up after ``since`` (flag 2, with its exit time)."""
    enter, leave = people.presence(t)
    down = (enter <= t) & (t < leave)
    came_up = (leave <= t) & (leave > since)
    sel = np.flatnonzero(down | came_up)
    flag = np.where(down[sel], "1", "2")
    out_time = np.where(down[sel], "", _times(leave[sel]))
    in_time = _times(enter[sel])
    area = people.area[sel]
    area_code = np.array([a.code for a in people.areas])[area]
    station = np.char.add(area_code, "000001")
    leader = np.where(people.leader[sel], "1", "0")
    mode = _settings()["shift_mode"]
    parts = [people.card[sel], people.name[sel], flag, in_time, out_time, area_code, in_time,
             station, in_time]  # fmt: skip
    cols = [pa.array(np.asarray(c)) for c in parts]
    cols += [pa.scalar(mode), pa.scalar("0"), pa.scalar("正常"), pa.array(leader)]
    cols += [pa.scalar("0"), pa.scalar("")]
    bodies = records_by_mine(cols, people.mine[sel], len(people.mines))
    return {
        m.index: (";".join(_header(m, t)) + "~").encode() + bodies[m.index] + b"||"
        for m in people.mines
    }
