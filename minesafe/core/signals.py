"""Audit receivers: every save and delete of a :class:`BaseModel` leaves an :class:`AuditEntry`."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from minesafe.core.context import current_reason, current_user
from minesafe.core.models import AuditAction, AuditEntry, BaseModel


def _plain(value: Any) -> Any:
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


def _write(instance: BaseModel, action: str, changes: dict[str, Any]) -> None:
    user = current_user.get()
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        mine_id=instance.audit_mine_id(),
        action=action,
        user=user,
        username=getattr(user, "username", "") or "系统",
        changes=changes,
        reason=current_reason.get(),
    )


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
        _write(
            instance,
            AuditAction.CREATE,
            {k: [None, v] for k, v in new.items() if v not in (None, "")},
        )
        return
    diff = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
    if diff:
        _write(instance, AuditAction.UPDATE, diff)


@receiver(post_delete)
def log_delete(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    if isinstance(instance, BaseModel):
        _write(instance, AuditAction.DELETE, {})
