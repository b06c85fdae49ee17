"""Clickjacking (issue #22): the embeddable map (`/lieux/carte/integrer/`) may be framed by any site and sets no
cookie; every other page still refuses to be framed (CSP frame-ancestors 'none' and X-Frame-Options DENY)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.core.test_csp import plain_routes

pytestmark = pytest.mark.django_db
EMBED = reverse("sites:map_embed")


def frame_ancestors(response) -> str:
    directives = [part.strip() for part in response.get("Content-Security-Policy", "").split(";")]
    return next((part for part in directives if part.startswith("frame-ancestors")), "")


@pytest.mark.parametrize("query", ["", "?departement=69", "?commune=69123", "?epci=200046977", "?structure=1"])
def test_the_embedded_map_can_be_framed_by_anyone_and_sets_no_cookie(client, query):
    response = client.get(EMBED + query)
    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors *"
    assert "X-Frame-Options" not in response
    assert not response.cookies


def test_every_other_page_refuses_to_be_framed(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    checked = 0
    for path in plain_routes():
        if path == EMBED:
            continue
        response = client.get(path)
        if response.status_code == 405:
            continue
        assert response.get("X-Frame-Options") == "DENY", path
        if "text/html" in response.get("Content-Type", ""):
            assert frame_ancestors(response) == "frame-ancestors 'none'", path
            checked += 1
    assert checked > 20
