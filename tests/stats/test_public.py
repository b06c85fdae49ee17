import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.activities.enums import Progress
from cnum.stats import engine
from cnum.stats.scopes import Scope
from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.structures.factories import PostFactory, StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db

URL = reverse("stats:public")


@pytest.fixture
def demo():
    """Demo-like data: named advisors with e-mails and phones, employed on posts; followed beneficiaries with names,
    e-mails and phones; individual activities and a workshop in two départements."""
    rhone = DepartementFactory(code="69")
    ain = DepartementFactory(code="01", name="Ain")
    structures = [
        StructureFactory(departement=rhone, contact_email="contact@mairie-lyon.fr", contact_phone="0478000000"),
        StructureFactory(departement=ain, type="association", contact_phone="0474000000"),
    ]
    people = []
    for index, structure in enumerate(structures):
        # Names that no département, month or label contains (Faker's could: "Denis" is in Seine-Saint-Denis).
        advisor = AdvisorFactory(
            first_name=f"Zéphyrine{index}",
            last_name=f"Quillebœuf{index}",
            email=f"camille.conseil{index}@exemple.fr",
            phone=f"061234567{index}",
        )
        ContractFactory(advisor=advisor, structure=structure, post=PostFactory(structure=structure))
        for day in (datetime.date(2025, 2, 3), datetime.date(2025, 4, 7)):
            beneficiary = BeneficiaryFactory(
                advisor=advisor,
                followed=True,
                first_name=f"Anatole{index}{day.month}",
                last_name=f"Vercingétorix{index}{day.month}",
                email=f"usager{index}{day.month}@exemple.fr",
                phone="0799887766",
            )
            activity = ActivityFactory(advisor=advisor, structure=structure, date=day, accompaniment=False)
            AccompanimentFactory(activity=activity, beneficiary=beneficiary, progressed=Progress.YES)
            people.append(beneficiary)
        ActivityFactory(advisor=advisor, structure=structure, collective=True, date=datetime.date(2025, 4, 8))
        people.append(advisor)
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    return {"people": people, "structures": structures}


def test_public_page_is_open_to_everyone_and_shows_the_engine_figures(client, demo):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    expected = engine.figures(Scope.parse("national"))
    for key in ("activities", "accompaniments", "beneficiaries"):
        assert re.search(rf'data-figure="{key}">{expected[key]}<', html), key
    assert 'data-figure="progressed_rate">100\u202f%<' in html
    assert 'data-figure="advisors_in_post">2<' in html
    assert "Données à jour au 8 avril 2025" in html
    # Monthly series: chart and table; every definition; the map's attribution.
    assert "févr. 2025" in html and "avr. 2025" in html and 'id="table-public-mois"' in html
    assert "Personnes accompagnées" in html and "Personnes distinctes accompagnées au moins une fois" in html
    assert "Fond de carte : Victor Cazanave, @svg-maps/france, CC-BY-4.0" in html
    # The map is not a way into the dashboards.
    assert "tableau-de-bord" not in html


def test_public_page_has_no_personal_data(client, demo):
    html = client.get(URL).content.decode()
    for person in demo["people"]:
        for value in (person.first_name, person.last_name, person.email, person.phone):
            if value:
                assert value not in html, value
    for structure in demo["structures"]:
        for value in (structure.name, structure.contact_email, structure.contact_phone):
            if value:
                assert value not in html, value
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", html)
    assert not re.search(r"\b0\d{9}\b", html)


def test_public_page_without_any_activity(client, db):
    html = client.get(URL).content.decode()
    assert "Aucune activité enregistrée pour l'instant." in html


def test_main_menu_footer_and_home_link_to_the_public_page(client, db):
    html = client.get(reverse("core:home")).content.decode()
    assert html.count(f'href="{URL}"') == 3
    assert f'<a class="fr-nav__link" href="{URL}">Statistiques</a>' in html


def test_public_page_withholds_small_departements_and_one_more(client):
    """Fewer than 5 in a département is secret; a single secret cell would be the national total minus the others,
    so a second one is withheld too."""
    from cnum.stats import views

    by_departement = {
        "01": {"activities": 3, "accompaniments": 3},
        "69": {"activities": 40, "accompaniments": 55},
        "13": {"activities": 12, "accompaniments": 12},
    }
    assert views.public_secret(by_departement) == {"01", "13"}
    assert views.public_secret({"69": {"activities": 40, "accompaniments": 55}}) == set()
