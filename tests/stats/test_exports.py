import datetime
import io
import re
import zlib

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from cnum.activities.enums import ActivityType, Progress, Theme
from cnum.stats import presenter
from cnum.stats.exports import as_csv, as_xlsx, fiche_html, fiche_pdf
from cnum.stats.programme import programme_figures
from cnum.stats.scopes import Filters, Scope
from cnum.structures.enums import StructureType
from tests.activities.factories import ActivityFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db
MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))


@pytest.fixture
def activity():
    """Three activities in the Rhône (one workshop, one with a private employer), one in the Ain."""
    rhone, ain = DepartementFactory(code="69"), DepartementFactory(code="01", name="Ain")
    association = StructureFactory(departement=rhone, type=StructureType.ASSOCIATION)
    ActivityFactory(accompaniment__progressed=Progress.YES, themes=[Theme.EMAIL, Theme.HEALTH])
    ActivityFactory(accompaniment__progressed=Progress.NO, themes=[Theme.EMAIL], structure=association)
    ActivityFactory(collective=True, anonymous_first_time=2, themes=[Theme.HEALTH])
    ActivityFactory(structure=StructureFactory(departement=ain), date=datetime.date(2025, 4, 2))
    call_command("stats_verify", verbosity=0, stdout=io.StringIO())


def tables_by_title(scope: str, since=None, until=None, filters=None) -> dict:
    board = presenter.build(Scope.parse(scope), since, until, filters)
    return {title: (headers, rows) for title, headers, rows in board.tables()}


def test_tables_have_french_headers_labels_and_shares(activity):
    tables = tables_by_title("national")
    headers, rows = tables["Chiffres clés"]
    assert headers == ["Indicateur", "Valeur"]
    assert dict(map(tuple, rows))["Activités"] == 4
    assert dict(map(tuple, rows))["Accompagnements"] == 8
    assert dict(map(tuple, rows))["Part des personnes ayant progressé (%)"] == 50.0
    headers, rows = tables["Individuel ou collectif"]
    assert headers == ["Type", "Activités", "Accompagnements", "Part des activités (%)"]
    assert rows == [["Accompagnement individuel", 3, 3, 75], ["Atelier collectif", 1, 5, 25]]
    _, rows = tables["Employeur public ou privé"]
    assert rows == [["Employeur public", 3, 7, 75], ["Employeur privé", 1, 1, 25]]
    headers, rows = tables["Thématiques"]
    assert headers == ["Thématique", "Activités", "Part des mentions (%)"]
    assert rows == [["E-mail", 3, 60], ["Santé", 2, 40]]
    _, rows = tables["Lieu"]
    assert rows == [["Lieu d'activité", 4, 100]]
    _, rows = tables["Durée"]
    assert ["De 30 min à 1 h", 3, 75] in rows
    _, rows = tables["Genre"]
    assert rows == [["Non communiqué", 8, 100]]
    assert tables["Par mois"] == (
        ["Mois", "Activités", "Accompagnements"],
        [["2025-03", 3, 7], ["2025-04", 1, 1]],
    )
    assert tables["Par département"][1] == [["01", "Ain", 1, 1], ["69", "Rhône", 3, 7]]
    assert tables["Source des calculs"][1][0] == ["Indicateurs", "tables d'agrégats"]


def test_programme_adds_its_tables(activity):
    programme = programme_figures(Scope.parse("departement:69"), datetime.date(2025, 3, 31))
    tables = tables_by_title("departement:69", *MARCH)
    rows = dict(map(tuple, tables["Programme"][1]))
    assert rows["Postes accordés"] == programme["posts_granted"]
    # Advisors in post are a key figure, written once (issue #16: no figure twice).
    assert "Conseillers en poste" not in rows
    assert dict(map(tuple, tables["Chiffres clés"][1]))["Conseillers en poste"] == programme["advisors_in_post"]
    assert rows["Taux d'activation des postes (%)"] == "sans objet"
    assert [row[0] for row in tables["Structures et postes par employeur"][1]] == [
        "Employeur public",
        "Employeur privé",
    ]


def test_csv_has_bom_semicolons_blocks_and_neutralises_formulas():
    tables = [
        ("Chiffres clés", ["Indicateur", "Valeur"], [["Activités", 12], ["Heures", 2.5]]),
        ("Par département", ["Code", "Département"], [["69", '=HYPERLINK("http://x")'], ["01", "@SUM(A1)"]]),
    ]
    content = as_csv(tables)
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[:5] == ["Chiffres clés", "Indicateur;Valeur", "Activités;12", "Heures;2,5", ""]
    assert lines[5:7] == ["Par département", "Code;Département"]
    assert lines[7] == '69;"\'=HYPERLINK(""http://x"")"'
    assert lines[8] == "01;'@SUM(A1)"


