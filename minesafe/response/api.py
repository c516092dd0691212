"""REST API of the graded alarm response, registered on the shared router by
:mod:`minesafe.api_urls`."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []


def register(router: Any) -> None:
    """Register this area's viewsets on the shared router."""
