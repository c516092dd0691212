"""Audit receivers: every save and delete of a :class:`BaseModel` leaves an :class:`AuditEntry`.

Feeds and uploads write in bulk, past the save signals; they hand what changed to
:func:`log_bulk`, which writes the same entries for the changes of state only (a threshold, a
channel's status), never one per reading or heartbeat.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from minesafe.core.context import current_reason, current_user
from minesafe.core.models import AuditAction, AuditEntry, BaseModel


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # not JSON (PostgreSQL refuses NaN in jsonb)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited field values of ``instance`` as JSON-friendly data."""
    exclude = getattr(instance, "audit_exclude", frozenset())
    return {
        f.attname: _plain(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in exclude and f.name not in exclude
    }


def _entry(
    model: type[models.Model],
    object_id: Any,
    object_repr: str,
    mine_id: int | None,
    action: str,
    changes: dict[str, Any],
) -> AuditEntry:
    """An unsaved entry by the acting user (the system when none) with the reason in context."""
    user = current_user.get()
    return AuditEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(object_id),
        object_repr=object_repr[:200],
        mine_id=mine_id,
        action=action,
        user=user,
        username=getattr(user, "username", "") or "系统",
        changes=changes,
        reason=current_reason.get(),
    )


def _write(instance: BaseModel, action: str, changes: dict[str, Any]) -> None:
    entry = _entry(
        type(instance), instance.pk, str(instance), instance.audit_mine_id(), action, changes
    )
    entry.save()


def _created(new: dict[str, Any]) -> dict[str, Any]:
    return {k: [None, v] for k, v in new.items() if v not in (None, "")}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


@dataclass(frozen=True)
class BulkChange:
    """An object a feed or an upload wrote in bulk, with its audited values before (None when
    it is new) and after."""

    model: type[models.Model]
    object_id: Any
    object_repr: str
    mine_id: int | None
    old: dict[str, Any] | None
    new: dict[str, Any]


def log_bulk(changes: Iterable[BulkChange]) -> int:
    """Audit entries for the changes that change something, in one INSERT; returns how many."""
    entries = []
    for change in changes:
        new = {k: _plain(v) for k, v in change.new.items()}
        if change.old is None:
            action, diff = AuditAction.CREATE, _created(new)
        else:
            old = {k: _plain(v) for k, v in change.old.items()}
            action, diff = AuditAction.UPDATE, _diff(old, new)
        if diff:
            entries.append(
                _entry(
                    change.model,
                    change.object_id,
                    change.object_repr,
                    change.mine_id,
                    action,
                    diff,
                )
            )
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


@receiver(pre_save)
def remember_old_values(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    if not isinstance(instance, BaseModel) or kw.get("raw"):
        return
    old = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_old = snapshot(old) if old is not None else None  # type: ignore[attr-defined]


@receiver(post_save)
def log_save(sender: type[models.Model], instance: models.Model, created: bool, **kw: Any) -> None:
    if not isinstance(instance, BaseModel) or kw.get("raw"):
        return
    new = snapshot(instance)
    old = getattr(instance, "_audit_old", None)
    if created or old is None:
        _write(instance, AuditAction.CREATE, _created(new))
        return
    diff = _diff(old, new)
    if diff:
        _write(instance, AuditAction.UPDATE, diff)


@receiver(post_delete)
def log_delete(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    """A deletion keeps a copy of what was deleted (its audited values, old → nothing)."""
    if isinstance(instance, BaseModel):
        _write(instance, AuditAction.DELETE, {k: [v, None] for k, v in snapshot(instance).items()})
