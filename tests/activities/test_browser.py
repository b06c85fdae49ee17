"""An advisor records an individual and a collective activity in a real Chromium, then finds them in their list."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from tests.advisors.factories import ContractFactory, SiteAssignmentFactory

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def tick(page, label, **options):
    """Tick a DSFR radio or checkbox from the keyboard (its label covers the input, as for a mouse user)."""
    page.get_by_label(label, **options).focus()
    page.keyboard.press("Space")
    assert page.get_by_label(label, **options).is_checked()


@pytest.fixture
def advisor(transactional_db):
    contract = ContractFactory(advisor__with_account=True)
    SiteAssignmentFactory(advisor=contract.advisor, site__name="Médiathèque du Centre")
    return contract.advisor


def test_record_individual_and_collective_activities(live_server, page, advisor):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", advisor.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    # Individual: the defaults (today, the advisor's site, 30 minutes) are kept; a theme is ticked, and submit.
    page.goto(live_server.url + reverse("activities:create"))
    assert page.locator("[data-only-for=collectif]").is_hidden()
    tick(page, "E-mail", exact=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(live_server.url + reverse("activities:list"))

    # Collective: switching the type shows the workshop's fields.
    page.goto(live_server.url + reverse("activities:create"))
    tick(page, "Atelier collectif")
    assert page.locator("[data-only-for=individuel]").is_hidden()
    page.get_by_label("Titre de l'atelier").fill("Découvrir la tablette")
    page.get_by_label("Participants anonymes").fill("7")
    tick(page, "60 min")
    tick(page, "Bureautique")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(live_server.url + reverse("activities:list"))

    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    text = page.locator("table").inner_text()
    assert "Accompagnement individuel" in text and "Médiathèque du Centre" in text and "30 min" in text
    assert "Atelier collectif — Découvrir la tablette" in text and "7 anonymes" in text and "60 min" in text
