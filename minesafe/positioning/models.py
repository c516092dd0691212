"""Personnel positioning in the database: who is underground, where, against the approved
headcount (MON-5, PER-7, issue 6 §5).

Volume decides the shape (national scale: 4,000 mines × a few hundred cards × one RYSS per
30–60 s). Nothing is stored per card per snapshot:

- :class:`Snapshot` is one row per RYSS (counts only), thinned with age;
- :class:`Presence` is the *current* state of each card of a mine, changed only when the card's
  state changes;
- :class:`TrackPoint` is the trajectory: a row only on entry, exit, and a change of area or
  station.

The rows the pipeline writes (areas, card holders, stations, snapshots, presences, track
points) are written with bulk operations (no per-row audit: they are the mine system's
data, not a person's edit). Descent records and wellhead displays are people's entries and are
audited like every other edit.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, MINE_ROLES
from minesafe.core.models import BaseModel
from minesafe.core.scoping import ADD, CHANGE, VIEW, Access
from minesafe.positioning.choices import DescentSource, TrackKind

#: Data of the mine's positioning system: everyone in jurisdiction reads it, nobody edits it.
SYSTEM_DATA = Access(mine_field="mine", roles={VIEW: ALL_ROLES})
#: Entries of the mine's own staff (the descent register, the wellhead display).
MINE_ENTRIES = Access(
    mine_field="mine", roles={VIEW: ALL_ROLES, ADD: MINE_ROLES, CHANGE: MINE_ROLES}
)


class PositioningArea(BaseModel):
    """A positioning area of a mine as its system declares it (RYQY), with its approved headcount
    (核定人数, PER-7). ``working_face`` maps a key area to a registry face (see docs)."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="positioning_areas",
        verbose_name="煤矿",
    )  # fmt: skip
    code = models.CharField("区域编码", max_length=32)
    area_type = models.CharField("区域类型", max_length=20, blank=True)
    name = models.CharField("区域名称", max_length=100)
    approved_headcount = models.PositiveIntegerField("核定人数", default=0)
    working_face = models.ForeignKey(
        "registry.WorkingFace", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="positioning_areas", verbose_name="对应工作面",
    )  # fmt: skip

    access: ClassVar[Access] = SYSTEM_DATA

    class Meta:
        ordering = ["mine", "code"]
        verbose_name = "定位区域"
        verbose_name_plural = "定位区域"
        constraints = [models.UniqueConstraint(fields=["mine", "code"], name="posarea_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CardHolder(BaseModel):
    """A person with a positioning card (RYXX): name, identity, job, leader / special flags."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="card_holders", verbose_name="煤矿"
    )
    card = models.CharField("定位卡号", max_length=32)
    name = models.CharField("姓名", max_length=50)
    identity = models.CharField("身份标识", max_length=64, blank=True)
    job = models.CharField("工种", max_length=50, blank=True)
    is_leader = models.BooleanField("矿领导", default=False)
    is_special = models.BooleanField("特种作业人员", default=False)

    access: ClassVar[Access] = SYSTEM_DATA

    class Meta:
        ordering = ["mine", "card"]
        verbose_name = "持卡人员"
        verbose_name_plural = "持卡人员"
        constraints = [models.UniqueConstraint(fields=["mine", "card"], name="cardholder_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.card}）"


class BaseStation(BaseModel):
    """A reader (基站, RYJZ) of a mine with its coordinates when declared."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="base_stations", verbose_name="煤矿"
    )
    code = models.CharField("基站编码", max_length=32)
    x = models.FloatField("X坐标", null=True, blank=True)
    y = models.FloatField("Y坐标", null=True, blank=True)

    access: ClassVar[Access] = SYSTEM_DATA

    class Meta:
        ordering = ["mine", "code"]
        verbose_name = "基站"
        verbose_name_plural = "基站"
        constraints = [models.UniqueConstraint(fields=["mine", "code"], name="station_unique")]

    def __str__(self) -> str:
        return str(self.code)


class Snapshot(BaseModel):
    """One RYSS of one mine: when, how many underground, how many per area and leaders.

    One row per file, thinned with age (``positioning_rules.yaml``); the people themselves are in
    :class:`Presence` (now) and :class:`TrackPoint` (history)."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="positioning_snapshots",
        verbose_name="煤矿",
    )  # fmt: skip
    at = models.DateTimeField("数据时间")
    underground = models.PositiveIntegerField("井下人数")
    leaders = models.PositiveIntegerField("井下矿领导", default=0)
    per_area = models.JSONField("各区域人数", default=dict)
    cards = models.PositiveIntegerField("快照卡数", default=0)

    access: ClassVar[Access] = SYSTEM_DATA

    class Meta:
        ordering = ["mine", "-at"]
        verbose_name = "人员实时快照"
        verbose_name_plural = "人员实时快照"
        constraints = [models.UniqueConstraint(fields=["mine", "at"], name="snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.mine_id} {self.at:%Y-%m-%d %H:%M:%S} {self.underground}人"


class Presence(BaseModel):
    """The current state of one card of one mine per its newest snapshot (RYSS fields)."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="presences", verbose_name="煤矿"
    )
    card = models.CharField("定位卡号", max_length=32)
    name = models.CharField("姓名", max_length=50)
    underground = models.BooleanField("在井下", default=False)
    entered_at = models.DateTimeField("入井时刻", null=True, blank=True)
    exited_at = models.DateTimeField("出井时刻", null=True, blank=True)
    area_code = models.CharField("区域编码", max_length=32, blank=True)
    area_at = models.DateTimeField("进入区域时刻", null=True, blank=True)
    station_code = models.CharField("基站编码", max_length=32, blank=True)
    station_at = models.DateTimeField("进入基站时刻", null=True, blank=True)
    shift_mode = models.CharField("劳动组织方式", max_length=20, blank=True)
    is_leader = models.BooleanField("矿领导", default=False)
    seen_at = models.DateTimeField("状态变化快照时间")

    access: ClassVar[Access] = SYSTEM_DATA

    class Meta:
        ordering = ["mine", "card"]
        verbose_name = "人员当前状态"
        verbose_name_plural = "人员当前状态"
        constraints = [models.UniqueConstraint(fields=["mine", "card"], name="presence_unique")]
        indexes = [models.Index(fields=["mine", "underground"], name="presence_down_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.card}）"


class TrackPoint(BaseModel):
    """The trajectory of a card: a row on entry, on exit, and when its area or station changes.

    ``at`` is when the system says it happened (entry / station time), ``seen_at`` the snapshot
    that first showed it; the state of a card at a snapshot is its last point seen by then."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="track_points", verbose_name="煤矿"
    )
    card = models.CharField("定位卡号", max_length=32)
    kind = models.CharField("类型", max_length=10, choices=TrackKind.choices)
    at = models.DateTimeField("时刻")
    seen_at = models.DateTimeField("快照时间")
    area_code = models.CharField("区域编码", max_length=32, blank=True)
    station_code = models.CharField("基站编码", max_length=32, blank=True)
    entered_at = models.DateTimeField("入井时刻", null=True, blank=True)

    access: ClassVar[Access] = SYSTEM_DATA

    class Meta:
        ordering = ["mine", "card", "seen_at", "pk"]
        verbose_name = "轨迹点"
        verbose_name_plural = "轨迹点"
        indexes = [
            models.Index(fields=["mine", "card", "seen_at"], name="track_card_idx"),
            models.Index(fields=["mine", "seen_at"], name="track_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.card} {self.get_kind_display()} {self.at:%H:%M:%S}"


class DescentRecord(BaseModel):
    """One line of the descent register (入井人员记录, 三对应 source 1): who went down when,
    and came up when, as the lamp room / attendance register says."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="descent_records",
        verbose_name="煤矿",
    )  # fmt: skip
    name = models.CharField("姓名", max_length=50)
    card = models.CharField("定位卡号", max_length=32, blank=True)
    went_down_at = models.DateTimeField("入井时间")
    came_up_at = models.DateTimeField("出井时间", null=True, blank=True)
    source = models.CharField(
        "来源", max_length=10, choices=DescentSource.choices, default=DescentSource.MANUAL
    )
    entered_by = models.CharField("登记人", max_length=150, blank=True)

    access: ClassVar[Access] = MINE_ENTRIES

    class Meta:
        ordering = ["mine", "-went_down_at", "name"]
        verbose_name = "入井人员记录"
        verbose_name_plural = "入井人员记录"
        indexes = [models.Index(fields=["mine", "went_down_at"], name="descent_time_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.went_down_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return str(reverse("positioning:detail", args=[self.mine_id]))


class WellheadDisplay(BaseModel):
    """What the wellhead display (井口公示, 三对应 source 2) showed at a time: a count and, when
    given, the names."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="wellhead_displays",
        verbose_name="煤矿",
    )  # fmt: skip
    at = models.DateTimeField("公示时间")
    count = models.PositiveIntegerField("公示井下人数")
    names = models.JSONField("公示人员", default=list, blank=True)
    posted_by = models.CharField("上报人", max_length=150, blank=True)

    access: ClassVar[Access] = MINE_ENTRIES

    class Meta:
        ordering = ["mine", "-at"]
        verbose_name = "井口公示"
        verbose_name_plural = "井口公示"
        indexes = [models.Index(fields=["mine", "at"], name="wellhead_time_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.count}人"

    def get_absolute_url(self) -> str:
        return str(reverse("positioning:detail", args=[self.mine_id]))
