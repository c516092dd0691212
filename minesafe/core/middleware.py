from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from minesafe.core.context import current_reason, current_user


class AuditContextMiddleware:
    """Make the request's user the author of every change the request makes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        user_token = current_user.set(user if user is not None and user.is_authenticated else None)
        reason_token = current_reason.set("")
        try:
            return self.get_response(request)
        finally:
            current_user.reset(user_token)
            current_reason.reset(reason_token)
