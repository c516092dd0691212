"""Report history onto the workflow spine's shape (core.TransitionRecord): old/new status become
from/to state, each row gets its step's name (from the state it led to) and an evidence field.
Every existing row is kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

#: The state a step leads to names the step (sign → signed, accept → accepted, return → returned).
STEP_OF_TARGET = {"signed": "sign", "accepted": "accept", "returned": "return"}


def name_steps(apps, schema_editor):  # type: ignore[no-untyped-def]
    Transition = apps.get_model("selfinspection", "ReportTransition")
    for target, step in STEP_OF_TARGET.items():
        Transition.objects.filter(to_state=target).update(step=step)


class Migration(migrations.Migration):
    dependencies = [
        ("selfinspection", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("reporttransition", "old_status", "from_state"),
        migrations.RenameField("reporttransition", "new_status", "to_state"),
        migrations.AlterField(
            model_name="reporttransition",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="reporttransition",
            name="to_state",
            field=models.CharField(max_length=20, verbose_name="新状态"),
        ),
        migrations.AddField(
            model_name="reporttransition",
            name="step",
            field=models.CharField(blank=True, max_length=40, verbose_name="步骤"),
        ),
        migrations.AddField(
            model_name="reporttransition",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="证据"),
        ),
        migrations.AlterField(
            model_name="reporttransition",
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
        migrations.RunPython(name_steps, migrations.RunPython.noop),
    ]
