"""Reads compiled once (cnum.core.prepared) and rows written by one prepared INSERT (cnum.core.bulk.insert_object):
the same rows as the ORM's, whatever the values, on both engines."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from cnum.accounts.models import User
from cnum.activities.models import Activity
from cnum.advisors.models import Contract
from cnum.core.bulk import insert_object
from cnum.core.models import AuditEvent
from cnum.core.prepared import Prepared, columns, instance
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import ContractFactory

pytestmark = pytest.mark.django_db

CURRENT = Prepared(
    lambda advisor_id, day: Contract.objects.current(on=day).filter(advisor_id=advisor_id).values_list("pk"),
    advisor_id=int,
    day=datetime.date,
)


def test_a_prepared_read_answers_as_its_queryset_for_every_value():
    ended = ContractFactory(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 6, 30))
    running = ContractFactory(advisor=ended.advisor, start=datetime.date(2024, 7, 1))
    other = ContractFactory(start=datetime.date(2024, 1, 1))
    for advisor in (ended.advisor, other.advisor):
        for day in (datetime.date(2023, 12, 31), datetime.date(2024, 6, 30), datetime.date(2024, 7, 1)):
            expected = set(Contract.objects.current(on=day).filter(advisor=advisor).values_list("pk"))
            assert set(CURRENT.rows(advisor_id=advisor.pk, day=day)) == expected
    assert CURRENT.rows(advisor_id=ended.advisor_id, day=datetime.date(2024, 7, 1)) == [(running.pk,)]
    assert CURRENT.first(advisor_id=ended.advisor_id, day=datetime.date(2023, 1, 1)) is None


def test_columns_come_back_converted_and_build_the_orms_objects():
    user = User.objects.create(email="camille@exemple.fr", is_active=False)
    read = Prepared(lambda pk: User.objects.filter(pk=pk).values_list(*columns(User)), pk=int)
    found = instance(User, read.first(pk=user.pk))
    stored = User.objects.get(pk=user.pk)
    assert found.is_active is False and found.date_joined == stored.date_joined
    assert timezone.is_aware(found.date_joined)
    assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in User._meta.concrete_fields
    }
    assert instance(User, (None,) * len(columns(User))) is None


def test_a_parameter_the_query_does_not_hold_is_refused():
    unused = Prepared(lambda pk, name: User.objects.filter(pk=pk).values_list("pk"), pk=int, name=str)
    with pytest.raises(ValueError, match="name"):
        unused.rows(pk=1, name="x")
    with pytest.raises(TypeError):
        Prepared(lambda flag: User.objects.filter(is_active=flag), flag=bool)


def test_an_object_inserted_raw_reads_back_as_the_orm_wrote_it():
    model = ActivityFactory(themes=["email", "sante"], anonymous_breakdown={"genre": {"feminin": 2}})
    copy = Activity(
        **{f.attname: getattr(model, f.attname) for f in Activity._meta.concrete_fields if not f.primary_key}
    )
    before = timezone.now()
    insert_object(copy)
    assert copy.pk and copy.pk != model.pk and not copy._state.adding
    stored = Activity.objects.get(pk=copy.pk)
    skip = {"id", "created_at", "updated_at"}
    fields = [f.attname for f in Activity._meta.concrete_fields if f.attname not in skip]
    assert [getattr(stored, name) for name in fields] == [getattr(model, name) for name in fields]
    assert stored.created_at == copy.created_at and stored.created_at >= before
    # Stored as the ORM stores moments: lookups on them compare right.
    assert Activity.objects.filter(pk=copy.pk, created_at__gte=before, updated_at__lte=timezone.now()).exists()
    kind = ContentType.objects.get_for_model(Activity)
    event = AuditEvent(
        actor_label="t", action="create", content_type=kind, object_repr="x", changes={"é": [None, "à"]}
    )
    insert_object(event)
    assert AuditEvent.objects.get(pk=event.pk).changes == {"é": [None, "à"]}


def test_a_prepared_read_compares_aware_datetimes_as_its_queryset():
    """On SQLite the ORM spells a datetime as text in UTC: the prepared read passes it the same way."""
    joined = timezone.now().replace(microsecond=0)
    user = User.objects.create(email="dominique@exemple.fr", date_joined=joined)
    since = Prepared(
        lambda pk, moment: User.objects.filter(pk=pk, date_joined__gt=moment).values_list("pk"),
        pk=int,
        moment=datetime.datetime,
    )
    paris = datetime.timezone(datetime.timedelta(hours=1))
    for moment in (
        joined - datetime.timedelta(seconds=1),
        joined,
        joined.astimezone(paris) - datetime.timedelta(hours=1),
    ):
        expected = list(User.objects.filter(pk=user.pk, date_joined__gt=moment).values_list("pk"))
        assert since.rows(pk=user.pk, moment=moment) == expected
    assert since.rows(pk=user.pk, moment=joined - datetime.timedelta(seconds=1)) == [(user.pk,)]
    assert since.rows(pk=user.pk, moment=joined) == []


def test_a_read_keeping_todays_date_is_refused():
    """`current()` without `on=` compiles today's date into the statement, which would then answer with the day of
    the first call for ever: refused at that call, the day must be a parameter (as CURRENT's)."""
    today = Prepared(
        lambda advisor_id: Contract.objects.current().filter(advisor_id=advisor_id).values_list("pk"), advisor_id=int
    )
    with pytest.raises(ValueError, match="date du jour"):
        today.rows(advisor_id=1)
    assert CURRENT.rows(advisor_id=1, day=timezone.localdate()) == []


def test_a_statement_bound_on_the_server_is_prepared_after_a_few_runs_and_keeps_answering():
    """PostgreSQL: psycopg prepares a server-bound statement once it has run `CNUM_PG_PREPARE_THRESHOLD` times on the
    connection (config/settings/base.py), so that the server plans it once; its answers stay each run's own."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    people = [User.objects.create(email=f"personne{n}@exemple.fr") for n in range(threshold + 3)]
    read = Prepared(lambda pk: User.objects.filter(pk=pk).values_list("email"), pk=int)
    for person in people:
        assert read.rows(pk=person.pk) == [(person.email,)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "accounts_user"' in statement and '"email"' in statement for statement in prepared)
