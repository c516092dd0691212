"""Who is acting and why, for the audit trail, carried in context variables.

The middleware sets the user for each request; a view that asks for a reason wraps its save in
``audit_reason(...)``. Signal receivers read both, so no view writes audit rows itself
(STYLE 5; NetBox ``netbox/context_managers.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

current_user: ContextVar[Any | None] = ContextVar("minesafe_current_user", default=None)
current_reason: ContextVar[str] = ContextVar("minesafe_current_reason", default="")


@contextmanager
def acting_as(user: Any | None, reason: str = "") -> Iterator[None]:
    """Attribute every change made inside the block to ``user`` with ``reason``."""
    user_token = current_user.set(user)
    reason_token = current_reason.set(reason)
    try:
        yield
    finally:
        current_user.reset(user_token)
        current_reason.reset(reason_token)


@contextmanager
def audit_reason(reason: str) -> Iterator[None]:
    """Attach a reason to the changes made inside the block (the user stays as it is)."""
    token = current_reason.set(reason)
    try:
        yield
    finally:
        current_reason.reset(token)
