"""REST API of the monitoring area, registered on the shared router by :mod:`minesafe.api_urls`.

Alarms and sensor points are read-only (only the engine writes them); the batch upload feeds one
networking file through the same path as the runner (parse → engine → sink), synchronously.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ScopedViewSet
from minesafe.core.scoping import can
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmLevel
from minesafe.monitoring.filters import AlarmFilterSet, SensorPointFilterSet
from minesafe.monitoring.models import UPLOAD, Alarm, SensorPoint
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
        ]
        read_only_fields = fields

    def get_color(self, alarm: Alarm) -> str:
        return LEVEL_COLORS.get(AlarmLevel(alarm.level), "grey")


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


class SensorPointViewSet(ScopedViewSet):
    """Measuring points as the mines declared them (CDDY / AQMC)."""

    queryset = SensorPoint.objects.all()
    serializer_class = SensorPointSerializer
    filterset_class = SensorPointFilterSet
    select = ("mine",)
    ordering_fields = ["code"]
    ordering = ["mine", "code"]
    search_fields = ["code", "location"]
    http_method_names = READ_ONLY_METHODS


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


urlpatterns: list[Any] = [path("monitoring/upload/", upload, name="api-monitoring-upload")]


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("alarms", AlarmViewSet, basename="alarm")
    router.register("sensor-points", SensorPointViewSet, basename="sensor-point")
