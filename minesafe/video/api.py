"""REST API of video coverage (MON-7), registered on the shared router by :mod:`minesafe.api_urls`.

Read: the channel register, AI findings and each mine's coverage. Write: a mine's video system
reports channel status in batches (``POST /api/video/heartbeats/``) and its AI posts findings
(``POST /api/video-findings/``), both with the API token of an account of that mine.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ModelRulesSerializer, ScopedViewSet, author_is_caller
from minesafe.core.scoping import ADD, VIEW, can
from minesafe.hazards.forms import validate_photo
from minesafe.registry.models import Mine
from minesafe.video import services
from minesafe.video.choices import ChannelStatus
from minesafe.video.filters import VideoChannelFilterSet, VideoFindingFilterSet
from minesafe.video.models import HEARTBEAT, VideoChannel, VideoFinding

READ_ONLY_METHODS = ["get", "head", "options"]


class VideoChannelSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    place_kind_display = serializers.CharField(source="get_place_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = VideoChannel
        fields = [
            "id",
            "mine",
            "mine_code",
            "code",
            "name",
            "place_kind",
            "place_kind_display",
            "working_face",
            "equipment",
            "status",
            "status_display",
            "status_since",
            "last_heartbeat",
            "retention_days",
        ]
        read_only_fields = fields


class VideoChannelViewSet(ScopedViewSet):
    """The video channel register of the mines in the caller's jurisdiction (MON-7)."""

    queryset = VideoChannel.objects.all()
    serializer_class = VideoChannelSerializer
    filterset_class = VideoChannelFilterSet
    select = ("mine",)
    ordering_fields = ["code", "last_heartbeat"]
    ordering = ["mine", "code"]
    search_fields = ["code", "name", "equipment"]
    http_method_names = READ_ONLY_METHODS


class ChannelOfOwnMine(serializers.PrimaryKeyRelatedField):
    """A channel the caller may post findings for (mine staff: their own mine's)."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return VideoChannel.objects.restrict(getattr(request, "user", None), ADD)


class VideoFindingSerializer(ModelRulesSerializer):
    channel = ChannelOfOwnMine(queryset=VideoChannel.objects.all())
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    snapshot = serializers.FileField(required=False, validators=[validate_photo], write_only=True)

    class Meta:
        model = VideoFinding
        fields = [
            "id",
            "mine",
            "mine_code",
            "channel",
            "at",
            "kind",
            "kind_display",
            "confidence",
            "snapshot",
            "state",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "violation",
        ]
        read_only_fields = [
            "mine",
            "state",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "violation",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        channel = attrs.get("channel")
        if channel is not None:
            attrs["mine"] = channel.mine
        return super().validate(attrs)


class VideoFindingViewSet(ScopedViewSet):
    """What the mines' video AI recognised; the mine's system posts new findings. Review happens
    on the findings page (a confirmed person's act becomes a 三违)."""

    queryset = VideoFinding.objects.all()
    serializer_class = VideoFindingSerializer
    filterset_class = VideoFindingFilterSet
    select = ("mine", "channel")
    ordering_fields = ["at", "confidence"]
    ordering = ["-at", "-id"]
    http_method_names = ["get", "post", "head", "options"]


HEARTBEAT_ROW = inline_serializer(
    "VideoHeartbeat",
    fields={
        "channel": serializers.CharField(help_text="通道编码"),
        "status": serializers.ChoiceField(choices=ChannelStatus.choices),
        "at": serializers.DateTimeField(),
        "mine": serializers.CharField(required=False, help_text="煤矿编码（管理员上报时需要）"),
    },
)
HEARTBEAT_RESULT = inline_serializer(
    "VideoHeartbeatResult",
    fields={
        "applied": serializers.IntegerField(),
        "ignored_older": serializers.IntegerField(),
        "status_changes": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.DictField()),
    },
)


