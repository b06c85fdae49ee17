"""Each tile shows its short definition, the full one a click away (an accessible accordion); one number format and
one period label everywhere (issue #16, deliverable 7)."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from cnum.core.formatting import number, percent
from cnum.stats import catalogue, exports, forms, views
from cnum.stats.scopes import Scope
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_each_tile_has_its_short_definition_and_the_full_one_behind_a_button(client):
    ActivityFactory()
    client.force_login(UserFactory(programme_team=True))
    html = client.get(reverse("stats:dashboard"), {"du": "2025-01-01", "au": "2025-12-31"}).content.decode()
    for measure in catalogue.MEASURES:
        assert f'data-short="{measure.key}">{escape(measure.short)}<' in html, measure.key
        button = re.search(rf'<button[^>]*aria-controls="definition-{measure.key}"[^>]*>(.*?)</button>', html, re.S)
        assert button and 'aria-expanded="false"' in button.group(0), measure.key
        assert escape(measure.label) in button.group(1)  # the button names its figure for a screen reader
        collapse = re.search(rf'<div class="fr-collapse" id="definition-{measure.key}">(.*?)</div>', html, re.S)
        assert collapse and escape(measure.definition) in collapse.group(1), measure.key


def test_numbers_are_written_one_way_in_pages_fiche_and_command():
    assert number(35553) == "35\u202f553" and number(12.5) == "12,5"
    assert views.shown("activities", 29631) == "29\u202f631"
    assert views.shown("progressed_rate", 0.4) == percent(0.4) == "40\u202f%"
    assert views.shown("progressed_rate", None) == "sans objet"
    assert exports._display(29631) == "29\u202f631"
    ActivityFactory.create_batch(2, duration_minutes=45)
    out = io.StringIO()
    call_command("stats", "--scope", "national", stdout=out)
    assert "Heures d'accompagnement : 1,5" in out.getvalue()


def test_one_period_label():
    since, until = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    assert exports.period_label is forms.period_label
    assert forms.period_label(None, None) == "depuis le début"
    html = exports.fiche_html(Scope.parse("national"), None, None)
    assert "Période : depuis le début" in html
    out = io.StringIO()
    call_command("stats", "--scope", "national", "--from", "2025-01-01", "--to", "2025-12-31", stdout=out)
    assert out.getvalue().startswith(f"Statistiques — France entière, {forms.period_label(since, until)}")
