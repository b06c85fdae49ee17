"""The public page of a site: open now or when it opens next, the way there, booking and accessibility."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.usefixtures("cog")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def page_at(client, monkeypatch, site, *moment) -> str:
    now = datetime.datetime(*moment, tzinfo=PARIS).astimezone(datetime.UTC)
    monkeypatch.setattr("cnum.sites.views.timezone.now", lambda: now)
    response = client.get(reverse("sites:detail", args=[site.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((2025, 7, 15, 10, 0), "Ouvert maintenant, ferme à 12 h"),
        ((2025, 7, 12, 13, 0), "Fermé, ouvre mardi à 9 h"),  # Monday 14 July is a public holiday
        ((2025, 7, 18, 18, 0), "Fermé, ouvre demain à 9 h"),
    ],
)
def test_the_page_says_whether_the_site_is_open_and_when_it_opens(client, monkeypatch, moment, expected):
    site = SiteFactory()  # Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00
    html = page_at(client, monkeypatch, site, *moment)
    assert f'fr-badge--no-icon">{expected}</p>' in html


def test_no_status_without_hours(client, monkeypatch):
    html = page_at(client, monkeypatch, SiteFactory(opening_hours=""), 2025, 7, 15, 10, 0)
    assert 'id="statut-ouverture"' not in html and "Horaires non renseignés." in html


def test_the_page_links_a_route_a_booking_and_the_accessibility_sheet(client, monkeypatch):
    site = SiteFactory(
        booking_url="https://rdv.exemple.fr/espace",
        accessibility_url="https://acceslibre.beta.gouv.fr/app/69-lyon/a/bibliotheque/erp/espace/",
        specific_support=["Handicaps moteurs", "Surdité"],
    )
    html = page_at(client, monkeypatch, site, 2025, 7, 15, 10, 0)
    assert 'href="https://www.openstreetmap.org/directions?route=%3B45.7675%2C4.8357"' in html
    assert 'id="prise-rdv" href="https://rdv.exemple.fr/espace"' in html
    assert "fiche Acceslibre" in html and "Handicaps moteurs, Surdité" in html


def test_no_route_without_coordinates(client, monkeypatch):
    html = page_at(client, monkeypatch, SiteFactory(latitude=None, longitude=None), 2025, 7, 15, 10, 0)
    assert 'id="itineraire"' not in html
