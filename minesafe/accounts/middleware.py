"""An account whose password an administrator set or reset first chooses its own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class MustChangePasswordMiddleware:
    """Send a signed-in user whose password was set by an administrator to the password page
    (every page but that one, signing out and the static files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        must_change = getattr(user, "must_change_password", False)
        if user is not None and user.is_authenticated and must_change:
            allowed = (reverse("password_change"), reverse("logout"), "/static/")
            if not request.path.startswith(allowed):
                if request.headers.get("HX-Request") == "true":
                    # A fragment a page loads (the menu's badge): nothing to swap in.
                    return HttpResponse(status=204)
                return HttpResponseRedirect(reverse("password_change"))
        return self.get_response(request)
