import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.activities.enums import PlaceType, Theme
from cnum.stats import engine
from cnum.stats.forms import preset_period
from cnum.stats.scopes import Filters, Scope
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.stats.test_perms import user_with, world  # noqa: F401 — `world` is a fixture
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

URL = reverse("stats:dashboard")
YEAR_2025 = {"du": "2025-01-01", "au": "2025-12-31"}


@pytest.fixture
def data(world):  # noqa: F811
    """Activities in Lyon (3, one a workshop), Bourg-en-Bresse (1) and Marseille (2), in 2025, rollups rebuilt."""
    advisors = world["advisors"]
    for day in (datetime.date(2025, 1, 15), datetime.date(2025, 3, 10)):
        ActivityFactory(advisor=advisors["lyon"], structure=world["lyon"], date=day, themes=[Theme.EMAIL])
    ActivityFactory(advisor=advisors["lyon"], structure=world["lyon"], collective=True, themes=[Theme.HEALTH])
    ActivityFactory(advisor=advisors["bourg"], structure=world["bourg"], place_type=PlaceType.REMOTE, site=None)
    for _ in range(2):
        ActivityFactory(advisor=advisors["marseille"], structure=world["marseille"], followed=True)
    call_command("stats_verify", verbosity=0, stdout=io.StringIO())
    return world


def figure(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">([^<]*)<', html)
    assert match, key
    return match.group(1)


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_programme_team_default_scope_and_figures_equal_the_engine(client, data):
    client.force_login(UserFactory(programme_team=True))
    response = client.get(URL, YEAR_2025)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Statistiques — France entière</h1>" in html
    expected = engine.figures(Scope.parse("national"), datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert expected["activities"] == 6
    for key in ("activities", "accompaniments", "beneficiaries", "new_beneficiaries", "collective_participants"):
        assert figure(html, key) == str(expected[key]), key
    assert expected["hours"] == 4.0 and figure(html, "hours") == "4"
    assert figure(html, "progressed_rate") == "sans objet"
    assert "Calculé en direct" not in html


@pytest.mark.parametrize(
    ("role", "scope_key", "label"),
    [
        (Role.PREFECTURE_DEPARTEMENT, "rhone", "Département Rhône (69)"),
        (Role.PREFECTURE_REGION, "region", "Région Auvergne-Rhône-Alpes (84)"),
        (Role.HUB, "hub", "Hub territorial Hub du Rhône"),
        (Role.NATIONAL_NETWORK, "network", "Réseau national Réseau des mairies"),
        (Role.STRUCTURE_MANAGER, "lyon", "Structure employeuse Mairie de Lyon"),
        # The team's name says "Équipe" already: the title does not say it twice (issue #16).
        (Role.COORDINATOR, "team", "Équipe n° "),
    ],
)
def test_each_role_opens_on_its_own_scope(client, data, role, scope_key, label):
    target = data["rhone"].region if scope_key == "region" else data[scope_key]
    client.force_login(user_with(role, target))
    response = client.get(URL, YEAR_2025)
    assert response.status_code == 200
    assert f"<h1>Statistiques — {label}" in response.content.decode()


def test_advisor_opens_on_their_own_figures(client, data):
    advisor = data["advisors"]["lyon"]
    client.force_login(advisor.user)
    response = client.get(URL, YEAR_2025)
    html = response.content.decode()
    assert f"Conseiller numérique {advisor.full_name}" in html
    assert figure(html, "activities") == "3"


@pytest.mark.parametrize(
    ("role", "scope_key", "outside"),
    [
        (Role.PREFECTURE_DEPARTEMENT, "rhone", "departement:13"),
        (Role.PREFECTURE_DEPARTEMENT, "rhone", "national"),
        (Role.PREFECTURE_REGION, "region", "region:93"),
        (Role.STRUCTURE_MANAGER, "lyon", "departement:69"),
        (Role.COORDINATOR, "team", "departement:69"),
        (Role.HUB, "hub", "departement:01"),
        (Role.NATIONAL_NETWORK, "network", "departement:69"),
    ],
)
def test_scope_outside_the_role_is_forbidden(client, data, role, scope_key, outside):
    target = data["rhone"].region if scope_key == "region" else data[scope_key]
    client.force_login(user_with(role, target))
    assert client.get(URL, {"scope": outside}).status_code == 403
    assert client.get(reverse("stats:export", args=["csv"]), {"scope": outside}).status_code == 403


def test_advisor_cannot_see_another_advisor(client, data):
    client.force_login(data["advisors"]["lyon"].user)
    other = data["advisors"]["marseille"]
    assert client.get(URL, {"scope": f"advisor:{other.pk}"}).status_code == 403


def test_unknown_scope_is_not_found(client, data):
    client.force_login(UserFactory(programme_team=True))
    assert client.get(URL, {"scope": "departement:99"}).status_code == 404
    assert client.get(URL, {"scope": "planete:1"}).status_code == 404


def test_user_without_role_is_forbidden(client, data):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_filters_change_the_figures(client, data):
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, {**YEAR_2025, "type": "collectif"}).content.decode()
    assert figure(html, "activities") == "1"
    html = client.get(URL, {**YEAR_2025, "lieu": "a_distance"}).content.decode()
    assert figure(html, "activities") == "1"
    html = client.get(URL, {**YEAR_2025, "employeur": "private"}).content.decode()
    assert figure(html, "activities") == "0"
    html = client.get(URL, {**YEAR_2025, "theme": "sante"}).content.decode()
    expected = engine.figures(Scope.parse("national"), None, None, Filters(theme="sante"))
    assert figure(html, "activities") == str(expected["activities"]) == "1"
    assert "Calculé en direct" in html


def test_errors_are_french_and_keep_what_was_typed(client, data):
    client.force_login(UserFactory(programme_team=True))
    response = client.get(URL, {"du": "2025-06-01", "au": "2025-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "La date de fin doit être postérieure ou égale à la date de début." in html
    assert 'value="2025-06-01"' in html and 'value="2025-01-01"' in html
    assert 'data-figure="activities"' not in html
    html = client.get(URL, {"theme": "cuisine"}).content.decode()
    assert "Sélectionnez un choix valide" in html


def test_custom_period_and_preset(client, data):
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, {"du": "2025-01-01", "au": "2025-01-31"}).content.decode()
    assert figure(html, "activities") == "1"
    assert "du 01/01/2025 au 31/01/2025" in html
    html = client.get(URL, {"periode": "tout"}).content.decode()
    assert figure(html, "activities") == "6" and "depuis le début" in html
    # A preset wins over dates typed before it was chosen.
    html = client.get(URL, {"periode": "tout", "du": "2025-01-01", "au": "2025-01-31"}).content.decode()
    assert figure(html, "activities") == "6"


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("annee", (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))),
        ("annee-precedente", (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))),
        ("12-mois", (datetime.date(2025, 3, 1), datetime.date(2026, 2, 28))),
        ("tout", (None, None)),
    ],
)
def test_presets(preset, expected):
    assert preset_period(preset, datetime.date(2026, 3, 15)) == expected


