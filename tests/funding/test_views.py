import datetime

import pytest
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.funding.models import SimulationScenario
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.funding.factories import signed_convention
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.usefixtures("reference")

PAGES = [
    ("funding:budget", "Budget du dispositif"),
    ("funding:convention_list", "Conventions"),
    ("funding:simulator", "Simulateur budgétaire"),
    ("funding:scenarios", "Comparer des scénarios"),
]


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def team_client(client):
    return logged_in(client, UserFactory(programme_team=True))


@pytest.fixture
def conventions():
    lyon = signed_convention(in_qpv=True)
    marseille = signed_convention(in_marseille=True, association=True, start=datetime.date(2024, 2, 1))
    return lyon, marseille


@pytest.mark.parametrize(("url_name", "heading"), PAGES)
def test_pages_render_for_the_programme_team_and_are_forbidden_to_an_advisor(client, conventions, url_name, heading):
    team = logged_in(client, UserFactory(programme_team=True))
    page = team.get(reverse(url_name))
    assert page.status_code == 200
    assert heading in page.content.decode()
    assert "Financement" in page.content.decode()  # the navigation entry
    client.logout()
    assert logged_in(client, UserFactory(advisor=True)).get(reverse(url_name)).status_code == 403


def test_budget_page_shows_the_voted_lines_and_the_planned_instalments(team_client, conventions):
    page = team_client.get(reverse("funding:budget")).content.decode().replace("\xa0", " ")
    assert "27 900 000 €" in page and "40 000 000 €" in page
    assert "P343 — Plan France Très haut débit" in page
    # Phase 2 pays at the end of each convention year. 2024: the Lyon post's first year in QPV (20,000 €);
    # 2025: its second year (17,500 €) and Marseille's first (20,000 €).
    assert "<td>20 000 €</td>" in page and "<td>37 500 €</td>" in page


def test_convention_detail_shows_the_schedule_and_the_ledger(team_client, conventions):
    lyon, _ = conventions
    page = team_client.get(reverse("funding:convention_detail", args=[lyon.pk])).content.decode()
    assert lyon.structure.name in page
    assert "QPV" in page
    assert page.count("Prévu") == 3
    assert "31/12/2026" in page


def test_convention_list_filters(team_client, conventions):
    lyon, marseille = conventions
    page = team_client.get(reverse("funding:convention_list"), {"departement": "13"}).content.decode()
    assert marseille.structure.name in page and lyon.structure.name not in page
    page = team_client.get(reverse("funding:convention_list"), {"q": lyon.structure.name}).content.decode()
    assert lyon.structure.name in page and marseille.structure.name not in page


def test_a_prefecture_reads_only_the_conventions_of_its_departement(client, conventions):
    lyon, marseille = conventions
    prefecture = RoleAssignmentFactory(role=Role.PREFECTURE_DEPARTEMENT, scope=DepartementFactory(code="69")).user
    logged_in(client, prefecture)
    listing = client.get(reverse("funding:convention_list")).content.decode()
    assert lyon.structure.name in listing and marseille.structure.name not in listing
    assert client.get(reverse("funding:convention_detail", args=[lyon.pk])).status_code == 200
    assert client.get(reverse("funding:convention_detail", args=[marseille.pk])).status_code == 403
    assert client.get(reverse("funding:budget")).status_code == 302  # sent to the conventions
    assert client.get(reverse("funding:simulator")).status_code == 403


def test_convention_list_queries_do_not_grow_with_the_conventions(
    team_client, conventions, django_assert_max_num_queries
):
    signed_convention(posts=3)
    with django_assert_max_num_queries(12):
        assert team_client.get(reverse("funding:convention_list")).status_code == 200


def test_simulator_shows_results_saves_a_scenario_and_compares_two(team_client, conventions):
    params = {"fiscal_year": 2025, "credits": 18000, "kind": "cp", "rule": "ongoing_first"}
    page = team_client.get(reverse("funding:simulator"), {**params, "keep": 2}).content.decode()
    assert "Enregistrer le scénario" in page
    assert "Maintenir 2 postes" in page
    assert "Structures perdant des postes" in page
    # The assumptions are computed from the ledger: Marseille in year 1, Lyon in year 2 (paid at the end).
    callout = " ".join(page.replace("\xa0", " ").split())
    assert "dont 2 ont besoin de crédits en 2025" in callout
    assert "phase 2, année 1 : 50 % des postes (1) ; phase 2, année 2 : 50 % des postes (1)" in callout
    assert "de convention (hypothèse de la plateforme : les textes publiés ne disent pas" in callout
    assert "1 500 à 1 800 postes" in callout and "en dessous de la fourchette publiée" in callout
    assert SimulationScenario.objects.count() == 0  # GET never writes

    response = team_client.post(reverse("funding:simulator"), {**params, "name": "Étroit"})
    assert response.status_code == 302
    team_client.post(reverse("funding:simulator"), {**params, "credits": 100000, "name": "Large"})
    narrow, wide = SimulationScenario.objects.order_by("credits")
    assert (narrow.results["posts_funded"], wide.results["posts_funded"]) == (1, 2)

    page = team_client.get(reverse("funding:scenarios"), {"scenarios": [narrow.pk, wide.pk]}).content.decode()
    assert "Étroit" in page and "Large" in page
    assert "Postes non financés" in page and "Par département" in page


def test_a_prefecture_cannot_save_a_scenario(client, conventions):
    prefecture = RoleAssignmentFactory(role=Role.PREFECTURE_REGION, scope=DepartementFactory(code="69").region).user
    logged_in(client, prefecture)
    params = {"fiscal_year": 2025, "credits": 1, "kind": "cp", "rule": "ongoing_first", "name": "x"}
    assert client.post(reverse("funding:simulator"), params).status_code == 403
    assert not SimulationScenario.objects.exists()
