"""A hub imports the sites of its territory with the assistant and reviews the possible duplicates among them
(README, "Rôles"); the programme team keeps everything."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.sites.models import Site, SiteDuplicateCandidate
from tests.accounts.factories import RoleAssignmentFactory
from tests.sites.factories import SiteFactory, commune
from tests.structures.factories import HubFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.usefixtures("cog")
ROWS = (
    "Lieu;Adresse;CP;Ville\r\n"
    "Médiathèque Bellecour;1 place Bellecour;69002;Lyon\r\n"
    "Maison du quartier;2 rue de la République;13001;Marseille\r\n"
    "Tiers-lieu de Villeurbanne;3 avenue Henri Barbusse;69100;Villeurbanne\r\n"
)


@pytest.fixture
def hub_client(client):
    hub = HubFactory(name="Hub du Rhône")
    hub.departements.add(DepartementFactory(code="69"))
    client.force_login(RoleAssignmentFactory(role=Role.HUB, scope=hub).user)
    return client


def _analyse(client, action):
    upload = client.post(
        reverse("sites:import_wizard"),
        {"file": SimpleUploadedFile("lieux.csv", ROWS.encode(), "text/csv"), "source": "hub-rhone"},
    )
    page = client.get(upload.url)
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    return client.post(upload.url, {**data, "action": "analyser"}), upload.url, data


def test_a_hub_imports_the_sites_of_its_departements_and_sees_why_the_others_are_rejected(hub_client):
    page = hub_client.get(reverse("sites:import_wizard"))
    assert page.status_code == 200 and "Vous importez les lieux de votre territoire : Rhône" in page.content.decode()
    analysis, url, data = _analyse(hub_client, "analyser")
    report = analysis.context["report"]
    assert (report.total, report.created) == (3, 2)
    assert [(problem.line, problem.reason) for problem in report.rejected] == [
        (3, "Lieu hors de votre territoire (département 13) : seuls les lieux de vos départements (69) sont importés.")
    ]
    assert "hors de votre territoire" in analysis.content.decode()
    hub_client.post(url, {**data, "action": "importer"})
    assert sorted(Site.objects.values_list("name", "departement_id")) == [
        ("Médiathèque Bellecour", "69"),
        ("Tiers-lieu de Villeurbanne", "69"),
    ]


def test_the_programme_team_imports_every_departement(client):
    client.force_login(RoleAssignmentFactory(role=Role.PROGRAMME_TEAM).user)
    report = _analyse(client, "analyser")[0].context["report"]
    assert (report.created, report.rejected) == (3, [])


#: A duplicate candidate's proposal, as an importer stores it.
PROPOSED = {"address": "1 place de la Mairie", "postal_code": "69001", "updated_on": "2025-01-15"}


@pytest.fixture
def candidates():
    """One possible duplicate of a site in Lyon, one of a site in Marseille."""
    lyon = SiteFactory(name="Médiathèque de Lyon")
    marseille = SiteFactory(name="Médiathèque de Marseille", commune=commune("13055"), postal_code="13001")
    return {
        site.departement_id: SiteDuplicateCandidate.objects.create(
            site=site, source="autre", proposed={**PROPOSED, "name": f"{site.name} (bis)"}, score=0.9
        )
        for site in (lyon, marseille)
    }


def test_a_hub_reviews_only_the_duplicates_of_its_territory(hub_client, candidates):
    listing = hub_client.get(reverse("sites:duplicates")).content.decode()
    assert "Médiathèque de Lyon (bis)" in listing and "Marseille" not in listing
    assert hub_client.get(reverse("sites:duplicate_detail", args=[candidates["13"].pk])).status_code == 404
    assert hub_client.post(reverse("sites:duplicate_not_duplicate", args=[candidates["13"].pk])).status_code == 404
    assert hub_client.get(reverse("sites:duplicate_detail", args=[candidates["69"].pk])).status_code == 200
    response = hub_client.post(reverse("sites:duplicate_not_duplicate", args=[candidates["69"].pk]))
    assert response.status_code == 302
    assert Site.objects.filter(name="Médiathèque de Lyon (bis)").exists()
    assert SiteDuplicateCandidate.objects.pending().get() == candidates["13"]


def test_the_hub_home_page_counts_its_duplicates_and_links_to_its_tools(hub_client, candidates):
    SiteDuplicateCandidate.objects.create(
        site=candidates["69"].site, source="troisième", proposed={**PROPOSED, "name": "Encore"}, score=0.8
    )
    panel = next(
        panel
        for panel in hub_client.get(reverse("core:dashboard")).context["panels"]
        if panel.title == "Lieux d'activité"
    )
    assert [(figure.label, figure.value) for figure in panel.figures] == [("doublons possibles à examiner", "2")]
    assert [task.url for task in panel.tasks] == [reverse("sites:duplicates"), reverse("sites:import_wizard")]


def test_a_hub_without_departement_has_no_assistant(client):
    client.force_login(RoleAssignmentFactory(role=Role.HUB, scope=HubFactory(name="Hub vide")).user)
    assert client.get(reverse("sites:import_wizard")).status_code == 403
    assert client.get(reverse("sites:duplicates")).status_code == 403


def test_a_hub_reads_the_assistants_columns_and_downloads_its_templates_but_no_other_formats(hub_client):
    page = hub_client.get(reverse("sites:import_wizard")).content.decode()
    template = reverse("core:import_template", args=["csv-auto", "csv"])
    assert "Colonnes attendues" in page and template in page
    response = hub_client.get(template)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('modele-csv-auto.csv"')
    assert hub_client.get(reverse("core:import_template", args=["csv-auto", "xlsx"])).status_code == 200
    assert hub_client.get(reverse("core:import_template", args=["structures-csv", "csv"])).status_code == 403
    assert hub_client.get(reverse("core:import_template", args=["lieux-v1-csv", "csv"])).status_code == 403
