"""Drop the plain-text API tokens of ``rest_framework.authtoken``: tokens are knox's now (hashed,
expiring). Every token issued before this release stops working; its holder asks for a new one
with ``POST /api/auth/token/``."""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

TABLE = "authtoken_token"


def drop_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        schema_editor.execute(schema_editor.sql_delete_table % {"table": schema_editor.quote_name(TABLE)})
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(drop_drf_tokens, migrations.RunPython.noop)]
