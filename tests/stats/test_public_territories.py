"""The public statistics of a territory: its figures, its title, and the secret statistique shared with the open data
and the national page (cnum.stats.public)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from cnum.activities.enums import PlaceType, Theme
from cnum.activities.models import Activity
from cnum.stats import indicators, opendata, public
from cnum.stats.presenter import month_label
from cnum.structures.models import Structure
from cnum.territories.models import Commune, Epci, PostalCode
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory
from tests.sites.factories import SiteFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

URL = reverse("stats:public")


@pytest.fixture
def world():
    """Rhône: 62 activities in two communes (Lyon 58, Villeurbanne 4) over four months, one of them with 3 activities;
    Bouches-du-Rhône 12; Ain 3 (in Auvergne-Rhône-Alpes, like the Rhône)."""
    rhone = DepartementFactory(code="69")
    ain = DepartementFactory(code="01", name="Ain", region=rhone.region)
    bdr = DepartementFactory(bouches_du_rhone=True)
    lyon = CommuneFactory(code="69123", departement=rhone)
    villeurbanne = CommuneFactory(code="69266", name="Villeurbanne", departement=rhone)
    bourg = CommuneFactory(code="01053", name="Bourg-en-Bresse", departement=ain)
    marseille = CommuneFactory(marseille=True)
    advisor, site = AdvisorFactory(), SiteFactory(commune=lyon)
    plan = [
        (lyon, rhone, datetime.date(2025, 3, 10), 33),
        (lyon, rhone, datetime.date(2025, 4, 10), 3),
        (lyon, rhone, datetime.date(2025, 5, 10), 10),
        (lyon, rhone, datetime.date(2025, 6, 10), 12),
        (villeurbanne, rhone, datetime.date(2025, 3, 11), 4),
        (marseille, bdr, datetime.date(2025, 3, 12), 12),
        (bourg, ain, datetime.date(2025, 3, 13), 3),
    ]
    for commune, departement, day, count in plan:
        structure = StructureFactory(commune=commune, departement=departement)
        for _ in range(count):
            ActivityFactory(advisor=advisor, site=site, structure=structure, date=day)
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    return {"rhone": rhone}


def page(client, scope: str) -> str:
    response = client.get(URL, {"scope": scope})
    assert response.status_code == 200
    return response.content.decode()


def test_departement_page_shows_its_figures_and_its_region_in_the_title(client, world):
    html = page(client, "departement:69")
    assert "<title>Statistiques publiques — Département Rhône (69), Auvergne-Rhône-Alpes — " in html
    assert 'data-figure="activities">62<' in html
    assert 'data-figure="accompaniments">62<' in html
    assert "Définitions des indicateurs" in html
    # The months the open-data file leaves secret are secret here (April, 3 activities, and at least one more); the
    # page's own suppression (its total is shown) may hide more.
    rows = [row for row in opendata.departement_months(opendata.Period()) if row["departement"] == "69"]
    assert [row["mois"] for row in rows if row["secret_statistique"]][:1] == ["2025-04"]
    published = 0
    for row in rows:
        label = month_label(row["mois"])
        if row["secret_statistique"]:
            assert f'<th scope="row">{label}</th><td>Secret statistique</td>' in html
        elif f'<th scope="row">{label}</th><td>{row["activites"]}</td>' in html:
            published += 1
    assert published


def test_departement_page_withholds_what_the_national_map_withholds(client, world):
    """Ain (3) is secret on the national map, and the Bouches-du-Rhône (12) with it: its own page cannot publish
    what the national total minus the Rhône would then give away."""
    national = page(client, "")
    assert "Secret statistique" in national
    for scope in ("departement:13", "departement:01", "region:84"):
        html = page(client, scope)
        assert 'id="secret-statistique"' in html, scope
        assert 'data-figure="activities"' not in html, scope


def test_communes_under_five_are_withheld_with_the_one_that_would_give_them_away(client, world):
    assert 'id="secret-statistique"' in page(client, "commune:69266")  # 4 activities
    # Lyon is the Rhône minus Villeurbanne: withheld too.
    assert 'id="secret-statistique"' in page(client, "commune:69123")


def test_a_commune_title_names_its_departement_and_region(client, world):
    html = page(client, "commune:69123")
    assert "<title>Statistiques publiques — Commune Lyon (69123), Rhône, Auvergne-Rhône-Alpes — " in html


@pytest.mark.parametrize("scope", ["structure:1", "advisor:1", "departement:999", "region:xx", "n'importe quoi"])
def test_only_existing_territories_have_a_public_page(client, world, scope):
    assert client.get(URL, {"scope": scope}).status_code == 404


def test_the_territory_picker_lists_regions_and_departements(client, world):
    html = page(client, "departement:69")
    assert '<option value="departement:69" selected>Rhône (69)</option>' in html
    assert '<option value="region:84">Région Auvergne-Rhône-Alpes</option>' in html


def test_region_page_without_secret_departement(client, db):
    region = RegionFactory(code="93", name="Provence-Alpes-Côte d'Azur")
    bdr = DepartementFactory(bouches_du_rhone=True, region=region)
    marseille = CommuneFactory(code="13055", name="Marseille", departement=bdr)
    structure = StructureFactory(commune=marseille, departement=bdr)
    advisor, site = AdvisorFactory(), SiteFactory(commune=marseille)
    for _ in range(6):
        ActivityFactory(advisor=advisor, site=site, structure=structure, date=datetime.date(2025, 3, 3))
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    html = page(client, "region:93")
    assert "<title>Statistiques publiques — Région Provence-Alpes-Côte d&#x27;Azur (93) — " in html
    assert 'data-figure="activities">6<' in html
    assert "Carte par département" in html
    # The only theme (6 activities) is published.
    assert f'<th scope="row">{Theme.EMAIL.label}</th><td>6</td>' in html


def test_a_small_breakdown_value_is_secret_with_the_one_that_would_give_it_away(client, db):
    """20 activities about e-mail, 3 about navigation, 8 about equipment: navigation (3) is secret, and equipment (the
    smallest other) with it, since the themes' national totals and the département's are published."""
    rhone = DepartementFactory(code="69")
    lyon = CommuneFactory(code="69123", departement=rhone)
    structure = StructureFactory(commune=lyon, departement=rhone)
    advisor, site = AdvisorFactory(), SiteFactory(commune=lyon)
    for theme, count in ((Theme.EMAIL, 20), (Theme.BROWSING, 3), (Theme.MAINTENANCE, 8)):
        for _ in range(count):
            ActivityFactory(
                advisor=advisor, site=site, structure=structure, themes=[theme], date=datetime.date(2025, 3, 3)
            )
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    html = page(client, "departement:69")
    assert f'<th scope="row">{Theme.EMAIL.label}</th><td>20</td>' in html
    assert f'<th scope="row">{Theme.BROWSING.label}</th><td>Secret statistique</td>' in html
    assert f'<th scope="row">{Theme.MAINTENANCE.label}</th><td>Secret statistique</td>' in html
    # The chart shows only what the table publishes.
    assert "Navigation sur internet : 3" not in html


def test_the_territory_pages_make_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for scope in ("departement:69", "region:84", "commune:69123", ""):
        with django_assert_max_num_queries(46):
            page(client, scope)
        with django_assert_max_num_queries(30):  # the national tables' secret cells from the cache
            page(client, scope)


def test_departement_page_shows_employer_and_place_shares_under_the_same_secrecy(client, db):
    """Rhône: 20 activities of a public employer, 10 of a private one (published, with their shares); 27 on a site
    and 3 at a distance: the 3 are secret, and the 27 with them (the département's total is published)."""
    rhone = DepartementFactory(code="69")
    lyon = CommuneFactory(code="69123", departement=rhone)
    public = StructureFactory(commune=lyon, departement=rhone)
    private = StructureFactory(commune=lyon, departement=rhone, private=True)
    advisor, site = AdvisorFactory(), SiteFactory(commune=lyon)
    day = datetime.date(2025, 3, 3)
    for structure, place, count in (
        (public, "lieu_activite", 20),
        (private, "lieu_activite", 7),
        (private, "a_distance", 3),
    ):
        for _ in range(count):
            extra = {"site": site} if place == "lieu_activite" else {"site": None}
            ActivityFactory(advisor=advisor, structure=structure, place_type=place, date=day, **extra)
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    html = page(client, "departement:69")
    assert "Employeurs et lieux des activités" in html
    shares = indicators.round_shares({"public": 20, "private": 10})
    assert f'<th scope="row">Employeur public</th><td>20</td><td>20</td><td>{shares["public"]} %</td>' in html
    assert f'<th scope="row">Employeur privé</th><td>10</td><td>10</td><td>{shares["private"]} %</td>' in html
    secret = "<td>Secret statistique</td><td>Secret statistique</td>"
    assert f'<th scope="row">{PlaceType.REMOTE.label}</th>{secret}' in html
    assert f'<th scope="row">{escape(PlaceType.SITE.label)}</th>{secret}' in html


def test_a_territory_is_found_by_name_or_postal_code_and_leads_to_its_page(client, world, fresh_index):
    epci, _ = Epci.objects.update_or_create(siren="200046977", defaults={"name": "Métropole de Lyon", "kind": "METRO"})
    Commune.objects.filter(code__in=("69123", "69266")).update(epci=epci)
    PostalCode.objects.get_or_create(code="69100", commune=Commune.objects.get(code="69266"))
    html = client.get(URL, {"recherche": "69100"}).content.decode()
    assert f'href="{URL}?scope=commune%3A69266">Commune Villeurbanne (69100)</a>' in html
    assert f'href="{URL}?scope=epci%3A200046977">EPCI Métropole de Lyon</a>' in html
    by_name = client.get(URL, {"recherche": "metropole de ly"}).content.decode()
    assert f'href="{URL}?scope=epci%3A200046977">EPCI Métropole de Lyon</a>' in by_name
    assert client.get(f"{URL}?scope=epci:200046977").status_code == 200
    nothing = client.get(URL, {"recherche": "Zzyzx"}).content.decode()
    assert "Aucune commune ni intercommunalité ne correspond à « Zzyzx »" in nothing
    assert "Tapez au moins 2 caractères" in client.get(URL, {"recherche": "V"}).content.decode()


def test_the_national_secret_cells_are_read_once_per_version_of_the_national_figures(client, world, monkeypatch):
    """They read every département's rollups: computed for the first page, then read from the cache by every
    page until a write counted anywhere moves the national figures — the pages then follow the new figures."""
    computed = []
    original = public._national_secrets

    def counting():
        computed.append(1)
        return original()

    monkeypatch.setattr(public, "_national_secrets", counting)
    april = f'<th scope="row">{month_label("2025-04")}</th>'
    assert f"{april}<td>Secret statistique</td>" in page(client, "departement:69")  # 3 activities
    page(client, "region:84")
    page(client, "departement:69")
    assert len(computed) == 1
    rhone = Structure.objects.filter(departement_id="69").first()
    advisor, site = Activity.objects.filter(structure=rhone).values_list("advisor", "site").first()
    for _ in range(2):
        ActivityFactory(advisor_id=advisor, site_id=site, structure=rhone, date=datetime.date(2025, 4, 11))
    assert f"{april}<td>5</td>" in page(client, "departement:69")
    assert len(computed) == 2
