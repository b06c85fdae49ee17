"""Five journeys in a real Chromium, one per kind of user (issue #8 "Trust"). On every page: no console error (a CSP
violation is one), no serious or critical accessibility violation (axe-core, conftest.Journey.checked)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cnum.accounts.enums import Role
from cnum.activities.enums import ActivityType
from cnum.activities.models import Activity
from cnum.funding.models import CampaignResponse, SimulationScenario
from cnum.funding.reference_data import funding_reference_load
from cnum.sites.models import Site
from cnum.structures.enums import Opinion
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.test_browser import CHROMIUM, tick
from tests.advisors.factories import ContractFactory, SiteAssignmentFactory
from tests.funding.test_browser import programme  # noqa: F401 — the renewal campaign set-up, shared
from tests.structures.factories import PostAmendmentFactory, StructureFactory
from tests.territories.factories import CommuneFactory, DepartementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

SITES_FILE = (
    "Nom du lieu;Adresse postale;CP;Ville\r\n"
    "Médiathèque de la Part-Dieu;30 boulevard Vivier-Merle;69003;Lyon\r\n"
    "Maison France services;12 rue de la Mairie;69003;Lyon\r\n"
)


def test_an_advisor_records_an_individual_and_a_collective_activity(journey, transactional_db):
    contract = ContractFactory(advisor__with_account=True)
    SiteAssignmentFactory(advisor=contract.advisor, site__name="Médiathèque du Centre")
    journey.login(contract.advisor.user.email)
    page = journey.visit("activities:create")
    tick(page, "E-mail", exact=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(journey.url("activities:list"))
    journey.checked()

    page = journey.visit("activities:create")
    tick(page, "Atelier collectif")
    page.get_by_label("Titre de l'atelier").fill("Découvrir la tablette")
    page.get_by_label("Participants anonymes").fill("7")
    tick(page, "60 min")
    tick(page, "Bureautique")
    journey.shoot("conseiller-activite")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(journey.url("activities:list"))
    journey.checked()
    assert set(Activity.objects.values_list("type", flat=True)) == {ActivityType.INDIVIDUAL, ActivityType.COLLECTIVE}
    assert "Découvrir la tablette" in page.content()


def test_a_structure_manager_reads_its_statistics_and_answers_a_campaign(journey, programme):  # noqa: F811
    journey.login(programme["manager"].email)
    page = journey.visit("stats:dashboard")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Statistiques")
    journey.shoot("structure-statistiques")
    page = journey.visit("core:dashboard")
    page.get_by_role("link", name="Répondre").click()
    journey.checked()
    page.get_by_text("Nous souhaitons renouveler").click()
    page.get_by_label("Nombre de postes demandés").fill("2")
    page.get_by_text("Conserver le ou les conseillers actuels").click()
    journey.checked()
    page.get_by_role("button", name="Enregistrer ma réponse").click()
    journey.checked()
    assert "Votre réponse est enregistrée" in page.content()
    assert CampaignResponse.objects.get(campaign=programme["campaign"]).posts_requested == 2


def test_a_prefecture_gives_its_opinion_on_a_post_amendment(journey, transactional_db):
    amendment = PostAmendmentFactory(structure=StructureFactory(approved=True, name="Ville de Lyon"))
    prefecture = RoleAssignmentFactory(role=Role.PREFECTURE_DEPARTEMENT, scope=DepartementFactory(code="69")).user
    journey.login(prefecture.email)
    page = journey.visit("structures:detail", amendment.structure.pk)
    page.get_by_role("link", name="Donner l'avis de la préfecture").click()
    journey.checked()
    tick(page, "Favorable", exact=True)
    page.get_by_label("Commentaire").fill("Besoin confirmé par le diagnostic territorial.")
    journey.shoot("prefecture-avis")
    page.get_by_role("button", name="Enregistrer l'avis").click()
    page.wait_for_url(journey.url("structures:detail", amendment.structure.pk))
    journey.checked()
    amendment.refresh_from_db()
    assert amendment.prefecture_opinion == Opinion.FAVOURABLE
    assert "Avis de la préfecture enregistré" in page.content()


def test_the_programme_team_imports_sites_and_compares_two_scenarios(journey, transactional_db, fresh_index, tmp_path):
    funding_reference_load()
    CommuneFactory()  # Lyon, found by its name in the Rhône (the whole COG is not loaded: the journeys stay lean)
    team = UserFactory(programme_team=True)
    path = tmp_path / "lieux.csv"
    path.write_bytes(SITES_FILE.encode("cp1252"))
    journey.login(team.email)
    page = journey.visit("sites:import_wizard")
    page.get_by_label("Fichier CSV").set_input_files(str(path))
    page.get_by_label("Nom de la source").fill("hub-rhone")
    page.get_by_role("button", name="Lire le fichier").click()
    journey.checked()
    page.get_by_role("button", name="Analyser sans rien enregistrer").click()
    journey.checked()
    journey.shoot("equipe-import-lieux")
    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_role("heading", name=re.compile("terminé")).wait_for()
    journey.checked()
    assert Site.objects.filter(source="hub-rhone").count() == 2

    for credits in ("28000000", "10000"):
        page = journey.visit("funding:simulator")
        page.get_by_label("Crédits (€)").fill(credits)
        page.get_by_role("button", name="Simuler").click()
        journey.checked()
        page.get_by_role("button", name="Enregistrer le scénario").click()
        journey.checked()
    assert SimulationScenario.objects.count() == 2
    page = journey.visit("funding:scenarios")
    for scenario in SimulationScenario.objects.all():
        tick(page, scenario.name)
    page.get_by_role("button", name="Comparer").click()
    journey.checked()
    assert page.locator("th", has_text="Postes financés").count() == 1
    journey.shoot("equipe-scenarios")


def test_the_public_reads_the_statistics_and_the_map(journey, transactional_db):
    DepartementFactory(code="69")
    page = journey.visit("stats:public")
    map_svg = page.locator("figure svg").first
    assert map_svg.is_visible()
    rhone = map_svg.locator("path[data-code='69'] title")
    assert "Rhône" in rhone.text_content()
    button = page.get_by_role("button", name="Voir les données par département")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")  # the DSFR's script opens it on its next frame
    table = page.locator(f"#{button.get_attribute('aria-controls')} table")
    table.wait_for(state="visible")
    assert table.locator("th").count() > 0
    journey.checked()
    journey.shoot("public-statistiques")
    assert reverse("accounts:login") not in page.url


def test_the_checks_catch_an_accessibility_violation_and_a_csp_violation(journey):
    """The checker itself: a field without a label is reported by axe, an inline script refused by the CSP fails."""
    page = journey.visit("core:accessibility")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    with pytest.raises(AssertionError, match=r"\[critical\] label"):
        journey.checked()
    page.evaluate("document.body.appendChild(Object.assign(document.createElement('script'), {text: '1'}))")
    with pytest.raises(AssertionError, match="Content Security Policy"):
        journey.checked()
