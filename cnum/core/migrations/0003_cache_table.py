from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The cache every gunicorn worker shares (the API's rate limits) is a table of the database (settings.CACHES):
    made with the schema, so that a deployment running `migrate` alone does not answer the API with errors."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_auditevent_append_only")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
