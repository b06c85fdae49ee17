import pytest

from cnum.sites import schema
from tests.sites.factories import SiteFactory, commune, structure

pytestmark = pytest.mark.usefixtures("cog")


def test_the_list_is_open_paginated_and_uses_the_schema_field_names(client):
    SiteFactory.create_batch(3)
    SiteFactory(unpublished=True)
    body = client.get("/api/lieux/", {"page_size": 2}).json()
    assert (body["count"], body["page"], body["pages"], len(body["items"])) == (3, 1, 2, 2)
    assert list(body["items"][0]) == schema.field_names()
    second = client.get("/api/lieux/", {"page_size": 2, "page": 2}).json()
    assert len(second["items"]) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "93"}, {"Marseille"}),
        ({"departement": "69"}, {"Lyon FS", "Lyon itinérant"}),
        ({"commune": "Marseille"}, {"Marseille"}),
        ({"commune": "690"}, {"Lyon FS", "Lyon itinérant"}),
        ({"service": "loisirs et créations numériques"}, {"Marseille"}),
        ({"france_services": "true"}, {"Lyon FS"}),
        ({"itinerant": "true"}, {"Lyon itinérant"}),
    ],
)
def test_the_list_has_the_filters_of_the_page(client, query, expected):
    SiteFactory(name="Lyon FS", france_services=True)
    SiteFactory(name="Lyon itinérant", itinerant=True)
    marseille = commune("13211")
    SiteFactory(name="Marseille", commune=marseille, postal_code="13011", services=["Loisirs et créations numériques"])
    body = client.get("/api/lieux/", query).json()
    assert {item["nom"] for item in body["items"]} == expected


def test_an_unknown_service_or_page_size_is_refused_in_french(client):
    response = client.get("/api/lieux/", {"service": "Cuisine"})
    assert response.status_code == 422 and "Service inconnu" in response.json()["detail"]
    assert client.get("/api/lieux/", {"page_size": 1000}).status_code == 422


def test_one_site_in_the_schema_v1_form(client):
    employer = structure(identifier="43493312300029")
    site = SiteFactory(
        name="Espace",
        structure=employer,
        phone="+33472103030",
        emails=["contact@espace.fr"],
        mobility=["Itinérant"],
    )
    body = client.get(f"/api/lieux/{site.pk}").json()
    assert body["id"] == str(site.pk) and body["nom"] == "Espace"
    assert body["pivot"] == "43493312300029"  # the linked structure's SIRET, the site's own being unknown
    assert (body["commune"], body["code_postal"], body["code_insee"]) == ("Lyon", "69001", "69123")
    assert (body["latitude"], body["longitude"]) == (45.7675, 4.8357)
    assert body["courriels"] == ["contact@espace.fr"] and body["itinerance"] == ["Itinérant"]
    assert body["horaires"] == "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"
    assert body["date_maj"] == "2025-01-15" and body["complement_adresse"] is None
    assert "contact_email" not in str(body)


def test_unknown_pivots_are_null_and_unpublished_sites_not_found(client):
    site = SiteFactory()
    assert client.get(f"/api/lieux/{site.pk}").json()["pivot"] is None
    hidden = SiteFactory(unpublished=True)
    assert client.get(f"/api/lieux/{hidden.pk}").status_code == 404
    assert client.get("/api/lieux/999999").status_code == 404
