"""Django set up for the console commands that need the database (the pure ones never call it)."""

from __future__ import annotations

import os


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minesafe.settings")
    import django

    django.setup()
