from django.db import migrations, models


def mark_existing_demo(apps, schema_editor):
    """A database built by `demo` before the mark existed holds its accounts (…@demo.cnum.fr) or its national
    structures: mark it, so that `make run` keeps working on it."""
    User = apps.get_model("accounts", "User")
    Structure = apps.get_model("structures", "Structure")
    if User.objects.filter(email__endswith="@demo.cnum.fr").exists():
        apps.get_model("demo", "DemoDatabase").objects.create(pk=1, scale="small")
    elif Structure.objects.filter(source="demo-national").exists():
        apps.get_model("demo", "DemoDatabase").objects.create(pk=1, scale="national")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_user_proconnect_siret_user_proconnect_sub"),
        ("structures", "0002_workflow_actors"),
    ]

    operations = [
        migrations.CreateModel(
            name="DemoDatabase",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("built_at", models.DateTimeField(auto_now=True, verbose_name="construite le")),
                ("scale", models.CharField(default="small", max_length=20, verbose_name="échelle")),
            ],
            options={"verbose_name": "base de démonstration", "verbose_name_plural": "bases de démonstration"},
        ),
        migrations.RunPython(mark_existing_demo, migrations.RunPython.noop),
    ]
