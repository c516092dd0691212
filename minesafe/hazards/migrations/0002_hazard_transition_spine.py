"""Hazard history onto the workflow spine's shape (core.TransitionRecord): name/old/new
status/actor/time become step/from/to state/username/at; each row gets the account its actor's
name identifies (when exactly one does) and a rectification's text as its evidence. Every
existing row is kept; the step names (record, start, rectify, …) are already the table's."""

from collections.abc import Mapping
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from minesafe.core.migration_ops import reseal


def accounts_by_name(users: Any) -> dict[str, int]:
    """Name at the time → account, for names that identify exactly one account (a username or
    a full name; the history kept ``str(user)``, which is one of the two)."""
    seen: dict[str, set[int]] = {}
    for pk, username, first, last in users:
        for key in {username, f"{first} {last}".strip()} - {""}:
            seen.setdefault(key, set()).add(pk)
    return {key: next(iter(pks)) for key, pks in seen.items() if len(pks) == 1}


def spine_fields(
    step: str, username: str, reason: str, accounts: Mapping[str, int]
) -> dict[str, Any]:
    """What one old row gains: its account and, for a rectification, the text it recorded (the
    old row kept the rectification's evidence as its reason) as evidence."""
    fields: dict[str, Any] = {"user_id": accounts.get(username)}
    if step == "rectify" and reason:
        fields["evidence"] = {"text": reason}
    return fields


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Transition = apps.get_model("hazards", "HazardTransition")
    names = User.objects.values_list("pk", "username", "first_name", "last_name")
    accounts = accounts_by_name(names)
    for row in Transition.objects.all().iterator():
        fields = spine_fields(row.step, row.username, row.reason, accounts)
        if any(getattr(row, name) != value for name, value in fields.items()):
            Transition.objects.filter(pk=row.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0001_ledger"),
        ("core", "0002_evidence_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("hazardtransition", "name", "step"),
        migrations.RenameField("hazardtransition", "old_status", "from_state"),
        migrations.RenameField("hazardtransition", "new_status", "to_state"),
        migrations.RenameField("hazardtransition", "actor", "username"),
        migrations.RenameField("hazardtransition", "time", "at"),
        migrations.AlterField(
            model_name="hazardtransition",
            name="step",
            field=models.CharField(blank=True, max_length=40, verbose_name="步骤"),
        ),
        migrations.AlterField(
            model_name="hazardtransition",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="hazardtransition",
            name="to_state",
            field=models.CharField(max_length=20, verbose_name="新状态"),
        ),
        migrations.AlterField(
            model_name="hazardtransition",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="操作人"),
        ),
        migrations.AlterField(
            model_name="hazardtransition",
            name="at",
            field=models.DateTimeField(verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="hazardtransition",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作账号",
            ),
        ),
        migrations.AddField(
            model_name="hazardtransition",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="证据"),
        ),
        migrations.AlterModelOptions(
            name="hazardtransition",
            options={
                "ordering": ["at", "id"],
                "verbose_name": "隐患流转记录",
                "verbose_name_plural": "隐患流转记录",
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        reseal("hazards.HazardTransition"),
    ]
