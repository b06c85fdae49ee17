"""Acceptance on the real national files (reference/mediation-numerique): imported once for the whole module."""

import csv
import io
import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from frictionless import Resource, Schema

from cnum.core import imports
from cnum.sites import schema
from cnum.sites.models import Site

DATA = settings.REFERENCE_DIR / "mediation-numerique"
CNFS, FRANCE_SERVICES = DATA / "cnfs-permanences-2022-12.json", DATA / "france-services-2022-12-01.csv"
CNFS_ROWS, FRANCE_SERVICES_ROWS = 4930, 2683
SUMMARY = re.compile(r"(\d+) lignes? lues? : (\d+) créées?, (\d+) mises? à jour, (\d+) inchangées?, (\d+) rejetées?")
REJECTED_LINE = re.compile(r"^  ligne (\d+) rejetée : (.+)$", re.MULTILINE)

pytestmark = pytest.mark.django_db


def _import(format_name, path) -> str:
    out = io.StringIO()
    call_command("import_sites", "--format", format_name, str(path), stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def national(cog_first_load, django_db_blocker):
    """Both files imported through the command, then imported again; everything is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        results = {
            "cnfs": _import("cnfs-v0-json", CNFS),
            "france_services": _import("france-services-csv", FRANCE_SERVICES),
            "cnfs_again": imports.run_import(format_name="cnfs-v0-json", path=CNFS, dry_run=False),
            "france_services_again": imports.run_import(
                format_name="france-services-csv", path=FRANCE_SERVICES, dry_run=False
            ),
        }
        yield results
        transaction.set_rollback(True)


def summary(output: str) -> dict:
    total, created, updated, unchanged, rejected = map(int, SUMMARY.search(output).groups())
    return {"total": total, "created": created, "updated": updated, "unchanged": unchanged, "rejected": rejected}


def test_the_cnfs_export_imports_at_least_99_percent_and_reports_each_rejected_row(national):
    figures = summary(national["cnfs"])
    assert figures["total"] == CNFS_ROWS
    assert figures["created"] >= 0.99 * CNFS_ROWS
    assert figures["created"] + figures["rejected"] == CNFS_ROWS
    rejected = REJECTED_LINE.findall(national["cnfs"])
    assert len(rejected) == figures["rejected"]
    assert all(reason.strip() for _line, reason in rejected)
    assert len({line for line, _reason in rejected}) == len(rejected)
    assert Site.objects.filter(source="conseiller-numerique").count() == figures["created"]


def test_importing_the_cnfs_export_again_changes_nothing(national):
    first, again = summary(national["cnfs"]), national["cnfs_again"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, first["created"])
    assert len(again.rejected) == first["rejected"]


def test_cnfs_sites_carry_v1_values(national):
    sites = Site.objects.filter(source="conseiller-numerique")
    assert not sites.filter(commune__isnull=True).exists() and not sites.filter(departement__isnull=True).exists()
    assert sites.in_programme("Conseillers numériques").count() == sites.count()
    assert sites.offering("Maîtrise des outils numériques du quotidien").count() == sites.count()
    assert sites.filter(pivot="00000000000000").count() == 0
    assert sites.exclude(pivot="").count() > 2500
    pattern = schema.pattern("telephone")
    assert all(pattern.fullmatch(phone) for phone in sites.exclude(phone="").values_list("phone", flat=True))
    marseille = sites.get(source_id="62592a1d05457b0790816e6c")
    assert (marseille.commune.code, marseille.departement_id) == ("13211", "13")


def test_the_france_services_list_imports_as_sites_labelled_france_services(national):
    figures = summary(national["france_services"])
    assert figures["total"] == FRANCE_SERVICES_ROWS and figures["created"] >= 0.98 * FRANCE_SERVICES_ROWS
    sites = Site.objects.filter(source="france-services")
    assert sites.count() == figures["created"]
    assert sites.france_services().count() == sites.count()
    assert sites.itinerant().count() > 250
    assert sites.exclude(opening_hours="").count() > 2000
    again = national["france_services_again"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, figures["created"])


def official_schema() -> Schema:
    return Schema.from_descriptor(schema.schema())


def test_the_csv_export_validates_against_the_official_table_schema(national, tmp_path):
    out = io.StringIO()
    call_command("export_sites", "--format", "lieux-v1-csv", "--output", str(tmp_path / "lieux.csv"), stdout=out)
    report = Resource(path="lieux.csv", basepath=str(tmp_path), schema=official_schema()).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert report.stats["errors"] == 0
    with (tmp_path / "lieux.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == schema.field_names()
    written = int(re.search(r"(\d+) lieux écrits", out.getvalue())[1])
    excluded = int(re.search(r"(\d+) lieux laissés de côté", out.getvalue())[1])
    assert len(rows) == written > 2500
    assert written + excluded == Site.objects.count()
    assert "pivot (SIRET, RNA ou RIDET) inconnu, alors que le schéma l'exige" in out.getvalue()
    cnfs_rows = [row for row in rows if row["source"] == "conseiller-numerique"]
    assert all(row["dispositif_programmes_nationaux"].startswith("Conseillers numériques") for row in cnfs_rows)
    assert any("|" in row["services"] for row in cnfs_rows)


def test_the_zeros_convention_exports_every_site_and_still_validates(national, tmp_path):
    out = io.StringIO()
    path = tmp_path / "lieux.csv"
    call_command(
        "export_sites", "--format", "lieux-v1-csv", "--output", str(path), "--unknown-pivot", "zeros", stdout=out
    )
    assert f"{Site.objects.count()} lieux écrits" in out.getvalue()
    assert Resource(path="lieux.csv", basepath=str(tmp_path), schema=official_schema()).validate().valid


def test_the_json_export_uses_the_schema_names_with_lists(national, tmp_path):
    path = tmp_path / "lieux.json"
    call_command("export_sites", "--format", "lieux-v1-json", "--output", str(path), stdout=io.StringIO())
    records = json.loads(path.read_text(encoding="utf-8"))
    assert list(records[0]) == schema.field_names()
    assert all(record["pivot"] for record in records)
    assert isinstance(records[0]["services"], list) and isinstance(records[0]["latitude"], float)
