"""Duplicates across sources: proposed, not created; merged or kept apart on review; provenance kept and exported."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.core import imports
from cnum.sites.dedup import similarity
from cnum.sites.enums import DuplicateStatus
from cnum.sites.models import Site, SiteDuplicateCandidate, SiteSource
from cnum.sites.services import differences
from tests.accounts.factories import UserFactory
from tests.sites.factories import SiteFactory, luhn_siret
from tests.sites.regional import regional_file

pytestmark = pytest.mark.usefixtures("cog")
OVERLAP = 10
HUB_HEADER = "ref;raison sociale;adresse;code postal;insee;commune;latitude;longitude;url;date_maj\n"


@pytest.fixture(scope="module")
def regional():
    return regional_file(france_services=40, cnfs=0)


def run(path, source, **options):
    return imports.run_import(format_name="csv-auto", path=path, dry_run=False, source=source, **options)


def hub_file(regional, tmp_path, *, name="hub.csv") -> object:
    """A second source naming 10 of the region's sites in its own words, ~30 m away, plus one site of its own."""
    lines = []
    for number, row in enumerate(regional.rows[:OVERLAP]):
        name = " ".join(reversed(row["lib_fs"].upper().split()))
        place = f"{row['adresse']};{row['code_postal']};{row['insee_com']};{row['lib_com']}"
        lines.append(
            f"hub-{number};{name};{place};"
            f"{float(row['latitude']) + 0.0002};{row['longitude']};www.hub-{number}.fr;2023-03-01\n"
        )
    lines.append("hub-new;Tiers-lieu La Fabrique;3 rue Neuve;69002;69382;Lyon;45.76;4.83;;2023-03-01\n")
    path = tmp_path / name
    path.write_text(HUB_HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def both(regional, tmp_path):
    first = run(regional.write(tmp_path / "region.csv"), "region-ara")
    second = run(hub_file(regional, tmp_path), "hub-xyz")
    return first, second


def test_similarity_ignores_case_accents_and_word_order():
    assert similarity("France services de Valserhône", "VALSERHONE FRANCE SERVICES DE") == 1
    assert similarity("Médiathèque", "Mairie annexe") < 0.8


def test_an_overlapping_second_source_proposes_duplicates_instead_of_creating_them(both):
    first, second = both
    assert second.duplicates == OVERLAP and second.created == 1
    assert Site.objects.count() == first.created + 1
    candidates = SiteDuplicateCandidate.objects.pending()
    assert candidates.count() == OVERLAP
    assert all(candidate.site.source == "region-ara" for candidate in candidates)
    assert all("nom semblable" in " ".join(candidate.reasons) for candidate in candidates)


def test_importing_the_second_source_again_proposes_nothing_new(regional, tmp_path, both):
    again = run(hub_file(regional, tmp_path, name="hub-again.csv"), "hub-xyz")
    assert (again.created, again.duplicates, again.unchanged) == (0, OVERLAP, 1)
    assert SiteDuplicateCandidate.objects.count() == OVERLAP


def test_same_siret_same_postal_code_and_similar_street_is_a_duplicate(tmp_path):
    siret = luhn_siret()
    existing = SiteFactory(
        source="cnfs", pivot=siret, address="12 rue de la République", latitude=None, longitude=None
    )
    path = tmp_path / "asso.csv"
    path.write_text(
        f"nom;siret;adresse;cp;ville\nAsso numérique;{siret};12, rue de la Republique;69001;Lyon\n", encoding="utf-8"
    )
    report = run(path, "asso")
    candidate = SiteDuplicateCandidate.objects.get()
    assert report.created == 0 and candidate.site == existing
    assert candidate.reasons[0] == "même SIRET"


def test_merge_keeps_existing_values_fills_blanks_and_keeps_provenance(both):
    from cnum.sites.services import duplicate_merge

    candidate = SiteDuplicateCandidate.objects.get(source_id="hub-0")
    site = candidate.site
    name, reviewer = site.name, UserFactory(programme_team=True)
    merged = duplicate_merge(candidate=candidate, choices={}, decided_by=reviewer)
    assert merged.name == name and merged.websites == ["https://www.hub-0.fr"]
    assert merged.updated_on == datetime.date(2023, 3, 1)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.MERGED and candidate.decided_by == reviewer
    hub = SiteSource.objects.get(site=site, source="hub-xyz")
    assert hub.source_id == "hub-0" and hub.fields["name"] != name and hub.fields["updated_on"] == "2023-03-01"
    assert SiteSource.objects.get(site=site, source="region-ara").fields["name"] == name


def test_after_a_merge_the_second_source_is_recognised(regional, tmp_path, both):
    from cnum.sites.services import duplicate_merge

    candidate = SiteDuplicateCandidate.objects.get(source_id="hub-0")
    duplicate_merge(candidate=candidate, choices={"name": "proposed"}, decided_by=None)
    before = Site.objects.get(pk=candidate.site_id)
    again = run(hub_file(regional, tmp_path, name="hub-again.csv"), "hub-xyz")
    assert (again.created, again.updated, again.duplicates) == (0, 0, OVERLAP - 1)
    assert Site.objects.get(pk=candidate.site_id).updated_at == before.updated_at


def test_not_a_duplicate_creates_the_site_once(regional, tmp_path, both):
    from cnum.sites.services import duplicate_reject

    candidate = SiteDuplicateCandidate.objects.get(source_id="hub-1")
    site = duplicate_reject(candidate=candidate, decided_by=None)
    assert (site.source, site.source_id) == ("hub-xyz", "hub-1") and site.commune_id
    again = run(hub_file(regional, tmp_path, name="hub-again.csv"), "hub-xyz")
    assert again.created == 0 and again.duplicates == OVERLAP - 1
    assert Site.objects.filter(source="hub-xyz", source_id="hub-1").count() == 1


def test_export_carries_every_source_and_the_latest_date(both, tmp_path):
    from cnum.sites.services import duplicate_merge

    candidate = SiteDuplicateCandidate.objects.get(source_id="hub-2")
    site = duplicate_merge(candidate=candidate, choices={}, decided_by=None)
    site.pivot = luhn_siret()
    site.updated_on = datetime.date(2022, 12, 1)
    site.save()
    output = tmp_path / "lieux.csv"
    call_command("export_sites", "--format", "lieux-v1-csv", "--output", str(output), stdout=io.StringIO())
    with output.open(encoding="utf-8") as file:
        rows = {row["id"]: row for row in csv.DictReader(file)}
    assert rows[str(site.pk)]["source"] == "region-ara|hub-xyz"
    assert rows[str(site.pk)]["date_maj"] == "2023-03-01"


# --- the review page ------------------------------------------------------------------------------------------


def test_the_review_page_is_for_the_programme_team(client, both):
    url = reverse("sites:duplicates")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(advisor=True))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(programme_team=True))
    response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count("Examiner<span") == OVERLAP


