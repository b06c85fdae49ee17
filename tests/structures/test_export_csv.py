"""export_structures --format csv writes exactly the columns import_structures --format csv reads: exported then
imported back, every row is reported unchanged."""

import csv
import io

import pytest
from django.core.management import call_command

from cnum.structures.importers.csv import COLUMNS
from cnum.structures.models import Structure
from tests.structures.factories import HubFactory, NetworkFactory, StructureFactory
from tests.structures.test_import_csv import import_file, sample  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def export(path) -> str:
    out = io.StringIO()
    call_command("export_structures", "--format", "csv", "--output", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list[dict]:
    fields = [f.attname for f in Structure._meta.concrete_fields if f.attname not in ("updated_at",)]
    return [
        {**row, "networks": sorted(Structure.objects.get(pk=row["id"]).networks.values_list("pk", flat=True))}
        for row in Structure.objects.order_by("pk").values(*fields)
    ]


def test_export_then_import_reports_every_row_unchanged(tmp_path, sample):  # noqa: F811
    import_file(sample)  # structures from the import itself (with their id in the file), and others:
    hub, network = HubFactory(name="Hub du Sud"), NetworkFactory(name="Emmaüs Connect")
    tricky = StructureFactory(name="=SOMME(A1) et compagnie", address="-1 rue du Moins", hub=hub, qpv=True)
    tricky.networks.add(network)
    StructureFactory(private=True, in_marseille=True, contact_email="contact@exemple.fr", contact_phone="+33 4 91 00")
    before = snapshot()
    path = tmp_path / "structures.csv"
    assert f"{len(before)} structures exportées" in export(path)

    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file, delimiter=";"))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == len(before) + 1
    assert any(row[1] == "'=SOMME(A1) et compagnie" for row in rows)  # neutralised for spreadsheets

    output = import_file(str(path))
    count = len(before)
    assert f"{count} lignes lues : 0 créée, 0 mise à jour, {count} inchangées, 0 rejetée" in output, output
    assert snapshot() == before
