"""REST API of the monitoring area, registered on the shared router by :mod:`minesafe.api_urls`.

Alarms and sensor points are read-only (only the engine writes them); the batch upload feeds one
networking file through the same path as the runner (parse → engine → sink), synchronously.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from minesafe.core.api import ScopedViewSet
from minesafe.monitoring.choices import LEVEL_COLORS, AlarmLevel
from minesafe.monitoring.filters import AlarmFilterSet, SensorPointFilterSet
from minesafe.monitoring.models import Alarm, SensorPoint

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


urlpatterns: list[Any] = []


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("alarms", AlarmViewSet, basename="alarm")
    router.register("sensor-points", SensorPointViewSet, basename="sensor-point")
