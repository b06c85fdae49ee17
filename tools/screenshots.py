"""Screenshots of the main pages, for docs/screenshots/ (run `make screenshots` while `make run` serves).

Uses Playwright with Debian's Chromium (/usr/bin/chromium); no browser is downloaded.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE_URL = os.environ.get("CNUM_URL", "http://127.0.0.1:8000")
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "cnum-demo-2026"

PAGES = [
    (None, "/", "accueil"),
    (None, "/connexion/", "connexion"),
    ("national@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-national"),
    ("conseiller@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-conseiller"),
    ("coordinateur@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-coordinateur"),
    ("structure@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-structure"),
    ("prefecture-69@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-prefecture-69"),
    ("hub@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-hub"),
    ("reseau@demo.cnum.fr", "/tableau-de-bord/", "tableau-de-bord-reseau"),
    ("structure@demo.cnum.fr", "/comptes/", "comptes-structure"),
    (None, "/lieux/carte/", "carte-des-lieux"),
    (None, "/statistiques/?scope=departement:69", "statistiques-publiques-rhone"),
    ("national@demo.cnum.fr", "/journal/", "journal-audit"),
    ("structure@demo.cnum.fr", "/compte/", "mon-compte-deux-roles"),
    ("national@demo.cnum.fr", "/structures/", "structures-national"),
    ("prefecture-69@demo.cnum.fr", "/structures/", "structures-prefecture-69"),
    ("structure@demo.cnum.fr", "/conseillers/", "conseillers-structure"),
    (None, "/lieux/", "lieux-public"),
    ("national@demo.cnum.fr", "/imports/", "imports"),
    ("conseiller@demo.cnum.fr", "/activites/nouvelle/", "saisie-activite"),
    ("conseiller@demo.cnum.fr", "/activites/", "mes-activites"),
    (None, "/statistiques/", "statistiques-publiques"),
    ("national@demo.cnum.fr", "/statistiques/tableau-de-bord/", "statistiques-national"),
    ("prefecture-69@demo.cnum.fr", "/statistiques/tableau-de-bord/", "statistiques-prefecture-69"),
    ("conseiller@demo.cnum.fr", "/statistiques/tableau-de-bord/", "statistiques-conseiller"),
    (
        "national@demo.cnum.fr",
        "/financement/simulateur/?fiscal_year=2025&credits=28000000&kind=cp&rule=ongoing_first",
        "simulateur-2025-28-millions",
    ),
    (None, "/api/docs", "api-docs"),
    (None, "/page-inexistante/", "erreur-404"),
]


def login(page, email):
    page.goto(f"{BASE_URL}/connexion/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE_URL}/tableau-de-bord/")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for email, path, name in PAGES:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
            page = context.new_page()
            if email:
                login(page, email)
            page.goto(f"{BASE_URL}{path}")
            page.screenshot(path=OUT / f"{name}.png", full_page=True)
            print(f"docs/screenshots/{name}.png")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
