import csv
import io

import pytest
from django.core.management import call_command

from tests.activities.factories import AccompanimentFactory, ActivityFactory

pytestmark = pytest.mark.django_db


def read(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def export(tmp_path, fmt="csv", **options):
    path = tmp_path / f"out.{fmt}"
    call_command("export_activities", format=fmt, output=str(path), stdout=io.StringIO(), **options)
    return path


def test_one_row_per_accompaniment_and_one_for_anonymous_participants(tmp_path):
    ActivityFactory(followed=True)
    collective = ActivityFactory(collective=True, anonymous_first_time=2)
    AccompanimentFactory(activity=collective, followed=True)
    rows = read(export(tmp_path))
    assert len(rows) == 3
    assert sum(int(row["nombre_personnes"]) for row in rows) == 1 + 1 + 5
    text = export(tmp_path).read_text(encoding="utf-8")
    beneficiary = collective.accompaniments.get().beneficiary
    assert beneficiary.last_name not in text and beneficiary.first_name not in text


def test_pseudonyms_change_between_exports(tmp_path):
    ActivityFactory()
    first = read(export(tmp_path))[0]
    second = read(export(tmp_path))[0]
    assert first["beneficiaire"] != second["beneficiaire"]


def test_scope_filter(tmp_path):
    kept = ActivityFactory()
    ActivityFactory()
    rows = read(export(tmp_path, structure=kept.structure_id))
    assert [row["structure_id"] for row in rows] == [str(kept.structure_id)]


def test_formula_injection_is_neutralised(tmp_path):
    from openpyxl import load_workbook

    ActivityFactory(themes=["=HYPERLINK(1)"])
    workbook = load_workbook(export(tmp_path, "xlsx"), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert rows[1][rows[0].index("thematiques")] == "'=HYPERLINK(1)"
