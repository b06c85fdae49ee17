import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from cnum.core import audit
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_recorded_with_old_and_new_values():
    with audit.acting_as(audit.Actor(label="test")):
        user = UserFactory(email="avant@exemple.fr", first_name="Anne")
        user.first_name = "Annie"
        user.save()
        user.is_staff = True
        user.save()
        user_pk = user.pk
        user.delete()

    events = AuditEvent.objects.filter(object_id=str(user_pk)).order_by("id")
    assert [e.action for e in events] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
    ]
    created, updated, promoted, deleted = events
    assert promoted.changes == {"is_staff": [False, True]}
    assert created.changes["is_active"] == [None, True]
    assert updated.changes == {"first_name": audit.REDACTED}
    assert deleted.changes["is_active"] == [True, None]
    assert all(e.actor_label == "test" for e in events)


def test_password_hash_never_reaches_the_audit_log():
    user = UserFactory()
    user.set_password("un-autre-mot-de-passe")
    user.save()
    for event in AuditEvent.objects.filter(object_id=str(user.pk)):
        assert "password" not in event.changes


def test_saving_without_change_records_nothing():
    user = UserFactory()
    before = AuditEvent.objects.count()
    user.save()
    assert AuditEvent.objects.count() == before


def test_changes_made_while_serving_a_request_are_attributed_to_the_signed_in_person(rf):
    from django.http import HttpResponse

    from cnum.accounts.models import User
    from cnum.core.middleware import AuditActorMiddleware

    user = UserFactory()

    def view(request):
        UserFactory(email="cree@exemple.fr")
        return HttpResponse()

    request = rf.post("/")
    request.user = user
    AuditActorMiddleware(view)(request)
    created = User.objects.get(email="cree@exemple.fr")
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(created.pk))
    assert event.actor_id == user.pk
    assert event.actor_label == user.email


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_rejects_update_of_an_audit_event():
    UserFactory()
    event = AuditEvent.objects.latest("id")
    with pytest.raises(DatabaseError, match="ajout seul"):
        _raw("UPDATE core_auditevent SET actor_label = 'falsifié' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="falsifié")
    event.refresh_from_db()
    assert event.actor_label != "falsifié"


def test_database_rejects_delete_of_an_audit_event():
    UserFactory()
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="ajout seul"):
        _raw("DELETE FROM core_auditevent")
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_rejects_truncate_of_the_audit_log():
    UserFactory()
    with pytest.raises(DatabaseError, match="ajout seul"):
        _raw("TRUNCATE core_auditevent")


def test_maintenance_mode_is_the_only_way_to_delete():
    UserFactory()
    with audit.audit_maintenance():
        _raw("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 0
    UserFactory()
    with pytest.raises(DatabaseError, match="ajout seul"):
        _raw("DELETE FROM core_auditevent")


def test_triggers_survive_a_table_rebuild_by_migrate():
    """SQLite drops triggers when a migration rebuilds a table; post_migrate puts them back."""
    from django.core.management import call_command

    if connection.vendor == "sqlite":
        _raw("DROP TRIGGER core_auditevent_no_update")
    call_command("migrate", verbosity=0)
    UserFactory()
    with pytest.raises(DatabaseError, match="ajout seul"):
        _raw("UPDATE core_auditevent SET actor_label = 'x'")


def test_bulk_work_records_one_summary_event():
    from cnum.accounts.models import User

    with audit.acting_as(audit.Actor(label="commande essai")):
        event = audit.record_bulk(User, summary={"créés": 3}, description="import d'essai")
    assert event.action == AuditAction.BULK
    assert event.changes == {"créés": 3}
    assert event.actor_label == "commande essai"


def test_free_text_and_personal_fields_are_logged_as_changed_never_with_their_value():
    from tests.activities.factories import ActivityFactory, BeneficiaryFactory
    from tests.territories.factories import CommuneFactory

    commune = CommuneFactory(code="38185", name="Grenoble")
    activity = ActivityFactory(
        notes="Mme Dupont, 06 12 34 56 78", title="Atelier chez Mme Dupont", redirection_other="CCAS de Dupont"
    )
    activity.notes = "Rappeler M. Durand"
    activity.save()
    person = BeneficiaryFactory(followed=True, commune=commune, consent_date=datetime.date(2024, 5, 17))
    person.consent_date = datetime.date(2024, 6, 18)
    person.save()

    events = AuditEvent.objects.filter(content_type__model__in=["activity", "beneficiary"])
    logged = str([event.changes for event in events])
    for value in ("Dupont", "Durand", "06 12 34 56 78", "2024-05-17", "2024-06-18"):
        assert str(value) not in logged
    activity_update = events.filter(content_type__model="activity", action=AuditAction.UPDATE).latest("id")
    assert activity_update.changes == {"notes": audit.REDACTED}
    person_created = events.get(content_type__model="beneficiary", object_id=person.pk, action=AuditAction.CREATE)
    assert person_created.changes["commune_id"] == audit.REDACTED
    assert person_created.changes["last_name"] == audit.REDACTED


def test_the_audit_page_says_a_redacted_field_was_modified(client):
    from tests.activities.factories import ActivityFactory

    activity = ActivityFactory(notes="Mme Dupont")
    activity.notes = "M. Durand"
    activity.save()
    client.force_login(UserFactory(programme_team=True))
    page = client.get(reverse("core:audit_log"), {"object_id": activity.pk, "action": "update"}).content.decode()
    text = " ".join(page.split())
    assert "notes</span> : modifié" in text
    assert "Dupont" not in text and "Durand" not in text


PUBLIC_TEXT_FIELDS = {
    # Names of organisations, places and reference data: public, they name no one.
    "structures.Structure": {"name", "address", "source", "source_id", "identifier"},
    # A site's contact details and presentation are published in the national open data (schema "lieux").
    "sites.Site": {
        "name",
        "address",
        "address_complement",
        "commune_name",
        "parent_structure",
        "phone",
        "description",
    },
    "advisors.Team": {"name"},
    # A tag names a project, a partnership or a campaign of a structure or a team, as a team's name does.
    "activities.Tag": {"name"},
    # The legal text a budget line or a grant scheme comes from; a funding simulation's title.
    "funding.BudgetLine": {"source"},
    "funding.GrantScheme": {"source"},
    "funding.SimulationScenario": {"name"},
}
PERSONAL_FIELD_HINTS = ("name", "email", "phone", "notes", "comment", "reason", "title", "other", "contact")


@pytest.mark.parametrize(
    "model", sorted(audit._registry, key=lambda model: model._meta.label), ids=lambda model: model._meta.label
)
def test_every_registered_model_keeps_names_contacts_and_free_text_out_of_the_trail(model):
    """A guard for new fields: one that looks personal or free must be redacted, excluded or declared public."""
    from django.db import models

    public = PUBLIC_TEXT_FIELDS.get(model._meta.label, set())
    logged_as_is = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and (
            isinstance(field, models.TextField | models.EmailField)
            or any(h in field.name for h in PERSONAL_FIELD_HINTS)
        )
        and field.name not in public
        and not audit.is_hidden(model, field.name)
    ]
    assert logged_as_is == []
