"""Video coverage of working places and key equipment: no video, no work (MON-7, 002:15).

A mine registers its video channels (:class:`VideoChannel`), its video system reports their
status by heartbeat (each change of status is a :class:`ChannelStatusChange` row, STYLE 7), and
its video AI reports what it recognised (:class:`VideoFinding`), which a reviewer confirms into a
三违 record or rejects. Coverage itself is computed, never stored: see :mod:`minesafe.video.rules`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from minesafe.accounts.choices import ALL_ROLES, MINE_ROLES, REGULATOR_ROLES
from minesafe.core.models import BaseModel
from minesafe.core.scoping import ADD, CHANGE, DELETE, VIEW, Access, roles
from minesafe.video.choices import (
    FACE_KINDS,
    FINDING_COLORS,
    STATUS_COLORS,
    ChannelStatus,
    FindingKind,
    FindingState,
    PlaceKind,
)

#: Custom actions checked through ``Access``.
IMPORT = "import"  # import the channel register from Excel / CSV
HEARTBEAT = "heartbeat"  # report channel status (the mine's video system, by token)
REVIEW = "review"  # confirm or reject an AI finding

#: Which face kind a face place kind watches (``WorkingFace.kind`` values).
FACE_KIND_OF = {PlaceKind.LONGWALL_FACE: "longwall", PlaceKind.HEADING_FACE: "development"}


def snapshot_path(instance: VideoFinding, filename: str) -> str:
    return f"video/{instance.mine_id}/{instance.channel_id}/{filename}"


class VideoChannel(BaseModel):
    """One camera channel of a mine's video system and the place it watches (MON-7).

    A channel on a working face names the face (so an active face's coverage can be judged); a
    channel on a key place or piece of equipment names the equipment (``1号主要通风机``) so two
    fans are two places. ``status`` and ``last_heartbeat`` come from the mine's video system.
    """

    mine = models.ForeignKey(
        "registry.Mine",
        on_delete=models.CASCADE,
        related_name="video_channels",
        verbose_name="煤矿",
    )
    code = models.CharField("通道编码", max_length=40)
    name = models.CharField("通道名称", max_length=100)
    place_kind = models.CharField("监控场所类型", max_length=30, choices=PlaceKind.choices)
    working_face = models.ForeignKey(
        "registry.WorkingFace",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="video_channels",
        verbose_name="工作面",
    )
    equipment = models.CharField("设备/场所名称", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ChannelStatus.choices, default=ChannelStatus.OFFLINE
    )
    last_heartbeat = models.DateTimeField("最近心跳", null=True, blank=True)
    status_since = models.DateTimeField("状态起始", null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        "录像保存天数", validators=[MaxValueValidator(3650, "录像保存天数不能超过3650天")]
    )

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={
            VIEW: ALL_ROLES,
            ADD: MINE_ROLES,
            CHANGE: MINE_ROLES,
            DELETE: MINE_ROLES,
            IMPORT: MINE_ROLES,
            HEARTBEAT: MINE_ROLES,
        },
    )

    class Meta:
        ordering = ["mine", "place_kind", "code"]
        verbose_name = "视频通道"
        verbose_name_plural = "视频通道"
        constraints = [
            models.UniqueConstraint(fields=["mine", "code"], name="video_channel_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("video:coverage_detail", args=[self.mine_id])

    @property
    def status_color(self) -> str:
        return STATUS_COLORS.get(ChannelStatus(self.status), "grey")

    @property
    def place_name(self) -> str:
        if self.working_face_id is not None and self.working_face is not None:
            return self.working_face.name
        return self.equipment or self.get_place_kind_display()

    def clean(self) -> None:
        """A face channel names a face of its own mine and of the right kind; others do not."""
        errors: dict[str, str] = {}
        if self.place_kind in FACE_KINDS:
            face = self.working_face
            if face is None:
                errors["working_face"] = "采掘工作面的通道须选择所监控的工作面"
            elif self.mine_id is not None and face.mine_id != self.mine_id:
                errors["working_face"] = "工作面不属于本矿"
            elif face.kind != FACE_KIND_OF[PlaceKind(self.place_kind)]:
                errors["working_face"] = f"所选工作面不是{self.get_place_kind_display()}"
        elif self.working_face_id is not None:
            errors["working_face"] = "只有采掘工作面的通道才关联工作面"
        if errors:
            raise ValidationError(errors)


class ChannelStatusChange(BaseModel):
    """A change of a channel's status (old → new, when, reported how), for "offline since" and
    the history of a channel (STYLE 7)."""

    channel = models.ForeignKey(
        VideoChannel, on_delete=models.CASCADE, related_name="changes", verbose_name="视频通道"
    )
    old_status = models.CharField("原状态", max_length=10, choices=ChannelStatus.choices)
    new_status = models.CharField("新状态", max_length=10, choices=ChannelStatus.choices)
    at = models.DateTimeField("时间")
    via = models.CharField("来源", max_length=20)

    access: ClassVar[Access] = Access(mine_field="channel__mine", roles={VIEW: ALL_ROLES})

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["channel", "-at"], name="video_change_channel_at")]
        verbose_name = "通道状态变化"
        verbose_name_plural = "通道状态变化"

    def __str__(self) -> str:
        return f"{self.channel.code} {self.old_status}→{self.new_status}"


class VideoFinding(BaseModel):
    """What a mine's video AI recognised on a channel (000:29 运用视频监控、智能分析…处置"三违"):
    a reviewer confirms it, which for a person's act records a 三违 (``violation``, whose origin
    is this finding), or rejects it as a false alarm; both with a note, audited."""

    mine = models.ForeignKey(
        "registry.Mine",
        on_delete=models.CASCADE,
        related_name="video_findings",
        verbose_name="煤矿",
    )
    channel = models.ForeignKey(
        VideoChannel, on_delete=models.CASCADE, related_name="findings", verbose_name="视频通道"
    )
    at = models.DateTimeField("识别时间")
    kind = models.CharField("识别类型", max_length=20, choices=FindingKind.choices)
    confidence = models.DecimalField(
        "置信度",
        max_digits=4,
        decimal_places=3,
        validators=[
            MinValueValidator(Decimal("0"), "置信度须在0到1之间"),
            MaxValueValidator(Decimal("1"), "置信度须在0到1之间"),
        ],
    )
    snapshot = models.FileField("抓拍图片", upload_to=snapshot_path, blank=True)
    state = models.CharField(
        "审核状态",
        max_length=10,
        choices=FindingState.choices,
        default=FindingState.PENDING,
        db_index=True,
    )
    reviewed_by = models.CharField("审核人", max_length=150, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    violation = models.ForeignKey(
        "violations.Violation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="三违记录",
    )

    access: ClassVar[Access] = Access(
        mine_field="mine",
        roles={
            VIEW: ALL_ROLES,
            ADD: MINE_ROLES,
            REVIEW: roles(MINE_ROLES, REGULATOR_ROLES),
            CHANGE: roles(MINE_ROLES, REGULATOR_ROLES),
        },
    )
    audit_exclude = BaseModel.audit_exclude | {"snapshot"}  # a file, not JSON

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["mine", "state", "-at"], name="video_finding_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="video_finding_confidence_range",
            )
        ]
        verbose_name = "视频AI识别"
        verbose_name_plural = "视频AI识别"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.channel.code}"

    def get_absolute_url(self) -> str:
        return reverse("video:finding_detail", args=[self.pk])

    @property
    def state_color(self) -> str:
        return FINDING_COLORS.get(FindingState(self.state), "grey")
