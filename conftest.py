"""Fixtures shared by every app's tests: the small world and its personas."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def world(db: None) -> Any:
    from minesafe.testing import make_world

    return make_world()
