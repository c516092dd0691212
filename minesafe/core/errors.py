"""The 403 page: the refusal's own words when they are the platform's (Chinese), a general
explanation otherwise. 400, 404, 500 and CSRF failures use Django's handlers with the
templates of the same names (400, 500 and CSRF standalone: they need no database)."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CJK = re.compile(r"[\u4e00-\u9fff]")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception or "")
    reason = message if CJK.search(message) else ""
    return render(request, "403.html", {"reason": reason}, status=403)
