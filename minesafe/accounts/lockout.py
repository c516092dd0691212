"""A locked-out sign-in: what the operator's log says and what the client sees.

django-axes refuses the password check; :func:`log_lockout` names the account and address in the
log (axes masks both in its own lines), and :func:`lockout_response` (``AXES_LOCKOUT_CALLABLE``)
answers 429 with the time the client may try again: a page on the login form and the admin, JSON
under the API.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

STATUS = 429

log = logging.getLogger(__name__)


def lockout_message(limit: int, cool_off: dt.timedelta, retry_at: dt.datetime) -> str:
    """The lockout in words: why, for how long, from when (Beijing time), and who can lift it."""
    minutes = round(cool_off.total_seconds() / 60)
    return (
        f"连续 {limit} 次登录失败，该账号或本机地址已被锁定 {minutes} 分钟。"
        f"请于 {timezone.localtime(retry_at):%H:%M} 之后再试；如需提前解锁，请联系系统管理员。"
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """429 saying when to retry: the cool-off counts from this attempt, which axes recorded
    (every attempt during a lockout starts the cool-off again)."""
    cool_off = get_cool_off(request) or dt.timedelta(0)
    retry_at = timezone.now() + cool_off
    message = lockout_message(settings.AXES_FAILURE_LIMIT, cool_off, retry_at)
    if request.path_info.startswith(reverse("api-root")):
        response: HttpResponse = JsonResponse(
            {"detail": message, "retry_at": retry_at.isoformat()}, status=STATUS
        )
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=STATUS)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


@receiver(user_locked_out)
def log_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kw: Any
) -> None:
    log.warning(
        "Sign-in locked out after %d failures: account %r, address %s, for %s",
        settings.AXES_FAILURE_LIMIT,
        username,
        ip_address,
        get_cool_off(request),
    )
