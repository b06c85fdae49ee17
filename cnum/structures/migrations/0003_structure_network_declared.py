"""Structure.networks' table, created by Django for the many-to-many field, becomes a declared model
(StructureNetwork) so that its writes go through cnum.core.writes (docs/adr/0006): the state changes, the table
stays as it is."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0002_workflow_actors"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StructureNetwork",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "network",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="structures.network"),
                        ),
                        (
                            "structure",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="structures.structure"),
                        ),
                    ],
                    options={
                        "verbose_name": "appartenance à un réseau national",
                        "verbose_name_plural": "appartenances à des réseaux nationaux",
                        "db_table": "structures_structure_networks",
                        "unique_together": {("structure", "network")},
                    },
                ),
                migrations.AlterField(
                    model_name="structure",
                    name="networks",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="structures",
                        through="structures.StructureNetwork",
                        to="structures.network",
                        verbose_name="réseaux nationaux",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
