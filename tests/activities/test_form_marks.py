"""Required fields carry the DSFR's asterisk; optional ones no "(Optionnel)" that could break mid-word."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_required_fields_are_marked_and_optional_ones_are_not(advisor_client):
    html = advisor_client.get(reverse("activities:create")).content.decode()
    assert "Optionnel" not in html and "(Optional)" not in html
    label = html.split('for="id_date"', 1)[1].split("</label>", 1)[0]
    assert 'class="fr-required-marker"' in label
    label = html.split('for="id_duration_other"', 1)[1].split("</label>", 1)[0]
    assert "fr-required-marker" not in label
