"""The engine core imports no Django (issue 3 §1: a pure core a test enforces)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import minesafe.engine


def test_mon1_engine_modules_import_without_django() -> None:
    names = [
        m.name
        for m in pkgutil.walk_packages(minesafe.engine.__path__, "minesafe.engine.")
        if ".tests" not in m.name
    ]
    assert "minesafe.engine.engine" in names and "minesafe.engine.replay" in names
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
