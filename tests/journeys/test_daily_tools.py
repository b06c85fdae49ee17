"""Journeys of the advisors' and coordinators' daily tools (issue #21), in a real Chromium with the checks of
conftest.Journey (no console error, no serious accessibility violation)."""

import csv
import io

import pytest

from cnum.accounts.enums import Role
from cnum.activities.enums import CoordinationKind
from cnum.activities.models import Activity, Beneficiary, CoordinationActivity
from cnum.activities.services import beneficiary_follow
from tests.accounts.factories import RoleAssignmentFactory
from tests.activities.factories import DATE
from tests.activities.test_browser import CHROMIUM
from tests.advisors.factories import ContractFactory, TeamFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def panel(page, title: str):
    return page.get_by_test_id("panneau").filter(has=page.get_by_role("heading", name=title, exact=True))


def figure(section, label: str) -> str:
    tile = section.locator(".fr-tile").filter(has=section.page.get_by_text(label, exact=True))
    return tile.get_by_test_id("chiffre").inner_text()


def test_a_coordinator_records_a_coordination_activity_seen_in_its_figures_not_in_accompaniments(
    journey, transactional_db
):
    team = TeamFactory(name="Équipe du Vercors")
    coordinator = RoleAssignmentFactory(role=Role.COORDINATOR, scope=team).user
    journey.login(coordinator.email)
    page = journey.visit("core:dashboard")
    page.get_by_role("link", name="Saisir une activité de coordination").click()
    journey.checked()
    page.get_by_label("Type").select_option(label=CoordinationKind.TRAINING.label)
    page.get_by_label("Durée (minutes)").fill("120")
    page.get_by_label("Nombre de participants").fill("12")
    page.get_by_label("Partenaires").fill("Médiathèque de Die, CAF de la Drôme")
    journey.shoot("coordinateur-activite-coordination")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(journey.url("activities:coordination_list"))
    journey.checked()
    assert "Médiathèque de Die, CAF de la Drôme" in page.content()

    page = journey.visit("core:dashboard")
    coordination = panel(page, "Activités de coordination")
    assert figure(coordination, "activités de coordination") == "1"
    assert figure(coordination, "formation donnée") == "1"
    assert figure(coordination, "heures de coordination") == "2"
    key_figures = page.get_by_test_id("panneau").filter(has_text="Chiffres clés")
    accompaniments = key_figures.locator(".fr-tile").filter(has_text="accompagnements en").first
    assert accompaniments.get_by_test_id("chiffre").inner_text() == "0"
    page = journey.visit("activities:list")
    assert "Aucune activité ne correspond" in page.content()
    assert CoordinationActivity.objects.get().team == team
    assert not Activity.objects.exists()


def test_an_advisor_imports_twenty_followed_people_from_the_template_with_two_duplicates_reported(
    journey, transactional_db, tmp_path
):
    contract = ContractFactory(advisor__with_account=True)
    advisor = contract.advisor
    beneficiary_follow(advisor=advisor, first_name="Hélène", last_name="Dupont", consent_date=DATE, birth_year=1950)
    beneficiary_follow(
        advisor=advisor, first_name="Marc", last_name="Lefèvre", consent_date=DATE, phone="06 11 22 33 44"
    )
    journey.login(advisor.user.email)
    page = journey.visit("activities:beneficiary_list")
    page.get_by_role("link", name="Importer un fichier").click()
    journey.checked()
    with page.expect_download() as download:
        page.get_by_role("link", name="Modèle CSV").click()
    template = download.value.path().read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(template), delimiter=";"))

    rows = [[f"Nom{index:02d}", f"Prénom{index:02d}", "12/01/2026", "", "", ""] for index in range(18)]
    rows.append(["DUPONT", "Helene", "12/01/2026", "1950", "", ""])  # the same name, written otherwise
    rows.append(["Lefebvre", "Marc", "12/01/2026", "", "+33 6 11 22 33 44", ""])  # the same phone
    path = tmp_path / "mes-beneficiaires.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    page.get_by_label("Fichier").set_input_files(str(path))
    page.get_by_role("button", name="Analyser le fichier").click()
    journey.checked()
    assert page.get_by_role("heading", name="Doublons possibles (2)").is_visible()
    assert "20 personnes à ajouter" in page.content()
    duplicates = page.locator("table").first
    assert "même nom et prénom, même année de naissance (1950)" in duplicates.inner_text()
    assert "même numéro de téléphone" in duplicates.inner_text()
    assert Beneficiary.objects.filter(advisor=advisor).count() == 2  # nothing written before the confirmation
    journey.shoot("conseiller-import-beneficiaires")

    page.get_by_role("button", name="Confirmer l'import").click()
    page.wait_for_url(journey.url("activities:beneficiary_duplicates"))
    journey.checked()
    assert Beneficiary.objects.filter(advisor=advisor, is_followed=True).count() == 22
    assert "20 personnes suivies ajoutées" in page.content()
    page.get_by_role("button", name="Fusionner dans la fiche gardée").first.click()
    page.wait_for_url(journey.url("activities:beneficiary_duplicates"))
    journey.checked()
    assert Beneficiary.objects.filter(advisor=advisor, is_followed=True).count() == 21
