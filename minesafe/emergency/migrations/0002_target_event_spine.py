"""Target history onto the workflow spine's shape (core.TransitionRecord): the event becomes the
step (its names are the steps of ``rules.TARGET_WORKFLOW``), old/new state become from/to state,
the actor's name the username and the note the reason; a user key (empty for the rows before,
which named their actor only) and an evidence field are added. Every existing row is kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from minesafe.core.migration_ops import reseal


class Migration(migrations.Migration):
    dependencies = [
        ("emergency", "0001_evacuation_orders"),
        ("core", "0002_evidence_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("targetevent", "event", "step"),
        migrations.RenameField("targetevent", "old_state", "from_state"),
        migrations.RenameField("targetevent", "new_state", "to_state"),
        migrations.RenameField("targetevent", "actor", "username"),
        migrations.RenameField("targetevent", "note", "reason"),
        migrations.AlterModelOptions(
            name="targetevent",
            options={
                "ordering": ["at", "id"],
                "verbose_name": "撤人指令记录",
                "verbose_name_plural": "撤人指令记录",
            },
        ),
        migrations.AddField(
            model_name="targetevent",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="证据"),
        ),
        migrations.AddField(
            model_name="targetevent",
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
        migrations.AlterField(
            model_name="targetevent",
            name="at",
            field=models.DateTimeField(verbose_name="时间"),
        ),
        migrations.AlterField(
            model_name="targetevent",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="targetevent",
            name="step",
            field=models.CharField(blank=True, max_length=40, verbose_name="步骤"),
        ),
        migrations.AlterField(
            model_name="targetevent",
            name="to_state",
            field=models.CharField(max_length=20, verbose_name="新状态"),
        ),
        migrations.AlterField(
            model_name="targetevent",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="操作人"),
        ),
        reseal("emergency.TargetEvent"),
    ]
