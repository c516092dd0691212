"""Filters of the video API lists (MON-7): channels by mine, status and kind of place; findings
by mine, channel, review state and kind."""

from __future__ import annotations

import django_filters

from minesafe.core.filters import ScopedFilterSet
from minesafe.video.choices import ChannelStatus, FindingKind, FindingState, PlaceKind
from minesafe.video.models import VideoChannel, VideoFinding


class VideoChannelFilterSet(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=ChannelStatus.choices)
    place_kind = django_filters.ChoiceFilter(choices=PlaceKind.choices)

    class Meta:
        model = VideoChannel
        fields = ["mine", "status", "place_kind"]


class VideoFindingFilterSet(ScopedFilterSet):
    state = django_filters.ChoiceFilter(choices=FindingState.choices)
    kind = django_filters.ChoiceFilter(choices=FindingKind.choices)

    class Meta:
        model = VideoFinding
        fields = ["mine", "channel", "state", "kind"]
