"""Issue #21 "Done when": an advisor duplicates a workshop, tags it, and sees the tag on its dashboard; and a structure
manager manages its tags — in a real Chromium, with the journeys' accessibility and console checks on every page."""

import datetime

import pytest
from playwright.sync_api import expect

from cnum.accounts.enums import Role
from cnum.activities.enums import TagScope
from cnum.activities.models import Activity, Tag
from tests.accounts.factories import RoleAssignmentFactory
from tests.activities.factories import ActivityFactory, TagFactory
from tests.activities.test_browser import CHROMIUM, tick
from tests.advisors.factories import ContractFactory, SiteAssignmentFactory
from tests.structures.factories import StructureFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def test_an_advisor_duplicates_a_workshop_tags_it_and_sees_the_tag_on_its_dashboard(journey, transactional_db):
    contract = ContractFactory(advisor__with_account=True)
    advisor = contract.advisor
    site = SiteAssignmentFactory(advisor=advisor, site__name="Médiathèque du Centre").site
    workshop = ActivityFactory(
        advisor=advisor,
        structure=contract.structure,
        site=site,
        collective=True,
        title="Découvrir la tablette",
        date=datetime.date.today() - datetime.timedelta(days=7),
    )
    tag = TagFactory(name="Projet seniors", scope=TagScope.STRUCTURE, structure=contract.structure)
    journey.login(advisor.user.email)

    page = journey.visit("activities:list")
    page.get_by_role("link", name=f"Dupliquer l'activité du {workshop.date:%d/%m/%Y}").click()
    journey.checked()
    assert page.get_by_label("Titre de l'atelier").input_value() == "Découvrir la tablette"
    page.get_by_label("Participants anonymes").fill("6")
    tick(page, "Projet seniors")
    journey.shoot("conseiller-etiquette")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(journey.url("activities:list"))
    journey.checked()
    copy = Activity.objects.exclude(pk=workshop.pk).get()
    assert list(copy.tags.all()) == [tag] and copy.title == "Découvrir la tablette"

    page = journey.visit("stats:dashboard")
    section = page.locator("#section-tableau-by_tag")
    assert section.get_by_role("heading", name="Étiquettes", exact=True).is_visible()
    section.get_by_role("button", name="Voir les données : étiquettes").click()
    expect(section.get_by_role("row", name="Projet seniors 1")).to_be_visible()
    page.get_by_label("Étiquette", exact=True).select_option(label="Projet seniors")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    journey.checked()
    assert f"etiquette={tag.pk}" in page.url
    assert "(filtres appliqués)" in page.content()


def test_a_structure_manager_creates_renames_and_archives_a_tag(journey, transactional_db):
    structure = StructureFactory(name="Ville de Lyon")
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure).user
    journey.login(manager.email)
    page = journey.visit("activities:tag_list")
    assert "Aucune étiquette pour l'instant" in page.content()
    page.get_by_role("link", name="Nouvelle étiquette").click()
    journey.checked()
    page.get_by_label("Nom de l'étiquette").fill("Projet seniors")
    tick(page, "Privée (mon périmètre)")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(journey.url("activities:tag_list"))
    journey.checked()
    journey.shoot("structure-etiquettes")
    page.get_by_role("link", name="Renommer l'étiquette Projet seniors").click()
    journey.checked()
    page.get_by_label("Nom de l'étiquette").fill("Projet seniors 2026")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(journey.url("activities:tag_list"))
    page.get_by_role("button", name="Archiver l'étiquette Projet seniors 2026").click()
    page.wait_for_load_state()
    journey.checked()
    tag = Tag.objects.get()
    assert (tag.name, tag.visibility, tag.structure) == ("Projet seniors 2026", "private", structure)
    assert tag.archived_at is not None
