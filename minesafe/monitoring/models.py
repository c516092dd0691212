"""What the monitoring engine leaves in the database (issue 3 §4, MON-1..MON-5).

Only the engine writes these rows (through :mod:`minesafe.monitoring.sink`, as the system): no
role may add or change them from a page or the API, everyone sees those of the mines in their
jurisdiction. The sink writes in bulk, which bypasses the per-object audit trail on purpose: an
alarm's history is its own row (opened, updated, closed), and a checkpoint is machine state.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, GOVERNMENT_ROLES, MINE_ROLES
from minesafe.core.models import BaseModel
from minesafe.core.scoping import VIEW, Access, RestrictedQuerySet
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmKind, AlarmLevel, StatPeriod, ValueType

#: Action of the HTTP batch upload: mine staff only, for their own mine (issue 3 §3).
UPLOAD = "upload"

READ_ONLY = Access(mine_field="mine", roles={VIEW: ALL_ROLES})


class SensorPoint(BaseModel):
    """A monitored point as the mine defines it (CDDY record / AQMC row, MON-1).

    Thresholds are the mine's own configuration; the engine compares them with the regulation's
    table (``threshold_looser_than_regulation``).
    """

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="sensor_points", verbose_name="煤矿"
    )
    code = models.CharField("测点编码", max_length=40)
    sensor_type = models.CharField("传感器类型", max_length=20, blank=True)
    value_type = models.CharField(
        "数值类型", max_length=2, choices=ValueType.choices, default=ValueType.ANALOGUE, blank=True
    )
    unit = models.CharField("单位", max_length=20, blank=True)
    location = models.CharField("安装位置", max_length=200, blank=True)
    range_low = models.FloatField("低量程", null=True, blank=True)
    range_high = models.FloatField("高量程", null=True, blank=True)
    alarm_high = models.FloatField("上限报警门限", null=True, blank=True)
    restore_high = models.FloatField("上限解报门限", null=True, blank=True)
    alarm_low = models.FloatField("下限报警门限", null=True, blank=True)
    restore_low = models.FloatField("下限解报门限", null=True, blank=True)
    power_off_high = models.FloatField("上限断电门限", null=True, blank=True)
    power_on_high = models.FloatField("上限复电门限", null=True, blank=True)
    defined_at = models.DateTimeField("定义时间", null=True, blank=True)

    access: ClassVar[Access] = READ_ONLY

    class Meta:
        ordering = ["mine", "code"]
        constraints = [
            models.UniqueConstraint(fields=["mine", "code"], name="sensorpoint_mine_code_uniq")
        ]
        verbose_name = "测点"
        verbose_name_plural = "测点"

    def __str__(self) -> str:
        return f"{self.code} {self.location}".strip()


class Alarm(BaseModel):
    """One alarm episode of one kind at one subject, as the engine reported it (MON-2..MON-5).

    ``point_code`` is the event's subject (a point, an area, a card; "" for the whole mine).
    ``key`` is ``AlarmEvent.key``: the sink upserts on it, so replays never duplicate.
    A ``late`` alarm is one that readings arriving after their time was already stored would
    have raised: shown with both the reading time (``opened_at``) and ``arrived_at``; its key
    starts with ``late|`` so it never merges into a live episode.
    """

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="alarms", verbose_name="煤矿"
    )
    point_code = models.CharField("对象编码", max_length=64, blank=True)
    kind = models.CharField("报警类型", max_length=40, choices=AlarmKind.choices)
    level = models.PositiveSmallIntegerField("报警等级", choices=AlarmLevel.choices)
    opened_at = models.DateTimeField("开始时间")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    peak = models.FloatField("峰值", null=True, blank=True)
    last_value = models.FloatField("最新值", null=True, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    key = models.CharField("事件标识", max_length=200, unique=True)
    late = models.BooleanField("迟到数据报警", default=False)
    arrived_at = models.DateTimeField("数据到达时间", null=True, blank=True)

    access: ClassVar[Access] = Access(
        mine_field="mine", roles={VIEW: ALL_ROLES, UPLOAD: frozenset(MINE_ROLES)}
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["mine", "-opened_at"], name="alarm_mine_opened_idx"),
            models.Index(fields=["kind", "level"], name="alarm_kind_level_idx"),
            models.Index(fields=["closed_at"], name="alarm_closed_idx"),
        ]
        verbose_name = "报警"
        verbose_name_plural = "报警"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.point_code}".strip()

    def get_absolute_url(self) -> str:
        return reverse("monitoring:alarm_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def color(self) -> str:
        return LEVEL_COLORS.get(AlarmLevel(self.level), "grey")

    @property
    def duration_s(self) -> float | None:
        if self.closed_at is None:
            return None
        return (self.closed_at - self.opened_at).total_seconds()


class ReadingStat(BaseModel):
    """Max / min / average of one point over one 1-minute or 5-minute bucket (issue 3 §4)."""

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="reading_stats", verbose_name="煤矿"
    )
    point_code = models.CharField("测点编码", max_length=40)
    period = models.PositiveIntegerField("周期(秒)", choices=StatPeriod.choices)
    bucket = models.DateTimeField("时段开始")
    max = models.FloatField("最大值")
    min = models.FloatField("最小值")
    avg = models.FloatField("平均值")
    count = models.PositiveIntegerField("样本数")
    # The newest reading time in the bucket: the point's stored watermark (late readings).
    last_at = models.DateTimeField("最新读数时间", null=True, blank=True)

    access: ClassVar[Access] = READ_ONLY

    class Meta:
        ordering = ["mine", "point_code", "period", "bucket"]
        constraints = [
            models.UniqueConstraint(
                fields=["mine", "point_code", "period", "bucket"], name="readingstat_bucket_uniq"
            )
        ]
        verbose_name = "测点统计"
        verbose_name_plural = "测点统计"

    def __str__(self) -> str:
        return f"{self.point_code} {self.bucket:%Y-%m-%d %H:%M}"


class LateReading(BaseModel):
    """A reading that arrived after its point's stored history had passed its time.

    Kept as it came, marked with its arrival, and never merged into the stored statistics or
    the archive: stored monitoring data is not changed afterwards (AQ 6201 4.6.6). How many a
    mine sends is itself a data-quality signal, shown on its real-time page.
    """

    mine = models.ForeignKey(
        "registry.Mine", on_delete=models.CASCADE, related_name="late_readings", verbose_name="煤矿"
    )
    point_code = models.CharField("测点编码", max_length=40)
    read_at = models.DateTimeField("读数时间")
    value = models.FloatField("监测值")
    status = models.BigIntegerField("状态")
    arrived_at = models.DateTimeField("到达时间")
    worker = models.CharField("接收进程", max_length=100)

    access: ClassVar[Access] = READ_ONLY

    class Meta:
        ordering = ["-arrived_at", "mine", "point_code", "read_at"]
        indexes = [models.Index(fields=["mine", "-arrived_at"], name="latereading_mine_arr_idx")]
        verbose_name = "迟到数据"
        verbose_name_plural = "迟到数据"

    def __str__(self) -> str:
        return f"{self.point_code} {self.read_at:%Y-%m-%d %H:%M:%S}"


class EngineCheckpoint(BaseModel):
    """The persisted state of one runner: engine snapshot plus how far each source got.

    Written in the same transaction as the alarms and statistics it covers, so a restart resumes
    exactly where the last commit left off (issue 3 §4). A partitioned runner has one row per
    partition (``worker`` = ``<group>-p07``): the state travels with the partition. ``epoch``
    is its fencing token: a worker taking the partition increments it, and every later write
    of the previous owner is refused because it is conditional on the epoch it started with
    (issue 6 §7).
    """

    worker = models.CharField("工作进程", max_length=100, unique=True)
    snapshot = models.BinaryField("引擎快照", default=bytes)
    processed_files = models.JSONField("已处理文件", default=list)
    nats_sequence = models.BigIntegerField("NATS流序号", default=0)
    open_stats = models.BinaryField("未结束统计时段", default=bytes)
    counters = models.JSONField("计数", default=dict)
    saved_at = models.DateTimeField("保存时间")
    epoch = models.BigIntegerField("所有权代次", default=0)
    owner = models.CharField("当前工作进程", max_length=100, blank=True, default="")

    access: ClassVar[Access] = Access(mine_field=None, roles={})
    audit_exclude = BaseModel.audit_exclude | {
        "snapshot",
        "open_stats",
        "processed_files",
        "counters",
    }

    class Meta:
        verbose_name = "引擎检查点"
        verbose_name_plural = "引擎检查点"

    def __str__(self) -> str:
        return self.worker


class ArchiveFile(models.Model):
    """The digest of one Parquet part of the raw-readings archive, written in the checkpoint's
    transaction and sealed into the mine's evidence chain: ``minesafe verify`` re-hashes the
    file on disk (AQ 6201 4.6.6: stored data must not be changed)."""

    # No database constraint: the archive of a mine outlives the mine row.
    mine = models.ForeignKey(
        "registry.Mine",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    path = models.CharField("文件", max_length=255, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.BigIntegerField("字节数")
    written_at = models.DateTimeField("写入时间", db_index=True)

    objects = RestrictedQuerySet.as_manager()
    access: ClassVar[Access] = Access(mine_field="mine", roles={VIEW: GOVERNMENT_ROLES})

    class Meta:
        verbose_name = "归档文件"
        verbose_name_plural = "归档文件"

    def __str__(self) -> str:
        return self.path