def test_xlsx_opens_with_one_sheet_per_table_numbers_bold_headers_and_no_formula(activity):
    tables = presenter.build(Scope.parse("national"), None, None).tables()
    tables.append(("Thématiques des ateliers du département et de la région", ["Thème", "Total"], [["=1+1", 3]]))
    tables.append(("Thématiques des ateliers du département et des EPCI", ["Thème", "Total"], [["-2", 4]]))
    workbook = load_workbook(io.BytesIO(as_xlsx(tables)))
    names = workbook.sheetnames
    assert len(names) == len(tables) == len({name.lower() for name in names})
    assert all(len(name) <= 31 for name in names)
    sheet = workbook["Chiffres clés"]
    assert sheet["A1"].value == "Chiffres clés" and sheet["A2"].value == "Indicateur" and sheet["A2"].font.bold
    assert sheet["A3"].value == "Activités" and sheet["B3"].value == 4 and sheet["B3"].data_type == "n"
    long = workbook[names[-2]]
    assert long["A3"].value == "'=1+1" and long["A3"].data_type == "s" and long["B3"].value == 3
    # A text that is one signed number calls nothing: it stays as it is, as text (cnum.core.tabular).
    assert workbook[names[-1]]["A3"].value == "-2" and workbook[names[-1]]["A3"].data_type == "s"
    assert names[-2:] == ["Thématiques des ateliers du dép", "Thématiques des ateliers du (2)"]


def pdf_title(pdf: bytes) -> str:
    """The /Title of the PDF's metadata (WeasyPrint keeps it in a compressed object stream, in UTF-16)."""
    # A stream's last byte may be a "\r" that the pattern cannot tell from the line end: decompressed as far as it
    # goes (the title is never in the last bytes), so that a PDF whose dates happen to compress to it still reads.
    for stream in re.findall(rb"stream\r?\n(.*?)\nendstream", pdf, re.S):
        try:
            data = zlib.decompressobj().decompress(stream)
        except zlib.error:
            continue
        match = re.search(rb"/Title\s*<feff([0-9a-fA-F]+)>", data)
        if match:
            return bytes.fromhex(match.group(1).decode()).decode("utf-16-be")
    return ""


def test_fiche_is_a_pdf_titled_with_the_territory(activity):
    pdf = fiche_pdf(presenter.build(Scope.parse("departement:69"), *MARCH))
    assert pdf.startswith(b"%PDF")
    assert pdf_title(pdf) == "Fiche territoriale — Département Rhône (69)"


def test_fiche_html_has_figures_definitions_and_departements_for_a_region(activity):
    html = fiche_html(presenter.build(Scope.parse("region:84"), datetime.date(2025, 3, 1), datetime.date(2025, 4, 30)))
    assert "Région Auvergne-Rhône-Alpes (84)" in html and "du 01/03/2025 au 30/04/2025" in html
    assert "Personnes distinctes accompagnées dans la période" in html
    assert "E-mail" in html and "Employeur privé" in html and "2025-03" in html
    assert "Rhône (69)" in html and "Ain (01)" in html and "Source" in html
    single = fiche_html(presenter.build(Scope.parse("departement:69"), *MARCH))
    assert "Par département" not in single


def test_fiche_command_writes_the_pdf(activity, tmp_path):
    output = tmp_path / "fiche.pdf"
    out = io.StringIO()
    call_command(
        "fiche_territoriale", "--scope", "departement:01", "--from", "2025-04-01", "--output", str(output), stdout=out
    )
    assert output.read_bytes().startswith(b"%PDF")
    assert pdf_title(output.read_bytes()) == "Fiche territoriale — Département Ain (01)"
    assert "Ain" in out.getvalue()
    with pytest.raises(CommandError, match="introuvable"):
        call_command("fiche_territoriale", scope="departement:99", output=str(output), stdout=io.StringIO())


def test_type_labels_come_from_the_enums_and_live_figures_say_so(activity):
    filters = Filters(theme=Theme.HEALTH)
    tables = tables_by_title("national", *MARCH, filters)
    labels = [row[0] for row in tables["Individuel ou collectif"][1]]
    assert labels == [label for _, label in ActivityType.choices]
    assert dict(map(tuple, tables["Chiffres clés"][1]))["Activités"] == 2
    assert tables["Source des calculs"][1] == [
        ["Indicateurs", "calcul direct sur les activités"],
        ["Personnes distinctes", "calcul direct sur les activités"],
    ]
