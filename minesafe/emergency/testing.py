"""Factories of the emergency area for the shared test world."""

from __future__ import annotations

import datetime as dt
from typing import Any


def furnish(mine: Any, today: dt.date) -> None:
    """Give a mine one object of each model a emergency route opens by pk."""