def test_twelve_months_in_january(client):
    assert preset_period("12-mois", datetime.date(2026, 1, 5)) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )


def test_drill_down_from_nation_to_advisor(client, data):
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, YEAR_2025).content.decode()
    assert "scope=region%3A84" in html and "scope=region%3A93" in html
    html = client.get(URL, {**YEAR_2025, "scope": "region:84"}).content.decode()
    assert "scope=departement%3A69" in html and "scope=departement%3A01" in html
    html = client.get(URL, {**YEAR_2025, "scope": "departement:69"}).content.decode()
    lyon = data["lyon"]
    assert f"scope=structure%3A{lyon.pk}" in html and lyon.name in html
    html = client.get(URL, {**YEAR_2025, "scope": f"structure:{lyon.pk}"}).content.decode()
    advisor = data["advisors"]["lyon"]
    # An advisor's row links to the structure's figures narrowed to them: the share the row counts.
    assert f"scope=structure%3A{lyon.pk}&amp;conseiller={advisor.pk}" in html and advisor.full_name in html
    # The period and filters follow the links.
    assert "du=2025-01-01" in html


def test_breadcrumb_from_an_advisor_up_to_france(client, data):
    client.force_login(UserFactory(programme_team=True))
    advisor = data["advisors"]["lyon"]
    html = client.get(URL, {"scope": f"advisor:{advisor.pk}", "periode": "tout"}).content.decode()
    crumbs = html[html.index('class="fr-breadcrumb__list"') : html.index("</ol>")]
    expected = [
        "scope=national",
        "scope=region%3A84",
        "scope=departement%3A69",
        f"scope=structure%3A{data['lyon'].pk}",
    ]
    positions = [crumbs.index(fragment) for fragment in expected]
    assert positions == sorted(positions)
    assert f'aria-current="page">Conseiller numérique {advisor.full_name}<' in crumbs


