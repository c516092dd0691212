from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

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


class RejectNullCharactersMiddleware:
    """Answer 400 to a query string carrying a NUL character.

    No filter value may hold one, and PostgreSQL refuses it in text columns (a 500 otherwise):
    one check here covers every list page and endpoint, whatever parameters it reads. Form and
    serializer fields already refuse NUL in bodies.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            return HttpResponseBadRequest("查询参数含有非法的空字符（NUL）".encode())
        return self.get_response(request)
