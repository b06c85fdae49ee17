"""The structures list offers filters only to whom has enough structures to search."""

import pytest
from django.urls import reverse

from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def test_a_manager_of_one_structure_gets_no_search_form(client, lyon_manager, lyon_structure):
    client.force_login(lyon_manager)
    response = client.get(reverse("structures:list"), {"q": "nothing matches this"})
    html = response.content.decode()
    assert 'aria-label="Filtrer les structures"' not in html
    assert "Ville de Lyon" in html


def test_the_programme_team_searches_many_structures(client, programme_team):
    StructureFactory.create_batch(2)
    client.force_login(programme_team)
    assert 'aria-label="Filtrer les structures"' in client.get(reverse("structures:list")).content.decode()
