"""Case history onto the workflow spine's shape (core.TransitionRecord): the event becomes the
step (a step of the loop keeps its name; a system event — opening, escalation, grouping … — keeps
its own), old/new state become from/to state, the actor's name the username, and an evidence
field is added. The label and the levels stay on the row. Every existing row is kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from minesafe.core.migration_ops import reseal


class Migration(migrations.Migration):
    dependencies = [
        ("response", "0002_notification_time"),
        ("core", "0002_evidence_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("casetransition", "event", "step"),
        migrations.RenameField("casetransition", "old_state", "from_state"),
        migrations.RenameField("casetransition", "new_state", "to_state"),
        migrations.RenameField("casetransition", "actor", "username"),
        migrations.AlterField(
            model_name="casetransition",
            name="step",
            field=models.CharField(blank=True, max_length=40, verbose_name="步骤"),
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="to_state",
            field=models.CharField(max_length=20, verbose_name="新状态"),
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="操作人"),
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="label",
            field=models.CharField(blank=True, max_length=60, verbose_name="事项"),
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="reason",
            field=models.TextField(blank=True, verbose_name="说明"),
        ),
        migrations.AlterField(
            model_name="casetransition",
            name="at",
            field=models.DateTimeField(verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="casetransition",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="证据"),
        ),
        migrations.AlterField(
            model_name="casetransition",
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
        reseal("response.CaseTransition"),
    ]
