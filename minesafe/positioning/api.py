"""REST API of the positioning area (issue 6 §5; MON-5, PER-7), registered on the shared router
by :mod:`minesafe.api_urls`.

Read: people underground now per mine (``/api/positioning/mines/``, ``…/{id}/`` with the
people, ``…/{id}/correspondence/``), areas, card holders' current state and a card's
trajectory (``/api/positioning/cards/{id}/trajectory/``). Write: the descent register and the
wellhead display, by the mine's own staff (``POST /api/positioning/descents/``,
``POST /api/positioning/displays/``). Scoped like every other endpoint.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import ScopedViewSet
from minesafe.core.scoping import ADD
from minesafe.positioning import services
from minesafe.positioning.choices import DescentSource
from minesafe.positioning.forms import FUTURE_SLACK
from minesafe.positioning.models import (
    DescentRecord,
    PositioningArea,
    Presence,
    TrackPoint,
    WellheadDisplay,
)
from minesafe.registry.models import Mine

urlpatterns: list[Any] = []

READ_ONLY = ["get", "head", "options"]
READ_ADD = ["get", "post", "head", "options"]


class PersonSerializer(serializers.Serializer):
    card = serializers.CharField()
    name = serializers.CharField()
    job = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    station_code = serializers.CharField()
    entered_at = serializers.DateTimeField(allow_null=True)
    is_leader = serializers.BooleanField()


class AreaStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    approved = serializers.IntegerField()
    over = serializers.BooleanField()
    face = serializers.CharField()


class ShiftSerializer(serializers.Serializer):
    label = serializers.CharField(source="shift.label")
    start = serializers.DateTimeField(source="shift.start")
    end = serializers.DateTimeField(source="shift.end")
    people = serializers.IntegerField()
    leaders = serializers.ListField(child=serializers.CharField())
    missing = serializers.BooleanField()


class MineSummarySerializer(serializers.Serializer):
    """One mine now (the overview line)."""

    mine = serializers.IntegerField(source="mine.pk")
    mine_code = serializers.CharField(source="mine.code")
    mine_name = serializers.CharField(source="mine.name")
    last_at = serializers.DateTimeField(allow_null=True)
    underground = serializers.IntegerField(source="count", allow_null=True)
    approved = serializers.IntegerField(allow_null=True)
    over = serializers.BooleanField()
    areas_over = serializers.ListField(child=serializers.CharField())
    overtime = serializers.IntegerField()
    several_cards = serializers.IntegerField(source="several")
    leaders = serializers.ListField(child=serializers.CharField())
    shift_without_leader = serializers.BooleanField()


class MineStatusSerializer(serializers.Serializer):
    """One mine now in full: people, areas, overtime, several cards, leaders per shift."""

    mine = serializers.IntegerField(source="mine.pk")
    mine_code = serializers.CharField(source="mine.code")
    last_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    underground = serializers.IntegerField(source="count", allow_null=True)
    approved = serializers.IntegerField(allow_null=True)
    over = serializers.BooleanField()
    shift_mode = serializers.CharField(source="mode")
    areas = AreaStatusSerializer(many=True)
    people = PersonSerializer(many=True)
    overtime = PersonSerializer(many=True)
    several_cards = serializers.SerializerMethodField()
    shifts = ShiftSerializer(many=True)

    def get_several_cards(self, status: services.MineStatus) -> list[list[str]]:
        return [[p.card for p in people] for people in status.several.values()]


class DisagreementSerializer(serializers.Serializer):
    name = serializers.CharField()
    present_in = serializers.CharField()
    missing_from = serializers.CharField()


class CorrespondenceSerializer(serializers.Serializer):
    shift = serializers.CharField(source="shift.label")
    register_count = serializers.IntegerField(source="result.register_count")
    display_count = serializers.IntegerField(source="result.display_count", allow_null=True)
    positioning_count = serializers.IntegerField(source="result.positioning_count", allow_null=True)
    counts_agree = serializers.BooleanField(source="result.counts_agree")
    agrees = serializers.BooleanField(source="result.agrees")
    disagreements = DisagreementSerializer(source="result.disagreements", many=True)


class PositioningMineViewSet(ScopedViewSet):
    """Mines in jurisdiction with their people underground now (MON-5, PER-7)."""

    queryset = Mine.objects.all()
    serializer_class = MineSummarySerializer
    filterset_fields = ["code"]
    http_method_names = READ_ONLY

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("code")

    @extend_schema(responses=MineSummarySerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        mines = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(mines)
        rows = services.summaries(list(page if page is not None else mines), timezone.now())
        data = MineSummarySerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(responses=MineStatusSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        status = services.mine_status(self.get_object(), timezone.now())
        return Response(MineStatusSerializer(status).data)

    @extend_schema(responses=CorrespondenceSerializer)
    @action(detail=True, methods=["get"])
    def correspondence(self, request: Request, pk: str | None = None) -> Response:
        """三对应 now: descent register vs wellhead display vs positioning (002:69)."""
        report = services.correspondence(self.get_object(), timezone.now())
        return Response(CorrespondenceSerializer(report).data)


class AreaSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)

    class Meta:
        model = PositioningArea
        fields = ["id", "mine", "mine_code", "code", "area_type", "name",
                  "approved_headcount", "working_face"]  # fmt: skip
        read_only_fields = fields


class AreaViewSet(ScopedViewSet):
    """Positioning areas (RYQY) with their approved headcount."""

    queryset = PositioningArea.objects.all()
    serializer_class = AreaSerializer
    filterset_fields = ["mine"]
    select = ("mine",)
    http_method_names = READ_ONLY


class TrackPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackPoint
        fields = ["kind", "at", "seen_at", "area_code", "station_code", "entered_at"]
        read_only_fields = fields


class CardSerializer(serializers.ModelSerializer):
    mine_code = serializers.CharField(source="mine.code", read_only=True)

    class Meta:
        model = Presence
        fields = ["id", "mine", "mine_code", "card", "name", "underground", "entered_at",
                  "exited_at", "area_code", "station_code", "station_at", "is_leader",
                  "shift_mode", "seen_at"]  # fmt: skip
        read_only_fields = fields


class CardViewSet(ScopedViewSet):
    """Every card's current state; ``trajectory`` is one stay underground (MON-5)."""

    queryset = Presence.objects.all()
    serializer_class = CardSerializer
    filterset_fields = ["mine", "underground", "card"]
    select = ("mine",)
    http_method_names = READ_ONLY

    @extend_schema(
        parameters=[OpenApiParameter("stay", OpenApiTypes.INT, description="入井轨迹点id")],
        responses=TrackPointSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def trajectory(self, request: Request, pk: str | None = None) -> Response:
        presence = self.get_object()
        stay = request.query_params.get("stay", "")
        if stay and not (stay.isascii() and stay.isdigit()):
            raise serializers.ValidationError({"stay": ["必须是整数"]})
        _, track = services.trajectory(presence, int(stay) if stay else None)
        return Response(TrackPointSerializer(track, many=True).data)


class MineEntrySerializer(serializers.ModelSerializer):
    """Entries of the mine's staff: only for a mine the caller may add to."""

    mine = serializers.PrimaryKeyRelatedField(queryset=Mine.objects.all())

    def validate_mine(self, mine: Mine) -> Mine:
        user = self.context["request"].user
        model = self.Meta.model
        if not Mine.objects.restrict(user).filter(pk=mine.pk).exists() or not model.access.allows(
            user.role, ADD
        ):
            raise serializers.ValidationError("只能为本矿上报")
        return mine


class DescentSerializer(MineEntrySerializer):
    class Meta:
        model = DescentRecord
        fields = ["id", "mine", "name", "card", "went_down_at", "came_up_at", "source",
                  "entered_by"]  # fmt: skip
        read_only_fields = ["source", "entered_by"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        down, up = attrs.get("went_down_at"), attrs.get("came_up_at")
        now = timezone.now()
        if down and down > now + FUTURE_SLACK:
            raise serializers.ValidationError({"went_down_at": "入井时间不能晚于当前时间"})
        if down and up and up < down:
            raise serializers.ValidationError({"came_up_at": "出井时间不能早于入井时间"})
        return attrs


class DescentViewSet(ScopedViewSet):
    """The descent register (三对应 source 1); mine staff add lines for their own mine."""

    queryset = DescentRecord.objects.all()
    serializer_class = DescentSerializer
    filterset_fields = ["mine"]
    select = ("mine",)
    http_method_names = READ_ADD

    def perform_create(self, serializer: Any) -> None:
        serializer.save(source=DescentSource.API, entered_by=str(self.request.user))


class DisplaySerializer(MineEntrySerializer):
    names = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=100000
    )

    class Meta:
        model = WellheadDisplay
        fields = ["id", "mine", "at", "count", "names", "posted_by"]
        read_only_fields = ["posted_by"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        names = attrs.get("names") or []
        if attrs.get("at") and attrs["at"] > timezone.now() + FUTURE_SLACK:
            raise serializers.ValidationError({"at": "公示时间不能晚于当前时间"})
        if names and len(names) != attrs.get("count"):
            raise serializers.ValidationError({"names": "姓名个数与公示人数不一致"})
        return attrs


class DisplayViewSet(ScopedViewSet):
    """What the wellhead display showed (三对应 source 2), posted by the mine's staff."""

    queryset = WellheadDisplay.objects.all()
    serializer_class = DisplaySerializer
    filterset_fields = ["mine"]
    select = ("mine",)
    http_method_names = READ_ADD

    def perform_create(self, serializer: Any) -> None:
        serializer.save(posted_by=str(self.request.user))


def register(router: Any) -> None:
    """Add this area's viewsets to the shared router."""
    router.register("positioning/mines", PositioningMineViewSet, basename="positioning-mine")
    router.register("positioning/areas", AreaViewSet, basename="positioning-area")
    router.register("positioning/cards", CardViewSet, basename="positioning-card")
    router.register("positioning/descents", DescentViewSet, basename="positioning-descent")
    router.register("positioning/displays", DisplayViewSet, basename="positioning-display")
