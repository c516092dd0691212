from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import patch_vary_headers

from minesafe.core.context import current_reason, current_user

#: The request header with the reason of an API client's changes (docs/audit.md).
REASON_HEADER = "X-Change-Reason"
REASON_MAX = 1000


def header_reason(request: HttpRequest) -> str:
    """The reason given in :data:`REASON_HEADER`: UTF-8, percent-encoded (a header carries
    Latin-1 only), at most :data:`REASON_MAX` characters kept."""
    return unquote(request.headers.get(REASON_HEADER, "")).strip()[:REASON_MAX]


class AuditContextMiddleware:
    """Make the request's user the author of every change the request makes, and the reason in
    the ``X-Change-Reason`` header its reason (a page's own reason field takes precedence)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = header_reason(request)
        if "\x00" in reason:
            return HttpResponseBadRequest(f"{REASON_HEADER} 含有非法的空字符（NUL）".encode())
        user = getattr(request, "user", None)
        user_token = current_user.set(user if user is not None and user.is_authenticated else None)
        reason_token = current_reason.set(reason)
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


class VaryOnHtmxMiddleware:
    """Mark every page as varying with ``HX-Request``: a list URL answers the whole page to a
    browser and only the table to htmx, and a browser going back to a URL htmx pushed must not
    take the table it cached for the whole page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response
