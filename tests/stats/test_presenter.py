"""One dashboard (cnum.stats.presenter), rendered to HTML, CSV, XLSX and the fiche, fitted to its scope (issue #16)."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from cnum.core.formatting import decimal, number
from cnum.stats import presenter, views
from cnum.stats.exports import fiche_html
from cnum.stats.forms import CURRENT_MONTH, DashboardForm, preset_period
from cnum.stats.presenter import Section
from cnum.stats.scopes import Filters, Scope
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.stats.test_pages import YEAR_2025, data  # noqa: F401 — `data` is a fixture
from tests.stats.test_perms import world  # noqa: F401 — `world` is a fixture

pytestmark = pytest.mark.django_db

URL = reverse("stats:dashboard")


def csv_tables(content: bytes) -> list[list[list[str]]]:
    blocks, block = [], []
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"):
        if row:
            block.append(row)
        else:
            blocks.append(block)
            block = []
    return [*blocks, block]


def as_text(value) -> str:
    """A cell as the three files agree on it: numbers by value (the XLSX keeps 4.0 as 4, the CSV writes "4,0")."""
    text = str(value)
    try:
        number_ = float(text.replace(",", "."))
    except ValueError:
        return text
    return decimal(int(number_) if number_.is_integer() else number_)


def test_one_dashboard_gives_the_same_figures_in_html_csv_and_xlsx(client, data):  # noqa: F811
    user = UserFactory(programme_team=True)
    client.force_login(user)
    query = {**YEAR_2025, "scope": "national"}
    since, until = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    board = presenter.build(Scope.parse("national"), since, until, user=user, scope_url=str)
    tables = board.tables()
    assert "Régions" in [title for title, _, _ in tables]  # the scopes one level down are exported too
    expected = [[[title], headers, *[[as_text(v) for v in row] for row in rows]] for title, headers, rows in tables]
    exported = csv_tables(client.get(reverse("stats:export", args=["csv"]), query).content)
    assert [[[as_text(cell) for cell in row] for row in block] for block in exported] == expected
    workbook = load_workbook(io.BytesIO(client.get(reverse("stats:export", args=["xlsx"]), query).content))
    sheets = [[[as_text(v) for v in row if v is not None] for row in sheet.values] for sheet in workbook]
    assert sheets == expected
    html = client.get(URL, query).content.decode()
    by_title = {title: rows for title, _, rows in tables}
    key_figures = dict(map(tuple, by_title["Chiffres clés"]))
    for key in board.tile_keys:
        value = board.figures[key]
        assert key_figures[presenter.row_label(presenter.MEASURE[key])] == presenter.table_value(key, value)
        assert re.search(rf'data-figure="{key}">{re.escape(presenter.shown(key, value))}<', html), key
    for breakdown in presenter.shown_breakdowns(board.figures):  # tags only when the reader has some
        for label, count, _share in by_title[breakdown.title]:
            assert f'<th scope="row">{escape(label)}</th><td>{number(count)}</td>' in html, (breakdown.key, label)
    for month, activities, accompaniments in by_title["Par mois"]:
        cells = f'<th scope="row">{presenter.month_label(month)}</th><td>{activities}</td><td>{accompaniments}</td>'
        assert cells in html


def test_views_only_parse_build_and_render():
    names = vars(views)
    assert not {"engine", "charts", "maps", "indicators", "programme_figures"} & names.keys()


def test_the_fiche_prints_the_dashboards_tables(data):  # noqa: F811
    board = presenter.build(Scope.parse("national"), datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    html = fiche_html(board)
    tables = {title: rows for title, _, rows in board.tables()}
    for label, count, _share in tables["Thématiques"]:
        assert f"<td>{escape(label)}</td>" in html and number(count) in html


# --- fitted to the scope ---------------------------------------------------------------------------------------


def page(client, scope: str, **extra) -> str:
    client.force_login(UserFactory(programme_team=True))
    return client.get(URL, {**YEAR_2025, "scope": scope, **extra}).content.decode()


def test_a_national_dashboard_has_the_map_the_split_and_the_programme(client, data):  # noqa: F811
    html = page(client, "national")
    assert "Carte par département" in html and 'id="section-tableau-carte"' in html
    assert 'id="section-tableau-by_employer_type"' in html
    assert 'data-figure="activation_rate"' in html and 'data-figure="advisors_in_post"' in html


def test_an_advisors_dashboard_drops_what_means_nothing_for_one_person(client, data):  # noqa: F811
    html = page(client, f"advisor:{data['advisors']['lyon'].pk}")
    assert "Carte par département" not in html and 'id="section-tableau-carte"' not in html
    assert 'id="section-tableau-by_employer_type"' not in html
    assert 'data-figure="activation_rate"' not in html and "Postes et conseillers" not in html
    assert 'data-figure="advisors_in_post"' not in html and 'data-figure="advisors_recording"' not in html
    assert 'data-figure="activities"' in html and 'id="section-tableau-individual_vs_collective"' in html
    client.force_login(UserFactory(programme_team=True))
    query = {**YEAR_2025, "scope": f"advisor:{data['advisors']['lyon'].pk}"}
    exported = client.get(reverse("stats:export", args=["csv"]), query).content.decode("utf-8-sig")
    assert "Employeur public ou privé" not in exported and "Par département" not in exported
    assert "Taux d'activation" not in exported and "Conseillers en poste" not in exported


def test_a_structure_narrowed_to_one_advisor_is_an_advisors_dashboard(client, data):  # noqa: F811
    advisor = data["advisors"]["lyon"]
    html = page(client, f"structure:{data['lyon'].pk}", conseiller=advisor.pk)
    assert 'data-figure="advisors_in_post"' not in html and "Postes et conseillers" not in html


def test_a_teams_dashboard_has_no_map_no_split_no_posts_but_its_advisors(client, data):  # noqa: F811
    html = page(client, f"team:{data['team'].pk}")
    assert "Carte par département" not in html and 'id="section-tableau-by_employer_type"' not in html
    assert 'data-figure="activation_rate"' not in html and 'data-figure="posts_granted"' not in html
    assert 'data-figure="advisors_in_post"' in html


def test_a_structures_dashboard_keeps_its_posts_but_not_the_public_private_split(client, data):  # noqa: F811
    html = page(client, f"structure:{data['lyon'].pk}")
    assert 'data-figure="activation_rate"' in html and 'id="section-tableau-by_employer_type"' not in html
    assert 'id="table-programme-employeurs"' not in html and "Carte par département" not in html
    client.force_login(UserFactory(programme_team=True))
    query = {**YEAR_2025, "scope": f"structure:{data['lyon'].pk}"}
    exported = client.get(reverse("stats:export", args=["csv"]), query).content.decode("utf-8-sig")
    assert "Postes accordés" in exported and "Structures et postes par employeur" not in exported
    assert 'id="table-programme-employeurs"' in page(client, "departement:69")


def test_a_single_child_is_a_link_not_a_table_of_one_row(client, data):  # noqa: F811
    # The Lyon structure has one advisor with activities: no table repeating the structure's own totals.
    html = page(client, f"structure:{data['lyon'].pk}")
    assert '<table id="sous-perimetres">' not in html
    advisor = data["advisors"]["lyon"]
    assert re.search(
        rf'<p id="sous-perimetres">Toutes ces activités relèvent de <a href="[^"]*conseiller={advisor.pk}"', html
    )
    # France has two régions with activities: a table.
    assert '<table id="sous-perimetres">' in page(client, "national")


def test_every_scope_kind_declares_its_sections():
    assert presenter.SECTIONS[Scope.parse("national").kind] == frozenset(Section)
    assert presenter.sections_of(Scope.parse("national"), Filters(advisor="1")) == frozenset()


# --- the current month -----------------------------------------------------------------------------------------


def test_the_current_month_is_a_preset_read_from_the_months_rollup():
    assert preset_period(CURRENT_MONTH, datetime.date(2026, 2, 10)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    form = DashboardForm({"periode": CURRENT_MONTH}, today=datetime.date(2026, 12, 2))
    assert form.is_valid() and form.period == (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    assert "Mois en cours" in dict(form.fields["periode"].choices).values()
    # A query naming no period reads the current year: the select shows it first, not the current month.
    unnamed = DashboardForm({})
    assert unnamed.is_valid() and unnamed.cleaned_data["periode"] == unnamed.fields["periode"].choices[0][0]


def test_the_current_months_dashboard_counts_this_month_from_the_rollups(client, world):  # noqa: F811
    today = datetime.date.today()
    ActivityFactory(advisor=world["advisors"]["lyon"], structure=world["lyon"], date=today)
    ActivityFactory(advisor=world["advisors"]["lyon"], structure=world["lyon"], date=today.replace(day=1))
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    ActivityFactory(advisor=world["advisors"]["lyon"], structure=world["lyon"], date=last_month)
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, {"scope": "national", "periode": CURRENT_MONTH}).content.decode()
    assert re.search(r'data-figure="activities">2<', html)
    assert "Calculé en direct" not in html


def test_a_period_without_activity_says_so_once_instead_of_empty_charts(client, data):  # noqa: F811
    html = page(client, "national", du="2024-01-01", au="2024-12-31")
    assert 'id="aucune-activite"' in html and "Aucune activité sur cette période" in html
    assert "cnum-chart" not in html and "Répartitions" not in html
    assert 'data-figure="activities">0<' in html
    assert 'id="aucune-activite"' not in page(client, "national")
