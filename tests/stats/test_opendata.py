import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cnum.activities.enums import Progress, Theme
from cnum.activities.models import Beneficiary
from cnum.activities.services import recompute_first_accompaniments
from cnum.stats import engine, opendata
from cnum.stats.scopes import Scope
from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
MARCH, APRIL = datetime.date(2025, 3, 10), datetime.date(2025, 4, 10)


def activities(departement, day, count, **options):
    structure = StructureFactory(departement=departement)
    for _ in range(count):
        ActivityFactory(structure=structure, date=day, **options)


@pytest.fixture
def history():
    """Rhône: a busy March (a returning person, a workshop, progress answers) and April; Bouches-du-Rhône: 6 then
    7 activities; Ain: 2 in March (secret) and 10 in April; Savoie: 3 activities in April only."""
    rhone = DepartementFactory(code="69")
    ain = DepartementFactory(code="01", name="Ain")
    bdr = DepartementFactory(code="13", name="Bouches-du-Rhône", region=RegionFactory(code="93", name="PACA"))
    savoie = DepartementFactory(code="73", name="Savoie")
    structure, advisor = StructureFactory(departement=rhone), AdvisorFactory()
    for progressed in [Progress.YES] * 4 + [Progress.NO] * 2:
        ActivityFactory(structure=structure, advisor=advisor, date=MARCH, accompaniment__progressed=progressed)
    person = BeneficiaryFactory(advisor=advisor, followed=True)
    for day in (MARCH, MARCH + datetime.timedelta(days=2)):
        ActivityFactory(structure=structure, advisor=advisor, date=day, accompaniment__beneficiary=person)
    workshop = ActivityFactory(
        structure=structure,
        advisor=advisor,
        date=MARCH,
        collective=True,
        anonymous_participants=5,
        anonymous_first_time=3,
        anonymous_progressed=2,
        anonymous_asked=3,
        themes=[Theme.HEALTH, Theme.EMAIL],
    )
    AccompanimentFactory(activity=workshop, beneficiary=person)
    activities(rhone, APRIL, 8)
    activities(bdr, MARCH, 6)
    activities(bdr, APRIL, 7, themes=[Theme.HEALTH])
    activities(ain, MARCH, 2)
    activities(ain, APRIL, 10)
    activities(savoie, APRIL, 3)
    recompute_first_accompaniments(Beneficiary.objects.values_list("pk", flat=True))
    call_command("stats_verify", verbosity=0, stdout=io.StringIO())


def export(tmp_path, *args) -> dict[str, list[dict]]:
    out = io.StringIO()
    call_command("opendata_export", "--output", str(tmp_path), *args, stdout=out)
    assert "Données ouvertes écrites" in out.getvalue()
    return {
        name: list(csv.DictReader(io.StringIO((tmp_path / name).read_text(encoding="utf-8"))))
        for name in ("activite-departement-mois.csv", "activite-departement-theme.csv", "lieux.csv")
    }


def test_files_exist_with_the_documented_columns(history, tmp_path):
    files = export(tmp_path, "--from", "2025-03", "--to", "2025-04")
    assert list(files["activite-departement-mois.csv"][0]) == list(opendata.MONTH_COLUMNS)
    assert list(files["activite-departement-theme.csv"][0]) == list(opendata.THEME_COLUMNS)
    assert (tmp_path / "lieux.csv").read_text(encoding="utf-8").startswith("id,")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    for name in ("activite-departement-mois.csv", "activite-departement-theme.csv", "lieux.csv"):
        assert f"### {name}" in readme
    for column in (*opendata.MONTH_COLUMNS, *opendata.THEME_COLUMNS):
        assert f"`{column}`" in readme
    assert "Licence Ouverte" in readme and "Etalab" in readme and "Secret statistique" in readme
    assert f"Fichiers générés le {timezone.localdate():%d/%m/%Y}" in readme
    assert "de 2025-03 à 2025-04" in readme


