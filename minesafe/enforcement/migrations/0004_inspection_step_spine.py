"""Inspection history onto the workflow spine's shape (core.TransitionRecord): old/new stage become
from/to state, the note becomes the reason, each row gets its step's name (the stage it entered;
a record's first row, from no stage, names none), the taker's name at the time and an evidence
field. Every existing row is kept.

The rows are evidence (``MINESAFE_EVIDENCE``, docs/evidence.md): their new shape is a new version,
so each row's ``updated_at`` moves and the sealer links the new version into the chains (the old
links stay where they were)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

def to_spine(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Name each step after the stage it entered, and its taker as the platform names users."""
    Step = apps.get_model("enforcement", "InspectionStep")
    Step.objects.exclude(from_state="").update(step=models.F("to_state"))
    for row in Step.objects.filter(user__isnull=False).select_related("user").iterator():
        user = row.user
        row.username = f"{user.first_name} {user.last_name}".strip() or user.username
        row.save(update_fields=["username"])
    Step.objects.update(updated_at=timezone.now())


def from_spine(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back to the old shape: the reason fits the old note's 300 characters."""
    Step = apps.get_model("enforcement", "InspectionStep")
    for row in Step.objects.exclude(reason="").iterator():
        if len(row.reason) > 300:
            row.reason = row.reason[:300]
            row.save(update_fields=["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0003_document_chain_head"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="inspectionstep",
            options={
                "ordering": ["at", "id"],
                "verbose_name": "流程记录",
                "verbose_name_plural": "流程记录",
            },
        ),
        migrations.RenameField("inspectionstep", "old_step", "from_state"),
        migrations.RenameField("inspectionstep", "new_step", "to_state"),
        migrations.RenameField("inspectionstep", "note", "reason"),
        migrations.AlterField(
            model_name="inspectionstep",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="inspectionstep",
            name="to_state",
            field=models.CharField(max_length=20, verbose_name="新状态"),
        ),
        migrations.AlterField(
            model_name="inspectionstep",
            name="reason",
            field=models.TextField(blank=True, verbose_name="说明"),
        ),
        migrations.AddField(
            model_name="inspectionstep",
            name="step",
            field=models.CharField(blank=True, max_length=40, verbose_name="步骤"),
        ),
        migrations.AddField(
            model_name="inspectionstep",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="操作人"),
        ),
        migrations.AddField(
            model_name="inspectionstep",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="证据"),
        ),
        migrations.AlterField(
            model_name="inspectionstep",
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
        migrations.RunPython(to_spine, from_spine),
    ]
