"""Fixtures shared by every app's tests: the small world and its personas."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(db: None) -> Any:
    from minesafe.testing import make_world

    return make_world()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploads (hazard photos, evidence) land in the test's own directory, never in ./var."""
    settings.MEDIA_ROOT = tmp_path / "media"
