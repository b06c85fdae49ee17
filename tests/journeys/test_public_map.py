"""A visitor finds help near them (issue #22): types a postal code, sees the nearest sites on the map and in the list,
keeps those open now, opens a site page; the same on a 375 px screen. The tiles never come from the network (tests
run offline): they are answered with a blank image, or refused, and the list and the markers are there either way."""

import base64
import re

import pytest
from django.urls import reverse

from cnum.territories.models import PostalCode
from tests.activities.test_browser import ARGS, CHROMIUM, tick
from tests.sites.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

TILES = re.compile(r"^https://data\.geopf\.fr/")
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
ALWAYS_OPEN = "24/7; PH open"
NEVER_OPEN = "Dec 25 09:00-10:00; PH off"  # Christmas is a public holiday: never open


@pytest.fixture
def lyon(transactional_db):
    rhone = DepartementFactory()
    lyon = CommuneFactory(code="69123", name="Lyon", departement=rhone, population=520000)
    villeurbanne = CommuneFactory(code="69266", name="Villeurbanne", departement=rhone)
    villefranche = CommuneFactory(code="69264", name="Villefranche-sur-Saône", departement=rhone)
    PostalCode.objects.get_or_create(code="69003", commune=lyon)  # already there when the real COG is loaded
    sites = [
        ("Médiathèque de la Part-Dieu", lyon, "69003", 45.7606, 4.8570, ALWAYS_OPEN),
        ("Mairie du 3e arrondissement", lyon, "69003", 45.7597, 4.8422, NEVER_OPEN),
        ("Médiathèque de Villeurbanne", villeurbanne, "69100", 45.7719, 4.8902, NEVER_OPEN),
        ("France Services de Villefranche", villefranche, "69400", 45.9898, 4.7197, ALWAYS_OPEN),
    ]
    for name, commune, postal_code, latitude, longitude, hours in sites:
        SiteFactory(
            name=name,
            commune=commune,
            postal_code=postal_code,
            latitude=latitude,
            longitude=longitude,
            opening_hours=hours,
        )


def listed(page) -> list[str]:
    return page.locator("#liste-lieux > li h3").all_inner_texts()


def distances(page) -> list[float]:
    return [
        float(text[2:-3].replace(",", ".")) for text in page.locator("#liste-lieux .cnum-distance").all_inner_texts()
    ]


def search_by_postal_code(journey, page) -> None:
    page.get_by_label("Commune ou code postal").fill("69003")
    with page.expect_navigation():
        page.get_by_role("button", name="Rechercher").click()
    page.locator("#carte-lieux[data-ready=true]").wait_for()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_visitor_finds_the_nearest_site_open_now(journey, lyon, width):
    page = journey.page
    page.set_viewport_size({"width": width, "height": 900})
    page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))
    journey.visit("sites:map")
    search_by_postal_code(journey, page)
    journey.checked()

    # The three sites within 10 km, nearest first, in the list and on the map; Villefranche (25 km) is not.
    assert sorted(listed(page)) == [
        "Mairie du 3e arrondissement",
        "Médiathèque de Villeurbanne",
        "Médiathèque de la Part-Dieu",
    ]
    assert distances(page) == sorted(distances(page))
    assert page.locator(".leaflet-marker-icon").count() >= 1
    assert page.locator(".leaflet-tile").count() >= 1
    if width == 375:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    journey.shoot(f"carte-lieux-{width}")

    # Open now: only the Part-Dieu library.
    page.get_by_role("button", name="Filtres", exact=True).click()
    page.locator("#filtres-carte.fr-collapse--expanded").wait_for()
    page.wait_for_timeout(500)  # the DSFR's opening animation
    tick(page, "Ouvert maintenant")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer les filtres").click()
    page.locator("#carte-lieux[data-ready=true]").wait_for()
    journey.checked()
    assert listed(page) == ["Médiathèque de la Part-Dieu"]
    assert page.get_by_role("button", name="Filtres (actifs)").is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Médiathèque de la Part-Dieu").click()
    journey.checked()
    assert page.locator("h1").inner_text() == "Médiathèque de la Part-Dieu"
    assert page.locator("#statut-ouverture").text_content().startswith("Ouvert maintenant")
    assert page.locator("#itineraire").is_visible()


def test_list_and_markers_without_tiles(journey, lyon):
    page = journey.page
    page.route(TILES, lambda route: route.abort())
    page.goto(journey.url("sites:map"))
    search_by_postal_code(journey, page)
    assert len(listed(page)) == 3
    assert page.locator(".leaflet-marker-icon").count() >= 1
    # Refused tiles are the only errors: no script error, no Content-Security-Policy violation.
    assert all("Failed to load resource" in error for error in journey.console_errors), journey.console_errors


@pytest.fixture
def town_hall(live_server, monkeypatch):
    """A tab showing pages of another origin (127.0.0.1, the live server being localhost) and its console errors.

    The town hall's page is answered by the test (not by a server), so Chromium sees it as a public page framing a
    local one and would block it (local network access checks): those checks are off in this browser only."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, "--disable-features=LocalNetworkAccessChecks"]
        )
        page = browser.new_page()
        page.set_default_timeout(20_000)
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))
        other = live_server.url.replace("localhost", "127.0.0.1")

        def show(path: str):
            frame = f'<iframe src="{live_server.url}{path}" title="Carte"></iframe>'
            html = f"<!DOCTYPE html><title>Mairie</title><h1>Mairie</h1>{frame}"
            page.route(f"{other}/mairie/", lambda route: route.fulfill(content_type="text/html", body=html))
            page.goto(f"{other}/mairie/")
            return page

        yield show, errors
        browser.close()


def test_the_embedded_map_is_framed_by_another_origin(town_hall, lyon):
    """A town hall's page, on another origin, frames the embedded map, which shows its sites and sets no cookie."""
    show, errors = town_hall
    page = show(reverse("sites:map_embed") + "?departement=69")
    frame = page.frame_locator("iframe")
    frame.locator("#carte-lieux[data-ready=true]").wait_for(state="attached")
    assert frame.locator("#liste-lieux > li").count() == 4
    assert frame.locator(".leaflet-marker-icon").count() >= 1
    assert not errors
    assert not page.context.cookies()


def test_the_map_page_itself_cannot_be_framed(town_hall, lyon):
    show, errors = town_hall
    page = show(reverse("sites:map"))
    page.wait_for_timeout(1000)
    assert any("frame-ancestors" in error for error in errors), errors
    assert page.frame_locator("iframe").locator("#carte-lieux").count() == 0


def test_near_me_searches_around_the_browsers_position(lyon, live_server, monkeypatch):
    """The browser's position (granted here) is sent with the search: the nearest sites to Bellecour are listed."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            geolocation={"latitude": 45.7578, "longitude": 4.8320}, permissions=["geolocation"]
        )
        page = context.new_page()
        page.route(TILES, lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))
        page.goto(live_server.url + reverse("sites:map"))
        with page.expect_navigation():
            page.get_by_role("button", name="Autour de moi").click()
        assert "de votre position" in page.locator("#resultat-carte").inner_text()
        assert listed(page)[0] == "Mairie du 3e arrondissement"
        browser.close()
