"""The layers hold (docs/architecture.md): the engine and the simulator are pure (no Django, no
Django app, not even through ``importlib``), ``core`` depends on no area, the demo package on
the areas and never the other way, and no two apps import each other, directly or round a
cycle. Read from the source, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import minesafe

ROOT = Path(minesafe.__file__).parent
#: Plain modules every layer may use: no Django, no app.
PURE = {"localtime", "ruledata", "citations", "conf"}
ENTRY_POINTS = {"cli", "__main__", "settings", "urls", "api_urls", "wsgi", "testing"}
#: Packages a dotted string may name for ``importlib`` (NATS subjects are not among them).
PACKAGES = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}


def _imports() -> dict[str, dict[str, set[str]]]:
    """Package → imported package → the files that import it (tests and migrations aside)."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        package = parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                head = node.value.split(".")
                named = head[0] == "minesafe" and len(head) > 1 and head[1] in PACKAGES
                names = [node.value] if named or head[0] == "django" else []
            for name in names:
                top = name.split(".")[0]
                if top in ("django", "rest_framework", "drf_spectacular", "django_filters"):
                    graph[package]["<django>"].add(str(path.relative_to(ROOT)))
                elif top == "minesafe" and "." in name:
                    target = name.split(".")[1]
                    if target != package:
                        graph[package][target].add(str(path.relative_to(ROOT)))
    return graph


GRAPH = _imports()


def _allowed(package: str, allowed: set[str]) -> dict[str, set[str]]:
    return {t: files for t, files in GRAPH[package].items() if t not in allowed}


def test_the_engine_and_the_simulator_reach_neither_django_nor_an_app() -> None:
    assert _allowed("engine", PURE) == {}
    assert _allowed("simulator", PURE | {"engine"}) == {}


def test_core_depends_on_no_area() -> None:
    assert _allowed("core", PURE | {"<django>"}) == {}


def test_no_area_depends_on_the_demo_package_or_an_entry_point() -> None:
    for package, targets in GRAPH.items():
        if package in ENTRY_POINTS or package == "demo":
            continue
        wrong = {t: f for t, f in targets.items() if t == "demo" or t in ENTRY_POINTS}
        assert wrong == {}, package


def test_no_import_cycle_between_apps() -> None:
    apps = {p for p in GRAPH if p not in ENTRY_POINTS and p != "demo"}
    edges = {p: {t for t in GRAPH[p] if t in apps} for p in apps}
    path: list[str] = []

    def visit(node: str, seen: set[str]) -> None:
        if node in path:
            cycle = [*path[path.index(node) :], node]
            raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
        if node in seen:
            return
        seen.add(node)
        path.append(node)
        for target in sorted(edges[node]):
            visit(target, seen)
        path.pop()

    done: set[str] = set()
    for app in sorted(apps):
        visit(app, done)


def test_the_simulator_imports_without_django() -> None:
    code = (
        "import importlib, pkgutil, sys, minesafe.simulator as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'minesafe.simulator.'):\n"
        "    '.tests' in m.name or importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
