"""The public map's page, server side: the search by postal code, commune name or position, the filters, the list
sorted by distance, and the embeddable map narrowed to a territory."""

import json

import pytest
from django.urls import reverse

from tests.sites.factories import SiteFactory, commune

pytestmark = pytest.mark.usefixtures("cog")
URL = reverse("sites:map")


@pytest.fixture
def sites():
    return {
        "part_dieu": SiteFactory(name="Part-Dieu", latitude=45.7606, longitude=4.8570, opening_hours="24/7; PH open"),
        "bellecour": SiteFactory(name="Bellecour", latitude=45.7578, longitude=4.8320, fees=["Gratuit"]),
        "marseille": SiteFactory(
            name="Marseille", commune=commune("13201"), postal_code="13001", latitude=43.2965, longitude=5.3698
        ),
    }


def get(client, url=URL, **query):
    response = client.get(url, query)
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(html.split('id="lieux-carte-donnees" type="application/json">')[1].split("</script>")[0])
    return html, data


def listed(html) -> list[str]:
    return [chunk.split("</a>")[0].rsplit(">", 1)[1] for chunk in html.split('<h3 class="fr-h6 fr-mb-0">')[1:]]


def test_without_a_search_every_site_is_on_the_map_and_the_list_waits(client, sites):
    html, data = get(client)
    assert {site["nom"] for site in data["sites"]} == {"Part-Dieu", "Bellecour", "Marseille"}
    assert data["centre"] is None and not listed(html)
    assert "Indiquez une commune ou un code postal" in html


@pytest.mark.parametrize("text", ["69001", "Lyon", "lyon"])
def test_a_postal_code_or_a_commune_lists_the_nearest_sites(client, sites, text):
    html, data = get(client, q=text)
    assert listed(html) == ["Bellecour", "Part-Dieu"] or listed(html) == ["Part-Dieu", "Bellecour"]
    assert {site["nom"] for site in data["sites"]} == {"Part-Dieu", "Bellecour"}
    assert data["centre"]["rayon_km"] == 10
    assert all("distance_km" in site for site in data["sites"])


def test_the_visitors_position_sorts_by_distance(client, sites):
    html, data = get(client, lat="45.7580", lon="4.8330", rayon_km="5")
    assert listed(html) == ["Bellecour", "Part-Dieu"]
    assert "de votre position" in html


def test_filters_apply(client, sites):
    assert listed(get(client, q="69001", gratuit="on")[0]) == ["Bellecour"]


def test_an_unknown_place_says_so(client, sites):
    html, _ = get(client, q="Zzyzx")
    assert "Aucune commune ou aucun lieu trouvé pour « Zzyzx »" in html


def test_the_embedded_map_is_narrowed_to_its_territory_and_lists_its_sites(client, sites):
    html, data = get(client, reverse("sites:map_embed"), departement="13")
    assert [site["nom"] for site in data["sites"]] == ["Marseille"]
    assert listed(html) == ["Marseille"]
    assert 'target="_blank"' in html and '<input type="hidden" name="departement" value="13">' in html
    assert "fr-header" not in html


def test_the_embed_code_page_gives_the_iframe(client, db):
    html = client.get(reverse("sites:map_embed_code"), {"type": "commune", "code": "69123"}).content.decode()
    assert "&lt;iframe src=&quot;http://testserver/lieux/carte/integrer/?commune=69123&quot;" in html


def test_the_map_makes_a_bounded_number_of_queries_for_20_sites(client, sites, django_assert_max_num_queries):
    SiteFactory.create_batch(18)
    with django_assert_max_num_queries(12):
        get(client, q="69001")


def test_the_visitors_position_is_masked_in_the_logs():
    from cnum.core.logging import mask_url

    assert mask_url("GET /lieux/carte/?lat=45.7606&lon=4.857&q=69003") == (
        "GET /lieux/carte/?lat=[masqué]&lon=[masqué]&q=[masqué]"
    )
