"""GET /api/v1/lieux/: the published sites around a point, nearest first, checked against a distance computed here
independently (spherical law of cosines, not the haversine formula the code uses)."""

import datetime
import math
import zoneinfo

import pytest

from cnum.sites import schema
from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.usefixtures("cog")

URL = "/api/v1/lieux/"
BELLECOUR = (45.7578, 4.8320)
#: name → (latitude, longitude): around Lyon, from 0.8 km to 50 km away, and Marseille.
PLACES = {
    "Hôtel de ville de Lyon": (45.7676, 4.8359),
    "Médiathèque de Villeurbanne": (45.7719, 4.8902),
    "Mairie de Vénissieux": (45.6973, 4.8859),
    "France Services de Villefranche": (45.9898, 4.7197),
    "Médiathèque de Saint-Étienne": (45.4397, 4.3872),
    "Mairie de Marseille": (43.2965, 5.3698),
}


def law_of_cosines_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, point)) for point in (a, b))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return 6371.0088 * math.acos(min(1.0, cosine))


@pytest.fixture
def sites():
    created = {name: SiteFactory(name=name, latitude=lat, longitude=lon) for name, (lat, lon) in PLACES.items()}
    SiteFactory(name="Lieu non publié", latitude=45.7580, longitude=4.8321, unpublished=True)
    SiteFactory(name="Lieu sans coordonnées", latitude=None, longitude=None)
    return created


@pytest.mark.parametrize("radius", [1, 5, 10, 30, 60])
def test_a_radius_search_around_lyon_answers_the_sites_within_it_nearest_first(client, sites, radius):
    body = client.get(URL, {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "rayon_km": radius}).json()
    expected = sorted(
        (law_of_cosines_km(BELLECOUR, point), name)
        for name, point in PLACES.items()
        if law_of_cosines_km(BELLECOUR, point) <= radius
    )
    assert [item["nom"] for item in body["items"]] == [name for _, name in expected]
    assert body["count"] == len(expected)
    for item, (distance, _) in zip(body["items"], expected, strict=True):
        assert item["distance_km"] == pytest.approx(distance, abs=0.002)
        assert item["distance_km"] <= radius
        assert set(schema.field_names()) | {"distance_km"} == set(item)


def test_the_search_is_paginated(client, sites):
    query = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "rayon_km": 60, "page_size": 2}
    first, third = client.get(URL, query).json(), client.get(URL, {**query, "page": 3}).json()
    assert (first["count"], first["pages"]) == (5, 3)
    assert [item["nom"] for item in third["items"]] == ["Médiathèque de Saint-Étienne"]
    assert first["items"][1]["distance_km"] <= third["items"][0]["distance_km"]


def test_the_map_filters_apply(client, sites):
    villeurbanne = sites["Médiathèque de Villeurbanne"]
    villeurbanne.fees, villeurbanne.specific_publics = ["Gratuit"], ["Seniors"]
    villeurbanne.specific_support = ["Handicaps moteurs"]
    villeurbanne.save()
    venissieux = sites["Mairie de Vénissieux"]
    venissieux.booking_url, venissieux.fees = "https://rdv.exemple.fr/venissieux", ["Gratuit sous condition"]
    venissieux.save()
    base = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "rayon_km": 20}

    def names(**query):
        return [item["nom"] for item in client.get(URL, {**base, **query}).json()["items"]]

    assert names(gratuit="true") == ["Médiathèque de Villeurbanne"]
    assert names(public="seniors") == ["Médiathèque de Villeurbanne"]
    assert names(prise_en_charge="Handicaps moteurs") == ["Médiathèque de Villeurbanne"]
    assert names(sur_rendez_vous="true") == ["Mairie de Vénissieux"]
    assert names(service="Aide aux démarches administratives") == names()


def test_open_now_follows_the_hours_and_french_public_holidays(client, sites, monkeypatch):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    lyon = sites["Hôtel de ville de Lyon"]
    lyon.opening_hours = "Mo-Su 08:00-20:00"
    lyon.save()
    base = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "rayon_km": 5, "ouvert_maintenant": "true"}

    def at(*moment):
        utc = datetime.datetime(*moment, tzinfo=paris).astimezone(datetime.UTC)  # as Django's clock gives it
        monkeypatch.setattr("cnum.api.nearby.timezone.now", lambda: utc)
        return [item["nom"] for item in client.get(URL, base).json()["items"]]

    assert at(2025, 7, 15, 10, 0) == ["Hôtel de ville de Lyon", "Médiathèque de Villeurbanne"]  # a Tuesday morning
    assert at(2025, 7, 15, 19, 0) == ["Hôtel de ville de Lyon"]
    assert at(2025, 7, 14, 10, 0) == []  # Bastille Day: closed on public holidays unless the hours say otherwise


@pytest.mark.parametrize(
    "query",
    [
        {"lon": 4.8},
        {"lat": 95, "lon": 4.8},
        {"lat": 45.7, "lon": 4.8, "rayon_km": 0},
        {"lat": 45.7, "lon": 4.8, "rayon_km": 101},
        {"lat": 45.7, "lon": 4.8, "service": "Coiffure"},
        {"lat": 45.7, "lon": 4.8, "page_size": 500},
    ],
)
def test_an_invalid_search_is_refused(client, db, query):
    response = client.get(URL, query)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_search_is_in_the_openapi_page_and_the_former_list_still_works(client, sites):
    schema_paths = client.get("/api/openapi.json").json()["paths"]
    operation = schema_paths["/api/v1/lieux/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"lat", "lon", "rayon_km", "gratuit"}
    assert "security" not in operation or not operation["security"]
    assert client.get("/api/lieux/").json()["count"] == 7
