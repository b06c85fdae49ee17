"""In a real Chromium: a structure manager answers a renewal campaign; the programme team runs two simulations,
saves them and compares them side by side. Screenshots go to docs/screenshots/."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.funding import campaigns
from cnum.funding.models import CampaignResponse, SimulationScenario
from cnum.funding.reference_data import funding_reference_load
from tests.accounts.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from tests.activities.test_browser import ARGS, CHROMIUM, tick
from tests.funding.factories import signed_convention

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page.set_default_timeout(20_000)
        yield page
        browser.close()


@pytest.fixture
def programme(transactional_db):
    funding_reference_load()
    today = timezone.localdate()
    end = today + datetime.timedelta(days=100)
    convention = signed_convention(start=end.replace(year=end.year - 3, day=1), posts=2)
    signed_convention(start=datetime.date(2025, 2, 1), in_marseille=True, association=True)
    candidates = campaigns.campaign_candidates(ending_before=today + datetime.timedelta(days=365))
    campaign = campaigns.campaign_create(
        name="Renouvellement 2027",
        terms="Convention de 12 mois, 10 000 € par poste.",
        scheme=None,
        deadline=today + datetime.timedelta(days=20),
        candidates=candidates,
    )
    campaigns.campaign_send(campaign=campaign, site_url="http://testserver/")
    manager = UserFactory(email="gestionnaire@commune.fr")
    RoleAssignmentFactory(user=manager, role=Role.STRUCTURE_MANAGER, scope=convention.structure)
    return {"campaign": campaign, "manager": manager, "team": UserFactory(email="equipe@anct.fr", programme_team=True)}


def login(page, base, email):
    page.context.clear_cookies()
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_manager_answers_and_the_programme_team_compares_two_scenarios(live_server, page, programme):
    campaign = programme["campaign"]
    login(page, live_server.url, programme["manager"].email)
    page.goto(live_server.url + reverse("core:dashboard"))
    page.get_by_role("link", name="Répondre").click()
    page.get_by_text("Nous souhaitons renouveler").click()
    page.get_by_label("Nombre de postes demandés").fill("2")
    page.get_by_text("Conserver le ou les conseillers actuels").click()
    shoot(page, "campagne-reponse")
    page.get_by_role("button", name="Enregistrer ma réponse").click()
    page.wait_for_load_state()
    assert "Votre réponse est enregistrée" in page.content()
    assert CampaignResponse.objects.get(campaign=campaign).posts_requested == 2

    login(page, live_server.url, programme["team"].email)
    page.goto(live_server.url + reverse("funding:campaign_detail", args=[campaign.pk]))
    assert "Taux de réengagement" in page.content()
    shoot(page, "campagne-tableau-de-bord")
    for credits in ("28000000", "10000"):
        page.goto(live_server.url + reverse("funding:simulator"))
        page.get_by_label("Crédits (€)").fill(credits)
        page.get_by_role("button", name="Simuler").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Enregistrer le scénario").click()
        page.wait_for_load_state()
    assert SimulationScenario.objects.count() == 2
    page.goto(live_server.url + reverse("funding:scenarios"))
    for scenario in SimulationScenario.objects.all():
        tick(page, scenario.name)
    page.get_by_role("button", name="Comparer").click()
    page.wait_for_load_state()
    assert page.locator("th", has_text="Postes financés").count() == 1
    shoot(page, "scenarios-comparaison")
    page.goto(live_server.url + reverse("funding:fact_sheet") + "?scope=national&date=2025-12-31")
    assert "Fiche parlementaire" in page.content()
    shoot(page, "fiche-parlementaire")
