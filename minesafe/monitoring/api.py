"""REST API of the monitoring area, registered on the shared router by :mod:`minesafe.api_urls`.

Alarms and sensor points are read-only (only the engine writes them); the batch upload feeds one
networking file through the same path as the runner (parse → engine → sink), synchronously. A
point's history and the alarm statistics answer the same as their pages (issue 6 §4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.decorators import action, api_view, parser_classes
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ScopedViewSet, author_is_caller
from minesafe.core.scoping import VIEW, can
from minesafe.localtime import local_date
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmKind, AlarmLevel
from minesafe.monitoring.filters import (
    AlarmFilterSet,
    LateReadingFilterSet,
    SensorPointFilterSet,
)
from minesafe.monitoring.history import HistoryParamError, parse_window, point_history
from minesafe.monitoring.live import live_settings
from minesafe.monitoring.models import UPLOAD, Alarm, LateReading, SensorPoint
from minesafe.monitoring.statistics import alarm_statistics
from minesafe.monitoring.upload import MAX_BYTES, UploadRefused, file_mine_code, process_upload

READ_ONLY_METHODS = ["get", "head", "options"]


class AlarmSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    color = serializers.SerializerMethodField()
    duration_s = serializers.FloatField(read_only=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "mine",
            "mine_code",
            "point_code",
            "kind",
            "kind_display",
            "level",
            "level_display",
            "color",
            "opened_at",
            "closed_at",
            "duration_s",
            "peak",
            "last_value",
            "details",
            "key",
            "late",
            "arrived_at",
        ]
        read_only_fields = fields

    def get_color(self, alarm: Alarm) -> str:
        return LEVEL_COLORS.get(AlarmLevel(alarm.level), "grey")


class LateReadingSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)

    class Meta:
        model = LateReading
        fields = [
            "id",
            "mine",
            "mine_code",
            "point_code",
            "read_at",
            "value",
            "status",
            "arrived_at",
            "worker",
        ]
        read_only_fields = fields


class SensorPointSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)

    class Meta:
        model = SensorPoint
        fields = [
            "id",
            "mine",
            "mine_code",
            "code",
            "sensor_type",
            "value_type",
            "unit",
            "location",
            "range_low",
            "range_high",
            "alarm_high",
            "restore_high",
            "alarm_low",
            "restore_low",
            "power_off_high",
            "power_on_high",
            "defined_at",
        ]
        read_only_fields = fields


class AlarmViewSet(ScopedViewSet):
    """Alarms of the mines in the caller's jurisdiction, newest first (MON-2..MON-5)."""

    queryset = Alarm.objects.all()
    serializer_class = AlarmSerializer
    filterset_class = AlarmFilterSet
    select = ("mine",)
    ordering_fields = ["opened_at", "closed_at", "level", "peak"]
    ordering = ["-opened_at", "-id"]
    search_fields = ["point_code"]
    http_method_names = READ_ONLY_METHODS


class LateReadingViewSet(ScopedViewSet):
    """Readings that arrived after their point's stored history had passed their time, kept
    apart and never merged into it; ``count`` with ``?mine=`` is the mine's late-arrival count,
    a data-quality signal."""

    queryset = LateReading.objects.all()
    serializer_class = LateReadingSerializer
    filterset_class = LateReadingFilterSet
    select = ("mine",)
    ordering_fields = ["arrived_at", "read_at"]
    ordering = ["-arrived_at", "-id"]
    search_fields = ["point_code"]
    http_method_names = READ_ONLY_METHODS


HISTORY_PARAMETERS = [
    OpenApiParameter(
        "range",
        str,
        enum=["raw", "day", "week", "month", "year"],
        description="时间范围，默认 day；raw 为归档原始读数",
    ),
    OpenApiParameter(
        "start", str, description="起始时间 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM（本地时间）"
    ),
]