def test_hub_lists_its_departements(client, data):
    client.force_login(user_with(Role.HUB, data["hub"]))
    html = client.get(URL, YEAR_2025).content.decode()
    table = html[html.index('id="sous-perimetres"') :]
    table = table[: table.index("</table>")]
    assert "Rhône (69)" in table and "scope=departement%3A69" in table and "Ain" not in table


def test_structure_list_does_not_query_per_structure(client, data, django_assert_max_num_queries):
    client.force_login(user_with(Role.PREFECTURE_DEPARTEMENT, data["rhone"]))
    with CaptureQueriesContext(connection) as few:
        client.get(URL, YEAR_2025)
    for _ in range(5):
        ActivityFactory(structure=StructureFactory(departement=data["rhone"]))
    call_command("stats_verify", verbosity=0, stdout=io.StringIO())
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(URL, YEAR_2025).content.decode()
    assert html.count("scope=structure%3A") >= 6


def test_links_only_where_the_role_may_go(client, data):
    client.force_login(user_with(Role.PREFECTURE_DEPARTEMENT, data["rhone"]))
    html = client.get(URL, YEAR_2025).content.decode()
    # The breadcrumb shows France and the région, not as links; the structures of the Rhône are links.
    assert "scope=region%3A84" not in html and "scope=national" not in html
    assert "Région Auvergne-Rhône-Alpes (84)" in html
    assert f"scope=structure%3A{data['lyon'].pk}" in html
    # The map links the Rhône only.
    assert "scope=departement%3A69" in html and "scope=departement%3A13" not in html


def test_export_links_keep_the_query(client, data):
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, {**YEAR_2025, "scope": "departement:69"}).content.decode()
    for fmt in ("csv", "xlsx", "pdf"):
        assert (
            f"/statistiques/tableau-de-bord/export.{fmt}?du=2025-01-01&amp;au=2025-12-31&amp;scope=departement%3A69"
            in html
        )


def test_export_csv(client, data):
    pytest.importorskip("cnum.stats.exports")
    client.force_login(user_with(Role.PREFECTURE_DEPARTEMENT, data["rhone"]))
    response = client.get(reverse("stats:export", args=["csv"]), {**YEAR_2025, "scope": "departement:69"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="statistiques-departement-69-2025.csv"'


def test_export_xlsx_and_invalid_period(client, data):
    client.force_login(UserFactory(programme_team=True))
    response = client.get(reverse("stats:export", args=["xlsx"]), {"periode": "tout"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="statistiques-national-tout.xlsx"'
    assert response.content[:2] == b"PK"
    response = client.get(reverse("stats:export", args=["csv"]), {"du": "2025-06-01", "au": "2025-01-01"})
    assert response.status_code == 400 and "postérieure" in response.content.decode()


def test_navigation_has_statistics(client, data):
    client.force_login(user_with(Role.PREFECTURE_DEPARTEMENT, data["rhone"]))
    html = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{URL}"' in html and "Statistiques" in html


def test_every_chart_has_its_table(client, data):
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, YEAR_2025).content.decode()
    charts = re.findall(r'<svg class="cnum-chart"[^>]* id="([^"]+)"', html)
    assert len(charts) >= 10
    for chart_id in charts:
        assert f'id="table-{chart_id}"' in html, chart_id
    assert "Fond de carte : Victor Cazanave" in html
    # The themes chart describes the values its table gives.
    description = re.search(r'<desc id="tableau-by_theme-desc">([^<]*)</desc>', html).group(1)
    assert "E-mail : 5" in description and "Santé : 1" in description
    table = html[html.index('id="table-tableau-by_theme"') :]
    table = table[: table.index("</table>")]
    assert re.search(r"<th scope=\"row\">E-mail</th><td>5</td>", table)
    assert re.search(r"<th scope=\"row\">Santé</th><td>1</td>", table)


def test_daily_series_for_short_periods_only(client, data):
    client.force_login(UserFactory(programme_team=True))
    html = client.get(URL, {"du": "2025-01-01", "au": "2025-03-31"}).content.decode()
    assert "Évolution quotidienne" in html
    assert '<th scope="row">15/01/2025</th><td>1</td><td>1</td>' in html
    html = client.get(URL, YEAR_2025).content.decode()
    assert "Évolution quotidienne" not in html
