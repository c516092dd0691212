"""REST API of notifications, registered on the shared router by :mod:`minesafe.api_urls`: the
caller's own in-app notifications of every area (list, mark read) and their preferences."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from minesafe.core.api import id_field
from minesafe.notifications import services
from minesafe.notifications.choices import Topic
from minesafe.notifications.models import Notification

urlpatterns: list[Any] = []


class NotificationSerializer(serializers.ModelSerializer):
    mine_name = serializers.SerializerMethodField()
    topic_display = serializers.CharField(source="get_topic_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "topic",
            "topic_display",
            "kind",
            "kind_label",
            "level",
            "level_display",
            "mine_name",
            "url",
            "recipient_label",
            "subject",
            "body",
            "at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, note: Notification) -> bool:
        return note.read_at is None

    def get_mine_name(self, note: Notification) -> str:
        return note.mine.name if note.mine else ""


class MarkReadSerializer(serializers.Serializer):
    """Either ``ids`` (of the caller's own notifications) or ``all: true``."""

    ids = serializers.ListField(child=id_field(), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError("请给出 ids 或 all: true")
        return attrs


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="仅未读"
    )
    topic = django_filters.ChoiceFilter(choices=Topic.choices, label="主题")

    class Meta:
        model = Notification
        fields = ["unread", "topic"]


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own in-app notifications of every area, newest first, and marking them read.

    Only the recipient's rows (and their organisation's), whatever the caller's jurisdiction: a
    county regulator may see every mine of the county, but another person's inbox is not theirs
    to read or mark. There is no detail route on purpose (the list carries every field).
    """

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]

    def get_queryset(self) -> Any:
        return services.inbox(self.request.user).select_related("mine")

    @extend_schema(request=MarkReadSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def read(self, request: Request) -> Response:
        """Mark notifications read: ``{"ids": [...]}`` or ``{"all": true}``; answers how many
        changed and how many stay unread. Ids of other people's notifications are ignored."""
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"detail": ["请求体必须是JSON对象"]})
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unread = self.get_queryset().filter(read_at__isnull=True)
        chosen = unread if data.get("all") else unread.filter(pk__in=data.get("ids") or [])
        marked = services.mark_read(chosen)
        return Response({"marked": marked, "unread": unread.count()})


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
    router.register("notifications", NotificationViewSet, basename="notification")