def test_figures_of_a_busy_departement_month_equal_the_engine(history, tmp_path):
    rows = export(tmp_path, "--from", "2025-03", "--to", "2025-04")["activite-departement-mois.csv"]
    row = next(row for row in rows if (row["departement"], row["mois"]) == ("69", "2025-03"))
    figures = engine.figures(Scope.parse("departement:69"), datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    assert figures["computed"] == {"figures": "rollups", "people": "rollups"}
    assert row["nom_departement"] == "Rhône" and row["secret_statistique"] == "0"
    assert int(row["activites"]) == figures["activities"] == 9
    assert int(row["accompagnements"]) == figures["accompaniments"] == 14
    # Six new people, the returning one counted once, and the workshop's three first-timers.
    assert int(row["personnes_accompagnees"]) == figures["beneficiaries"] == 10
    assert int(row["nouvelles_personnes"]) == figures["new_beneficiaries"] == 10
    assert float(row["part_ayant_progresse"]) == round(figures["progressed_rate"], 4) == round(6 / 9, 4)


def test_no_published_count_below_five_and_secondary_suppression(history, tmp_path):
    files = export(tmp_path, "--from", "2025-03", "--to", "2025-04")
    rows = files["activite-departement-mois.csv"]
    cells = {(row["departement"], row["mois"]): row for row in rows}
    for row in rows:
        counts = [row[name] for name in opendata.MONTH_COUNTS]
        if row["secret_statistique"] == "1":
            assert counts == ["", "", "", ""] and row["part_ayant_progresse"] == ""
        else:
            assert all(int(count) >= 5 for count in counts), row
    secret = {key for key, row in cells.items() if row["secret_statistique"] == "1"}
    # Primary: Ain in March (2), Savoie in April (3). Ain's April then gives its March from Ain's total: hidden,
    # with the cheapest pair closing the cycle through March and April (Bouches-du-Rhône, 6 + 7).
    assert secret == {("01", "2025-03"), ("01", "2025-04"), ("13", "2025-03"), ("13", "2025-04"), ("73", "2025-04")}
    for line in {code for code, _ in cells} | {month for _, month in cells}:
        hidden = [key for key in secret if line in key]
        alone = [key for key in cells if line in key] == hidden == [("73", "2025-04")]
        assert len(hidden) != 1 or alone, line
    themes = files["activite-departement-theme.csv"]
    for row in themes:
        assert (row["activites"] == "") == (row["secret_statistique"] == "1")
        assert row["activites"] == "" or int(row["activites"]) >= 5
    health = {row["departement"]: row for row in themes if row["thematique"] == Theme.HEALTH}
    # Health: Rhône 1 (secret), Bouches-du-Rhône 7: the national total of health would give Rhône's, so both.
    assert set(health) == {"69", "13"}
    assert health["69"]["secret_statistique"] == health["13"]["secret_statistique"] == "1"
    assert health["69"]["libelle_thematique"] == "Santé"
    email = {row["departement"]: row["secret_statistique"] for row in themes if row["thematique"] == Theme.EMAIL}
    assert email == {"69": "0", "01": "0", "13": "1", "73": "1"}


def test_period_bounds_and_errors(history, tmp_path):
    rows = export(tmp_path, "--from", "2025-04", "--to", "2025-04")["activite-departement-mois.csv"]
    assert {row["mois"] for row in rows} == {"2025-04"}
    with pytest.raises(CommandError, match="postérieur"):
        call_command("opendata_export", output=str(tmp_path), first="2025-05", last="2025-04", stdout=io.StringIO())


def test_reads_the_rollups_in_a_few_queries(history, django_assert_max_num_queries):
    period = opendata.Period(datetime.date(2025, 3, 1), datetime.date(2025, 4, 1))
    with django_assert_max_num_queries(3):
        opendata.departement_months(period)
    with django_assert_max_num_queries(2):
        opendata.departement_themes(period)


def test_open_data_csv_cells_are_formula_safe(tmp_path):
    path = tmp_path / "essai.csv"
    opendata.write_csv(path, ["nom", "activites"], [{"nom": "=HYPERLINK(1)", "activites": -3}])
    assert path.read_text(encoding="utf-8").splitlines()[1] == "'=HYPERLINK(1),-3"
