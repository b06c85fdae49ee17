"""The audit trail page reads as people speak: names, labels, local times; filtered by person and by object."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cnum.activities.enums import PlaceType, Theme
from cnum.activities.models import Activity
from cnum.core import audit
from cnum.core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, cog):
    user = UserFactory(programme_team=True)
    client.force_login(user)
    return client


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def _changes(text: str) -> str:
    return " ".join(re.findall(r'<ul class="cnum-changes">(.*?)</ul>', text))


def test_no_internal_id_appears_for_a_foreign_key(reader):
    author = UserFactory(first_name="Camille", last_name="Martin")
    activity = ActivityFactory(
        created_by=author, site=SiteFactory(name="Médiathèque Jean Macé"), structure__name="Mairie de Bron"
    )
    new_site = SiteFactory(name="Espace numérique du Lac")
    activity.site = new_site
    activity.save()
    activities = ContentType.objects.get_for_model(Activity)
    text = _text(reader.get(reverse("core:audit_log"), {"content_type": activities.pk}))
    changes = _changes(text)
    assert "Médiathèque Jean Macé" in changes and "Espace numérique du Lac" in changes
    assert "Camille Martin" in changes
    for pk in {activity.site_id, author.pk, activity.advisor_id, activity.structure_id}:
        assert not re.search(rf"(?<![\d/:]){pk}(?![\d/:])", changes), pk


def test_codes_are_shown_as_their_labels(reader):
    activity = ActivityFactory(themes=[Theme.EMAIL.value])
    activity.place_type, activity.site = PlaceType.REMOTE, None
    activity.themes = [Theme.EMAIL.value, Theme.OFFICE.value]
    activity.save()
    changes = _changes(_text(reader.get(reverse("core:audit_log"))))
    assert str(PlaceType.REMOTE.label) in changes and "a_distance" not in changes and "lieu_activite" not in changes
    assert str(Theme.OFFICE.label) in changes and "bureautique" not in changes.replace(str(Theme.OFFICE.label), "")


def test_a_redacted_field_stays_modified_without_its_value(reader):
    activity = ActivityFactory(notes="Mme Dupont")
    activity.notes = "M. Durand"
    activity.save()
    text = _text(reader.get(reverse("core:audit_log"), {"action": "update"}))
    assert f"notes</span> : {audit.REDACTED}" in text
    assert "Dupont" not in text and "Durand" not in text


def test_times_are_local_never_utc_iso(reader, settings):
    moment = datetime.datetime(2025, 7, 1, 8, 30, tzinfo=datetime.UTC)
    with audit.acting_as(audit.SYSTEM):
        user = UserFactory()
    user.last_login = moment  # excluded from the trail
    user.date_joined = moment
    user.save()
    changes = _changes(_text(reader.get(reverse("core:audit_log"))))
    assert "01/07/2025 10:30" in changes
    assert "2025-07-01T" not in changes and "+00:00" not in changes


def test_a_page_costs_a_fixed_number_of_queries(reader, django_assert_max_num_queries):
    for _ in range(3):
        ActivityFactory(created_by=UserFactory())
    reader.get(reverse("core:audit_log"))  # sessions, content types cached
    with django_assert_max_num_queries(30) as first:
        reader.get(reverse("core:audit_log"))
    for _ in range(6):
        ActivityFactory(created_by=UserFactory())
    with django_assert_max_num_queries(len(first.captured_queries)):
        reader.get(reverse("core:audit_log"))


def test_filters_by_person_and_by_object(reader):
    camille = UserFactory(first_name="Camille", last_name="Martin")
    other = UserFactory(first_name="Dominique", last_name="Bernard")
    with audit.acting_as(audit.actor_for_user(camille)):
        mine = SiteFactory(name="Lieu de Camille")
    with audit.acting_as(audit.actor_for_user(other)):
        SiteFactory(name="Lieu de Dominique")
    text = _text(reader.get(reverse("core:audit_log"), {"actor": "camille mart"}))
    assert "Lieu de Camille" in text and "Lieu de Dominique" not in text
    text = _text(reader.get(reverse("core:audit_log"), {"object_name": "Dominique"}))
    assert "Lieu de Dominique" in text and "Lieu de Camille" not in text
    event = AuditEvent.objects.get(object_id=mine.pk, content_type__model="site")
    assert f"?content_type={event.content_type_id}&amp;object_id={mine.pk}" in _text(
        reader.get(reverse("core:audit_log"), {"object_name": "Camille"})
    )
    text = _text(reader.get(reverse("core:audit_log"), {"content_type": event.content_type_id, "object_id": mine.pk}))
    assert "Lieu de Camille" in text and "Lieu de Dominique" not in text
