import django.db.models.deletion
from django.db import migrations, models

#: The single-column index the foreign key's `db_index` made, covered by the index (content_type, object_id): dropped
#: by name, so that neither engine rebuilds the table (AlterField would on SQLite).
OLD_INDEX = "core_auditevent_content_type_id_1d8b5390"


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(OLD_INDEX)}")


def restore_index(apps, schema_editor):
    model = apps.get_model("core", "AuditEvent")
    field = model._meta.get_field("content_type")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[field], name=OLD_INDEX))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_rate_counter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="content_type",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="type d'objet",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, restore_index)],
        ),
    ]