@extend_schema(
    request=inline_serializer(
        "VideoHeartbeatBatch", fields={"heartbeats": serializers.ListField(child=HEARTBEAT_ROW)}
    ),
    responses={
        200: HEARTBEAT_RESULT,
        400: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="没有可用的行时为上报结果（含逐行错误）；请求体无效时为字段错误",
        ),
    },
)
@api_view(["POST"])
def heartbeats(request: Request) -> Response:
    """A batch of channel status reports from a mine's video system (MON-7).

    Body: ``{"heartbeats": [{"channel", "status", "at"}, …]}`` (a bare list also works). Bad rows
    are reported by index and skipped, good rows are kept; 400 only when nothing was usable.
    """
    author_is_caller(request)
    if not can(request.user, VideoChannel, HEARTBEAT):
        raise exceptions.PermissionDenied("只有煤矿用户（或其视频系统令牌）可以上报本矿通道状态")
    body = request.data
    rows = body.get("heartbeats") if isinstance(body, dict) else body
    if not isinstance(rows, list) or not rows:
        raise exceptions.ValidationError({"heartbeats": ["须为非空数组"]})
    if len(rows) > services.MAX_BATCH:
        raise exceptions.ValidationError({"heartbeats": [f"每批最多 {services.MAX_BATCH} 条"]})
    result = services.ingest_heartbeats(request.user, rows, timezone.now())
    usable = result.applied + result.ignored_older
    code = status.HTTP_400_BAD_REQUEST if not usable else status.HTTP_200_OK
    return Response(result.as_dict(), status=code)


COVERAGE_ROW = inline_serializer(
    "VideoCoverage",
    fields={
        "mine": serializers.IntegerField(),
        "mine_code": serializers.CharField(),
        "mine_name": serializers.CharField(),
        "required": serializers.IntegerField(),
        "covered": serializers.IntegerField(),
        "percent": serializers.FloatField(allow_null=True),
        "gaps": serializers.ListField(child=serializers.DictField()),
        "work_without_video": serializers.ListField(child=serializers.DictField()),
        "short_retention": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
)


def _place(p: Any) -> dict[str, Any]:
    return {
        "kind": p.place.kind,
        "name": p.place.name,
        "working_face": p.place.face_id,
        "reason": p.reason,
        "reason_display": p.reason_label,
        "channels": list(p.channels),
    }


@extend_schema(
    parameters=[OpenApiParameter("mine", int, description="只看一座煤矿（id）")],
    responses={200: COVERAGE_ROW},
)
@api_view(["GET"])
def coverage(request: Request) -> Response:
    """Coverage of each mine in jurisdiction now: required places, covered, gaps, work without
    video (MON-7, 002:15)."""
    mines = Mine.objects.restrict(request.user, VIEW).order_by("code")
    mine = request.query_params.get("mine", "")
    if mine:
        if not (mine.isascii() and mine.isdigit() and len(mine) < 12):
            raise exceptions.ValidationError({"mine": ["须为整数"]})
        mines = mines.filter(pk=int(mine))
    rows = services.coverage_of(mines[:5000], timezone.now())
    return Response(
        [
            {
                "mine": r.mine.pk,
                "mine_code": r.mine.code,
                "mine_name": r.mine.name,
                "required": r.assessment.required,
                "covered": r.assessment.covered,
                "percent": r.assessment.percent,
                "gaps": [_place(p) for p in r.assessment.gaps],
                "work_without_video": [_place(p) for p in r.assessment.work_without_video],
                "short_retention": list(r.assessment.short_retention),
            }
            for r in rows
        ]
    )


urlpatterns: list[Any] = [
    path("video/heartbeats/", heartbeats, name="api-video-heartbeats"),
    path("video/coverage/", coverage, name="api-video-coverage"),
]


def register(router: Any) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("video-channels", VideoChannelViewSet, basename="video-channel")
    router.register("video-findings", VideoFindingViewSet, basename="video-finding")
