"""Pages of notifications: the inbox (in-app messages of every area), the delivery log (every
channel and attempt: a person's own, everything for administrators) and the preferences page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from minesafe.core.scoping import VIEW
from minesafe.core.views import paginate, query_without
from minesafe.notifications import rules, services
from minesafe.notifications.choices import Channel, DeliveryStatus, Reach, Topic
from minesafe.notifications.models import DeliveryAttempt, Notification


def _choice(request: HttpRequest, name: str, values: list[str]) -> str:
    """A filter value from the query string; an unknown one is ignored (never a 500)."""
    value = request.GET.get(name, "")
    return value if value in values else ""


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications of every area, newest first; by topic, unread only."""
    topic = _choice(request, "topic", Topic.values)
    rows = services.inbox(request.user, topic).select_related("mine", "organization")
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    context = {
        "page": paginate(request, rows),
        "query": query_without(request, "page"),
        "topics": Topic.choices,
        "topic": topic,
        "unread": services.inbox(request.user).filter(read_at__isnull=True).count(),
    }
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the user's in-app notifications read (all, or those of one topic)."""
    topic = request.POST.get("topic", "")
    if topic and topic not in Topic.values:
        return HttpResponse("topic: 主题不存在", status=400)
    services.mark_read(services.inbox(request.user, topic))
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@require_safe
def delivery_log(request: HttpRequest) -> HttpResponse:
    """Every notification the user may see on every channel, with its attempts: their own for a
    person, all for an administrator."""
    rows = Notification.objects.restrict(request.user, VIEW).select_related(
        "recipient", "organization", "mine"
    )
    filters = {
        "topic": _choice(request, "topic", Topic.values),
        "channel": _choice(request, "channel", Channel.values),
        "status": _choice(request, "status", DeliveryStatus.values),
    }
    rows = rows.filter(**{name: value for name, value in filters.items() if value})
    page = paginate(request, rows)
    attempts = DeliveryAttempt.objects.restrict(request.user, VIEW).filter(
        notification__in=[note.pk for note in page]
    )
    log: dict[int, list[DeliveryAttempt]] = {}
    for attempt in attempts.order_by("at", "pk"):
        log.setdefault(attempt.notification_id, []).append(attempt)
    context = {
        "page": page,
        "rows": [(note, log.get(note.pk, [])) for note in page],
        "query": query_without(request, "page"),
        "filters": filters,
        "topics": Topic.choices,
        "channels": Channel.choices,
        "statuses": DeliveryStatus.choices,
    }
    return render(request, "notifications/log.html", context)


def _chosen(request: HttpRequest) -> dict[tuple[str, str], int] | None:
    """The preferences a form posted, or None when a value is not a known reach."""
    out: dict[tuple[str, str], int] = {}
    for topic in Topic.values:
        for channel in rules.PERSONAL:
            raw = request.POST.get(f"{topic}-{channel}", "")
            if not (raw.isascii() and raw.isdigit() and int(raw) in Reach.values):
                return None
            out[(topic, channel)] = int(raw)
    return out


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Which channels the user wants for which topic, from which level on."""
    status = 200
    if request.method == "POST":
        chosen = _chosen(request)
        if chosen is not None:
            services.set_preferences(request.user, chosen)
            messages.success(request, "通知偏好已保存")
            return HttpResponseRedirect(reverse("notifications:preferences"))
        messages.error(request, "请为每个主题和渠道选择接收等级")
        status = 400
    current = services.preferences(request.user)
    rows: list[dict[str, Any]] = [
        {
            "topic": value,
            "label": label,
            "cells": [
                (f"{value}-{channel}", Channel(channel).label, current[(value, channel)])
                for channel in rules.PERSONAL
            ],
        }
        for value, label in Topic.choices
    ]
    context = {"rows": rows, "reaches": Reach.choices, "user_email": request.user.email}
    return render(request, "notifications/preferences.html", context, status=status)
