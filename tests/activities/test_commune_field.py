"""The activity form's commune: chosen by name or postal code among suggestions, never typed as an INSEE code."""

import pytest
from django.urls import reverse

from cnum.activities.models import Activity
from cnum.territories.lookup import commune_label, search_communes
from tests.activities.test_views import minimal_post
from tests.sites.factories import commune

pytestmark = pytest.mark.django_db


def _home(advisor, text):
    return minimal_post(advisor, place_type="domicile", site="", commune=text)


@pytest.mark.parametrize("typed", ["villeur", "Villeurbanne", "69100", "691"])
def test_suggestions_by_name_or_postal_code(advisor_client, cog, typed):
    response = advisor_client.get(reverse("territories:commune_suggestions"), {"commune": typed})
    assert response.status_code == 200
    assert '<option value="Villeurbanne (69100)">' in response.content.decode()


def test_suggestions_put_the_exact_name_first_and_skip_communes_deleguees(cog):
    labels = [suggestion.label for suggestion in search_communes("Lyon")]
    assert labels[0] == "Lyon (69001)"
    assert all(suggestion.name.upper().startswith("LYON") for suggestion in search_communes("Lyon"))


def test_a_commune_chosen_among_the_suggestions_is_recorded(advisor_client, advisor, cog):
    response = advisor_client.post(reverse("activities:create"), _home(advisor, "Villeurbanne (69100)"))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.commune == commune("69266") and activity.site is None


@pytest.mark.parametrize(("typed", "code"), [("69100", "69266"), ("Villeurbanne", "69266"), ("69266", "69266")])
def test_a_postal_code_or_a_name_typed_alone_is_read(advisor_client, advisor, cog, typed, code):
    response = advisor_client.post(reverse("activities:create"), _home(advisor, typed))
    assert response.status_code == 302
    assert Activity.objects.get().commune.code == code


def test_an_unknown_postal_code_says_how_to_choose(advisor_client, advisor, cog):
    response = advisor_client.post(reverse("activities:create"), _home(advisor, "69000"))
    html = response.content.decode()
    assert response.status_code == 200 and not Activity.objects.exists()
    assert "code INSEE" not in html and "Tapez le début de son nom ou son code postal" in html


def test_the_form_offers_suggestions_and_shows_the_recorded_commune(advisor_client, advisor, cog):
    html = advisor_client.get(reverse("activities:create")).content.decode()
    assert 'list="id_commune-suggestions"' in html and '<datalist id="id_commune-suggestions">' in html
    assert reverse("territories:commune_suggestions") in html
    assert "Commune (code INSEE)" not in html
    advisor_client.post(reverse("activities:create"), _home(advisor, "Villeurbanne (69100)"))
    activity = Activity.objects.get()
    html = advisor_client.get(reverse("activities:update", args=[activity.pk])).content.decode()
    assert f'value="{commune_label(activity.commune_id)}"' in html


def test_the_site_and_the_commune_say_for_which_place_they_are(advisor_client, cog):
    html = advisor_client.get(reverse("activities:create")).content.decode()
    assert 'data-only-for-place="lieu_activite"' in html and 'data-only-for-place="domicile autre"' in html
