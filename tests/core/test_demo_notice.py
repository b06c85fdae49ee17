"""A demo instance says so on every page (issue #19, deliverable 5)."""

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["core:home", "core:dashboard", "sites:list"])
def test_every_page_of_a_demo_instance_carries_the_notice(client, settings, name):
    settings.CNUM_DEMO = True
    client.force_login(UserFactory(programme_team=True))
    html = client.get(reverse(name)).content.decode()
    assert 'data-testid="avis-demonstration"' in html and "Données de démonstration générées" in html
    assert reverse("core:demo") in html


def test_an_instance_that_is_not_a_demo_carries_none(client, settings):
    settings.CNUM_DEMO = False
    assert "Données de démonstration générées" not in client.get(reverse("core:home")).content.decode()


def test_the_page_says_what_is_real_and_what_is_generated(client):
    html = client.get(reverse("core:demo")).content.decode()
    assert "Ce qui est réel" in html and "Ce qui est généré" in html


def test_the_page_says_which_months_the_generated_activities_cover(client):
    from cnum.demo.history import FIRST_MONTH

    html = client.get(reverse("core:demo")).content.decode()
    assert f"de {date_format(FIRST_MONTH, 'F Y')} à aujourd'hui seulement" in html
