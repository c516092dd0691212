"""Demo data of the positioning area for ``minesafe demo`` (issue 6 §5): the first producing
mines of the demo county get RYQY / RYXX / RYSS files written as a mine's system writes them and
fed through :func:`~.store.store_parsed` (the pipeline's own path), a descent register and a
wellhead display. Planted: one person carrying two cards, one overtime, an area over its
approved headcount, and two disagreements of the three correspondences. Idempotent: a mine that
already has snapshots is left alone.

The snapshots are timed at the moment the demo loads; with no simulator running they turn stale
after ``stale_after_s`` and the pages then say so (data interrupted, last picture shown).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from minesafe.demo import crews
from minesafe.engine.familya import parse_family_a
from minesafe.localtime import local_date
from minesafe.positioning import rules
from minesafe.positioning.choices import DescentSource
from minesafe.positioning.models import DescentRecord, Snapshot, WellheadDisplay
from minesafe.positioning.store import store_parsed
from minesafe.registry.choices import MineStatus
from minesafe.registry.models import Mine, WorkingFace

COUNTY_CODE = "960121"
MINES = 2
CN = dt.timezone(dt.timedelta(hours=8))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟强磊军勇杰涛明超华平刚辉鹏斌波宇浩凯健俊帆帅旭宁龙林阳建国志峰亮成栋"
JOBS = [
    "采煤机司机",
    "支架工",
    "掘进机司机",
    "电钳工",
    "瓦斯检查工",
    "安全检查工",
    "皮带司机",
    "辅助工",
]


class _Index:
    """The pipeline's mine index for the demo mines (mine code → id)."""

    def __init__(self, mines: list[Mine]) -> None:
        self.ids = {m.code: m.pk for m in mines}

    def get(self, code: str) -> int | None:
        return self.ids.get(code)


def _t(moment: dt.datetime) -> str:
    return moment.astimezone(CN).strftime("%Y-%m-%d %H:%M:%S")


def _file(mine: Mine, kind: str, at: dt.datetime, head: list[str], records: list[str]) -> Any:
    name = f"{mine.code}_{kind}_{at.astimezone(CN):%Y%m%d%H%M%S}.txt"
    body = ";".join(head) + "~" + "".join(f"{r}~" for r in records) + "||"
    return parse_family_a(name, body.encode())


def _people(rng: random.Random, mine: Mine, n: int) -> list[dict[str, Any]]:
    names: set[str] = set()
    out = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        if name in names:
            continue
        names.add(name)
        k = len(out) + 1
        out.append(
            {
                "card": f"{mine.code}{k:05d}",
                "name": name,
                "job": rng.choice(JOBS),
                "identity": f"96{mine.code[2:6]}1980{k % 12 + 1:02d}{k % 28 + 1:02d}{k:04d}",
                "leader": False,
            }
        )
    return out


def _shift(now: dt.datetime) -> rules.Shift:
    policy = rules.policy(local_date(now))
    starts = rules.shift_starts("三八制", policy["shift_modes"], "三八制")
    return rules.shift_at(timezone.localtime(now), starts, "三八制")


def _areas(mine: Mine, stopped: bool) -> list[tuple[str, str, int, str]]:
    """(type, code, approved headcount, name) of the mine's positioning areas."""
    areas = [("1", f"{mine.code}0001", 0, "井底车场"), ("1", f"{mine.code}0002", 0, "主运输大巷")]
    if stopped:  # no face is worked: the watch crew keeps the pumps, fans and gas checks going
        areas.append(("1", f"{mine.code}0003", 0, "主排水泵房"))
    else:
        faces = list(
            WorkingFace.objects.filter(mine=mine, status="active").order_by(
                "approved_headcount", "name"
            )[:3]
        )
        for k, face in enumerate(faces, start=3):
            approved = face.approved_headcount or 20
            areas.append(("2", f"{mine.code}{k:04d}", approved, f"{face.name}工作面"))
    areas.append(("3", f"{mine.code}0009", 0, "采空区密闭（限制区域）"))
    return areas