def test_the_review_page_shows_both_sides_and_merges_with_the_chosen_values(client, both):
    client.force_login(UserFactory(programme_team=True))
    candidate = SiteDuplicateCandidate.objects.get(source_id="hub-3")
    url = reverse("sites:duplicate_detail", args=[candidate.pk])
    page = client.get(url).content.decode()
    assert candidate.site.name in page and candidate.proposed["name"] in page and "diffère" in page
    defaults = {row["group"]: row["default"] for row in differences(candidate) if row["differs"]}
    response = client.post(url, {**defaults, "name": "proposed"})
    assert response.status_code == 302
    site = Site.objects.get(pk=candidate.site_id)
    assert site.name == candidate.proposed["name"] and site.websites == ["https://www.hub-3.fr"]


def test_the_review_page_creates_the_site_when_it_is_not_a_duplicate(client, both):
    client.force_login(UserFactory(programme_team=True))
    candidate = SiteDuplicateCandidate.objects.get(source_id="hub-4")
    response = client.post(reverse("sites:duplicate_not_duplicate", args=[candidate.pk]))
    assert response.status_code == 302
    assert Site.objects.filter(source="hub-xyz", source_id="hub-4").exists()
    assert client.get(reverse("sites:duplicate_detail", args=[candidate.pk])).status_code == 404
