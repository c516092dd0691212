"""REST API of the video area, registered on the shared router by :mod:`minesafe.api_urls`."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []


def register(router: Any) -> None:
    """Add this area's viewsets to the shared router."""
