"""The signed-in user, cached between requests.

Reading the session's user took a query with four joins on every request (organisation and
its division, enterprise, mine: the anchors scoping needs). The user is kept in the ``auth``
cache, the one the sessions use (settings: shared by the server's processes), under a
generation token. Any save or delete of a user, an organisation, a division, an enterprise or a
mine replaces the token, at once and again when the transaction commits, so the next request
of every session reads its user from the database: a password change, a deactivation, a new
role or anchor take effect on the next request in every process. Changes that bypass model
signals (``QuerySet.update``, ``bulk_create``, raw SQL) are bounded by ``TIMEOUT``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save

ALIAS = "auth"
GENERATION_KEY = "user-generation"
TIMEOUT = 300  # seconds an entry may outlive a change that sends no signal


def _generation() -> str:
    cache = caches[ALIAS]
    token = cache.get(GENERATION_KEY)
    if token is None:  # first use, or the entry was culled: a new token (never a former one)
        token = uuid.uuid4().hex
        cache.set(GENERATION_KEY, token, None)
    return str(token)


def _bump() -> None:
    caches[ALIAS].set(GENERATION_KEY, uuid.uuid4().hex, None)


def invalidate(**kwargs: Any) -> None:
    """Forget every cached user: now, and again once the change is committed (a request that
    read the old row before the commit may have cached it under the token set now)."""
    _bump()
    transaction.on_commit(_bump)


def get(user_id: Any, load: Callable[[Any], Any]) -> Any:
    """The user ``user_id`` from the cache, else ``load(user_id)`` (cached if not None)."""
    cache = caches[ALIAS]
    key = f"user:{user_id}:{_generation()}"
    user = cache.get(key)
    if user is None:
        user = load(user_id)
        if user is not None:
            cache.set(key, user, TIMEOUT)
    return user


def connect() -> None:
    """Invalidate on every change of the rows a cached user carries (called by the app)."""
    from django.apps import apps

    for label in (
        "accounts.User",
        "accounts.Organization",
        "accounts.Division",
        "registry.Enterprise",
        "registry.Mine",
    ):
        model = apps.get_model(label)
        post_save.connect(invalidate, sender=model, dispatch_uid=f"usercache-save-{label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"usercache-delete-{label}")
