"""A site's page reads the site, its commune, département, région and structure in one query (STYLE, "Tests")."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.sites.factories import SiteFactory, structure

pytestmark = pytest.mark.usefixtures("cog")


def test_the_site_page_reads_the_site_and_what_it_shows_in_one_query(client, django_assert_num_queries):
    site = SiteFactory(structure=structure(identifier="43493312300029", name="Ville de Lyon"))
    with django_assert_num_queries(1):
        page = client.get(reverse("sites:detail", args=[site.pk])).content.decode()
    assert "Ville de Lyon" in page and "Rhône (69) — Auvergne-Rhône-Alpes" in page


def test_signed_in_the_site_page_adds_only_the_session_and_the_roles(client, django_assert_max_num_queries):
    """Session, user, the site, roles, and the session saved (savepoint, update, release)."""
    client.force_login(UserFactory(programme_team=True))
    site = SiteFactory(structure=structure(identifier="43493312300029"))
    with django_assert_max_num_queries(7):
        assert "Modifier" in client.get(reverse("sites:detail", args=[site.pk])).content.decode()
