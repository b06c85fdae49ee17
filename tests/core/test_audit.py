import pytest
from django.db import DatabaseError, connection, transaction

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
        user_pk = user.pk
        user.delete()

    events = AuditEvent.objects.filter(object_id=str(user_pk)).order_by("id")
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    created, updated, deleted = events
    assert created.changes["email"] == [None, "avant@exemple.fr"]
    assert updated.changes == {"first_name": ["Anne", "Annie"]}
    assert deleted.changes["email"] == ["avant@exemple.fr", None]
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
