"""The recording form's fields copied when used (cnum.core.forms.CopiedWhenUsed): a recording posted valid copies
only the fields its form sets up for the advisor, cleans the others with the declared fields, and gets what copies
would have given; rendering, which changes widgets, only ever works on the form's own copies (issue #20)."""

import copy
import datetime

import pytest
from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cnum.activities.forms import ActivityForm
from cnum.core.forms import CopiedWhenUsed, QuickCopiedFields
from tests.activities.test_views import minimal_post
from tests.core.test_quick_copy import _state

pytestmark = pytest.mark.django_db


#: The fields the recording form's __init__ sets up for its advisor (their choices' querysets): copied by every form.
SET_UP = {"tags", "site", "redirection_site", "beneficiary", "beneficiaries"}


def _declared_states() -> dict:
    """What each declared field holds (its widget's attributes only for the fields set up: their querysets and
    choices compare by identity)."""
    return {
        name: copy.deepcopy(dict(field.widget.attrs) if name in SET_UP else _state(field))
        for name, field in ActivityForm.base_fields.items()
    }


def test_a_recording_posted_valid_copies_only_the_fields_its_form_sets_up(advisor):
    form = ActivityForm(minimal_post(advisor), advisor=advisor)
    assert form.is_valid(), form.errors
    assert isinstance(form.fields, CopiedWhenUsed)
    assert {name for name in form.fields if form.fields.is_own(name)} == SET_UP


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"themes": [], "type": "collectif", "anonymous_participants": "0", "notes": "Rendez-vous CAF"},
        {"date": "2019-13-45", "duration_preset": "autre", "duration_other": "-5", "breakdown_genre_feminin": "x"},
        {"type": "inconnu", "place_type": "", "themes": ["pas_un_theme"], "progressed": "peut-etre"},
    ],
)
def test_cleaning_with_the_declared_fields_gives_what_cleaning_with_copies_gives(advisor, changes):
    data = minimal_post(advisor, **changes)
    lazy, copied = ActivityForm(data, advisor=advisor), ActivityForm(data, advisor=advisor)
    assert all(field is not None for field in copied.fields.values())  # every field copied before cleaning
    assert lazy.is_valid() == copied.is_valid()
    assert lazy.errors == copied.errors
    assert lazy.cleaned_data.keys() == copied.cleaned_data.keys()
    for name, value in lazy.cleaned_data.items():
        other = copied.cleaned_data[name]
        if isinstance(value, QuerySet):  # two querysets, equal by their rows
            value, other = list(value), list(other)
        assert value == other, name


def test_rendering_a_form_with_errors_leaves_the_declared_fields_as_they_were(advisor_client, advisor):
    """django-dsfr marks the widgets of fields in error (aria-invalid) as it renders them: on the form's copies,
    never on the fields the class and the next forms share."""
    before = _declared_states()
    data = minimal_post(advisor, themes=[], date=(timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    response = advisor_client.post(reverse("activities:create"), data)
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert advisor_client.post(reverse("activities:create"), minimal_post(advisor)).status_code == 302
    assert 'aria-invalid="true"' not in advisor_client.get(reverse("activities:create")).content.decode()
    assert _declared_states() == before


def test_only_a_plain_enabled_field_not_copied_yet_cleans_as_declared():
    fields = CopiedWhenUsed(ActivityForm.base_fields)
    assert fields.shared("date") is ActivityForm.base_fields["date"]
    assert fields.shared("site") is None  # a field with a copy of its own (its queryset): always the form's copy
    copied = fields["date"]
    assert fields.shared("date") is None and fields["date"] is copied
    disabled = CopiedWhenUsed(QuickCopiedFields({"note": forms.CharField(disabled=True)}))
    assert disabled.shared("note") is None
