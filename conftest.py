"""Fixtures shared by every app's tests: the small world and its personas."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config: pytest.Config) -> None:
    """``MINESAFE_CLOCK=HH:MM`` runs the tests with the clock at that UTC time of today (it keeps
    ticking): CI runs a module at 23:30 UTC, when Beijing's date is already tomorrow."""
    from django.conf import settings

    # Sessions and signed-in users cached in this process's memory, emptied before each test
    # (below): a test's rolled-back rows must not come back from another test's cache entry.
    settings.CACHES["auth"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "minesafe-auth-tests",
    }
    clock = os.environ.get("MINESAFE_CLOCK")
    if clock:
        import time_machine

        start = dt.datetime.combine(
            dt.datetime.now(dt.UTC).date(), dt.time.fromisoformat(clock), tzinfo=dt.UTC
        )
        config._minesafe_clock = time_machine.travel(start, tick=True)  # type: ignore[attr-defined]
        config._minesafe_clock.start()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: Any) -> Any:
    """Uploads (hazard photos, evidence) of the whole session, the shared world's included, land
    in a directory of the session's own, never in ./var."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any, media_root: Any) -> None:
    """Build the shared world once and commit it: each test's transaction rolls back only its
    own changes. Transactional tests (browser, broker) flush the tables when they end; they run
    after the others (pytest-django orders them last) and rebuild the world when they need it."""
    from minesafe.testing import make_world

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        make_world()


#: Django's own bookkeeping, filled by migrations, not by the world.
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})


@pytest.fixture
def empty_db(db: None) -> None:
    """The database without the shared world, for a test that loads a world of its own (the
    demo county, an import's own city). Emptied inside the test's transaction, so the world is
    back for the next test; foreign keys are deferred until a commit that never comes."""
    from django.core.management.color import no_style
    from django.db import connection

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    tables = [t for t in tables if t not in KEPT_TABLES]
    with connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)


@pytest.fixture
def migrate(transactional_db: None) -> Iterator[Callable[[list[tuple[str, str]]], Any]]:
    """For a test that moves the schema back and forth: ``migrate(targets)`` returns a fresh
    executor; afterwards every app is migrated to its latest migration again, so the test
    database can be flushed for the next test (a target short of an app's leaf would leave
    tables the models no longer name, or miss ones they do)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def to(targets: list[tuple[str, str]]) -> Any:
        MigrationExecutor(connection).migrate(targets)
        return MigrationExecutor(connection)

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def world(db: None) -> Any:
    from minesafe.testing import make_world

    return make_world()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, media_root: Any) -> None:
    settings.MEDIA_ROOT = media_root


@pytest.fixture(autouse=True)
def _empty_auth_cache() -> None:
    from django.core.cache import caches

    caches["auth"].clear()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium for the browser tests (marked ``browser``); skipped where it is not
    installed, except in CI."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        if os.environ.get("MINESAFE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required in CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed: apt-get install chromium to run the browser test")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
