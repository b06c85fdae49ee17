from django.db import migrations

from cnum.core.audit import install_append_only_triggers


def install(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
