"""Provenance of the sites imported before it existed: one SiteSource per site that has a source, holding the
site's non-empty values (what that source is known to have given)."""

from django.db import migrations

PROVIDED = (
    "name", "pivot", "address", "address_complement", "postal_code", "commune_name", "latitude", "longitude",
    "typology", "phone", "emails", "websites", "opening_hours", "summary", "description", "mobility", "services",
    "specific_publics", "specific_support", "fees", "national_programmes", "training_labels",
    "other_training_labels", "access_modes", "support_modes", "accessibility_url", "booking_url", "parent_structure",
)  # fmt: skip


def _fields(site) -> dict:
    values = {name: getattr(site, name) for name in PROVIDED if getattr(site, name) not in ("", None, [])}
    values["updated_on"] = site.updated_on.isoformat()
    return values


def backfill(apps, schema_editor):
    Site, SiteSource = apps.get_model("sites", "Site"), apps.get_model("sites", "SiteSource")
    known = set(SiteSource.objects.values_list("site_id", "source"))
    records = [
        SiteSource(
            site=site, source=site.source, source_id=site.source_id, fields=_fields(site), updated_at=site.updated_at
        )
        for site in Site.objects.exclude(source="").iterator(chunk_size=1000)
        if (site.pk, site.source) not in known
    ]
    SiteSource.objects.bulk_create(records, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("sites", "0004_provenance_and_duplicates")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