class SensorPointViewSet(ScopedViewSet):
    """Measuring points as the mines declared them (CDDY / AQMC), and each point's history."""

    queryset = SensorPoint.objects.all()
    serializer_class = SensorPointSerializer
    filterset_class = SensorPointFilterSet
    select = ("mine",)
    ordering_fields = ["code"]
    ordering = ["mine", "code"]
    search_fields = ["code", "location"]
    http_method_names = READ_ONLY_METHODS

    @extend_schema(
        parameters=HISTORY_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """max / avg / min of the point over a day (1-minute), week (5-minute), month (hourly)
        or year (daily) from the stored statistics, or its raw readings of the last hours from
        the archive (issue 6 §4); bad parameters answer 400."""
        point = self.get_object()
        try:
            window = parse_window(
                request.query_params.get("range"),
                request.query_params.get("start"),
                timezone.now(),
                live_settings(local_date()),
            )
        except HistoryParamError as error:
            raise exceptions.ValidationError({error.field: [error.message]}) from error
        return Response(point_history(point, window))


STATISTICS_PARAMETERS = [
    OpenApiParameter("mine", int, description="煤矿 id"),
    OpenApiParameter("kind", str, many=True, enum=list(AlarmKind.values)),
    OpenApiParameter("level", int, many=True, enum=[int(v) for v in AlarmLevel.values]),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="开始日期从（默认一年前）"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="至"),
]


@extend_schema(
    parameters=STATISTICS_PARAMETERS,
    responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def alarm_statistics_view(request: Request) -> Response:
    """Alarm counts by kind, mine and month and the high-frequency points, over the caller's
    jurisdiction (issue 6 §4); the same figures as the statistics page."""
    settings = live_settings(local_date())
    data = request.query_params.copy()
    if not data.get("date_from") and not data.get("date_to"):
        start = local_date() - dt.timedelta(days=settings.default_statistics_days)
        data["date_from"] = start.isoformat()
    alarms = Alarm.objects.restrict(request.user, VIEW)
    filterset = AlarmFilterSet(data, queryset=alarms, request=request)
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    body = alarm_statistics(filterset.qs, timezone.now(), settings.top_points)
    body["date_from"] = data.get("date_from") or None
    body["date_to"] = data.get("date_to") or None
    return Response(body)


class RawFileParser(parsers.BaseParser):
    """A networking file posted as the request body (``?name=`` gives its file name)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return stream.read(MAX_BYTES + 1) if stream is not None else b""


def _uploaded(request: Request) -> tuple[str, bytes]:
    """(file name, bytes) from a multipart ``file`` or a raw body with ``?name=``."""
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is not None:
        if upload.size > MAX_BYTES:
            raise exceptions.ValidationError({"file": [f"文件超过 {MAX_BYTES} 字节"]})
        return upload.name, upload.read()
    data = request.data if isinstance(request.data, bytes) else b""
    name = request.query_params.get("name") or request.headers.get("X-File-Name", "")
    if not name:
        raise exceptions.ValidationError(
            {"name": ["请以 ?name= 给出文件名，或以 multipart 的 file 字段上传"]}
        )
    if not data:
        raise exceptions.ValidationError({"file": ["文件内容为空"]})
    if len(data) > MAX_BYTES:
        raise exceptions.ValidationError({"file": [f"文件超过 {MAX_BYTES} 字节"]})
    return name, data


@extend_schema(request=OpenApiTypes.BINARY, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
@parser_classes([parsers.MultiPartParser, RawFileParser])
def upload(request: Request) -> Response:
    """Batch upload of one family-A/B file by mine staff, for their own mine (issue 3 §3)."""
    author_is_caller(request)
    user = request.user
    if not can(user, Alarm, UPLOAD):
        raise exceptions.PermissionDenied("只有煤矿用户可以上传本矿的联网数据")
    name, data = _uploaded(request)
    try:
        mine_code = file_mine_code(name, data)
        mine = getattr(user, "mine", None)
        if not user.is_superuser and (mine is None or mine.code != mine_code):
            raise exceptions.PermissionDenied("只能上传本矿的数据")
        result = process_upload(name, data, mine_code, timezone.now())
    except UploadRefused as refused:
        body = {refused.field: [refused.message], "quarantined": refused.quarantined}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return Response(result.as_dict())


urlpatterns: list[Any] = [
    path("monitoring/upload/", upload, name="api-monitoring-upload"),
    path("alarm-statistics/", alarm_statistics_view, name="api-alarm-statistics"),
]


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("alarms", AlarmViewSet, basename="alarm")
    router.register("sensor-points", SensorPointViewSet, basename="sensor-point")
    router.register("late-readings", LateReadingViewSet, basename="late-reading")