def _load_mine(rng: random.Random, mine: Mine, now: dt.datetime, plant: bool) -> int:
    """One mine's areas, card holders, three snapshots, register and display. The crew of the
    shift in progress is sized by :mod:`.crews` (capacity, status and shift); a stopped mine
    has only its watch crew underground, led by the mine leader on duty."""
    index = _Index([mine])
    stopped = mine.status in crews.STOPPED
    areas = _areas(mine, stopped)
    head = [mine.code, mine.name, _t(now)]
    store_parsed(_file(mine, "RYQY", now, head, [";".join(map(str, a)) for a in areas]), index)

    shift = _shift(now)
    on_duty = crews.shift_crew(mine.capacity, mine.status, shift.index, mine.code)
    if plant:  # room for the planted over-staffing, overtime and second card
        on_duty = max(on_duty, 24)
    employed = sum(crews.shift_crew(mine.capacity, mine.status, k, mine.code) for k in range(3))
    crew = _people(rng, mine, max(employed + 2, on_duty + 15))
    crew[0].update(name=f"{crew[0]['name']}", job="矿长", leader=True)
    crew[1].update(job="安全副矿长" if stopped else "生产副矿长", leader=True)
    if stopped:
        jobs = crews.watch_jobs()
        for k, person in enumerate(crew[2 : on_duty + 1]):
            person["job"] = jobs[k % len(jobs)]
    if plant:  # one person with two cards: same name, job and identity on a second card
        twin = dict(crew[5], card=f"{mine.code}{len(crew) + 1:05d}")
        crew.append(twin)
    records = [
        f"{p['card']};{p['name']};{p['job']};{'矿领导' if p['leader'] else '工人'};"
        f"{'值守班' if stopped else '综采一队'};"
        f"{p['identity']};{p['identity'][6:14]};{1 if p['leader'] else 0};0"
        for p in crew
    ]
    head8 = [
        mine.code,
        mine.name,
        "KJ251",
        "人员位置监测系统",
        "演示厂家",
        "2028-12-31",
        "",
        _t(now),
    ]
    store_parsed(_file(mine, "RYXX", now, head8, records), index)

    went_down = min(shift.start + dt.timedelta(minutes=12), now - dt.timedelta(minutes=25))
    work_areas = [a[1] for a in areas if a[0] == "2"] or [a[1] for a in areas[1:-1]]
    down: list[tuple[dict[str, Any], str, dt.datetime]] = []
    on_shift = crew[1 : on_duty + 1]  # crew[0] (矿长) is on another shift
    step = min(20, 1200 // max(len(on_shift), 1))  # the whole crew is down within 20 minutes
    for k, p in enumerate(on_shift):
        area = work_areas[k % len(work_areas)] if k % 5 else areas[1][1]
        down.append((p, area, went_down + dt.timedelta(seconds=step * k)))
    if plant:
        # Over-staffing: people moved into the first face until it holds two over its limit.
        first_face = work_areas[0]
        approved = next(a[2] for a in areas if a[1] == first_face)
        inside = sum(1 for _, a, _ in down if a == first_face)
        for k, (p, a, t) in enumerate(down):
            if inside > approved + 1:
                break
            if a != first_face:
                down[k] = (p, first_face, t)
                inside += 1
        # Overtime: one worker of the previous night still underground after eleven hours.
        late = crew[on_duty + 5]
        down.append((late, areas[1][1], now - dt.timedelta(hours=11)))
        carrier = next(d for d in down if d[0] is crew[5])
        down.append((crew[-1], carrier[1], carrier[2]))  # the second card goes where he goes
    for minutes_ago in (20, 10, 0):
        at = now - dt.timedelta(minutes=minutes_ago)
        rows = []
        for n, (p, area, entered) in enumerate(down):
            if entered > at:
                continue
            if minutes_ago == 0 and n % 7 == 3 and area != work_areas[0]:  # walked to the roadway
                area = areas[1][1]
            fields = [p["card"], p["name"], "1", _t(entered), "", area, _t(entered),
                      f"{area}000001", _t(entered), "三八制", "0", "正常",
                      "1" if p["leader"] else "0", "0", ""]  # fmt: skip
            rows.append(";".join(fields))
        store_parsed(_file(mine, "RYSS", at, [mine.code, mine.name, _t(at)], rows), index)

    # The descent register and the wellhead display of this shift.
    present = [(p["name"], t) for p, _, t in down if not (plant and p is crew[-1])]
    names = [name for name, _ in present]
    register = [row for k, row in enumerate(present) if not (plant and k == 3)]  # one forgotten
    DescentRecord.objects.bulk_create(
        [
            DescentRecord(mine=mine, name=name, went_down_at=t, source=DescentSource.IMPORT,
                          entered_by="灯房考勤")
            for name, t in register
        ]
    )  # fmt: skip
    shown = list(names)
    if plant:
        shown[-1] = "赵志刚"  # the display still shows someone who came up
    WellheadDisplay.objects.create(
        mine=mine, at=now - dt.timedelta(minutes=2), count=len(shown), names=shown,
        posted_by="井口公示屏",
    )  # fmt: skip
    return len(down)


def load_demo(seed: int = 2025, today: dt.date | None = None) -> str:
    """Add the area's demo records to the demo county (idempotent): every producing, trial-run
    and stopped mine gets the picture of the shift in progress; the anomalies are planted in the
    first producing mine."""
    planted_mines = list(
        Mine.objects.filter(county__code=COUNTY_CODE, status=MineStatus.PRODUCING).order_by("code")[
            :MINES
        ]
    )
    if not planted_mines:
        return "人员定位：演示县没有生产矿井"
    others = (
        Mine.objects.filter(county__code=COUNTY_CODE, status__in=crews.PRODUCING + crews.STOPPED)
        .exclude(pk__in=[m.pk for m in planted_mines])
        .order_by("code")
    )
    mines = planted_mines + list(others)
    if Snapshot.objects.filter(mine__in=mines).exists():
        return f"人员定位：演示数据已存在（{len(mines)}座矿井）"
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(seed)
    with transaction.atomic():
        counts = [_load_mine(rng, mine, now, plant=(k == 0)) for k, mine in enumerate(mines)]
    shift = crews.SHIFT_NAMES[_shift(now).index]
    stopped = sum(m.status in crews.STOPPED for m in mines)
    planted = "一人多卡、超时、超员、三对应不符"
    return (
        f"人员定位：{len(mines)}座矿井当前{shift}井下 {sum(counts)} 人"
        f"（停产矿井 {stopped} 座仅值守人员；{planted}）"
    )
