"""A recording's new rows in one statement (cnum.core.bulk.folded_inserts, issue #20): on PostgreSQL the rows
`insert_object` writes in a fold go together, with ids drawn beforehand; what is written is what one INSERT each
writes, a read in the fold sees the rows, an error writes none of them. Elsewhere a fold changes nothing."""

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from cnum.activities import services
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.core import bulk
from cnum.core.models import AuditEvent
from cnum.stats.models import StatPending
from tests.activities.test_services import data
from tests.advisors.factories import ContractFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a fold folds on PostgreSQL only")


def record(advisor, values: dict | None = None) -> Activity:
    return services.activity_record(advisor=advisor, data=values or data(genre="feminin"), by=None)


def fields(queryset, *left_out: str) -> list[dict]:
    """Every column of the rows but their keys, their references to each other and their moments."""
    model = queryset.model
    names = [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.get_internal_type() != "DateTimeField" and field.attname not in left_out
    ]
    return list(queryset.order_by("pk").values(*names))


def written(activity: Activity) -> dict:
    """What a recording wrote, but its ids and moments."""
    accompaniment = Accompaniment.objects.filter(activity=activity)
    person = Beneficiary.objects.filter(pk__in=accompaniment.values("beneficiary_id"))
    mine = Q(content_type__model="activity", object_id=str(activity.pk))
    events = AuditEvent.objects.filter(mine | Q(content_type__model="beneficiary", object_id=person.get().pk))
    return {
        "activity": fields(Activity.objects.filter(pk=activity.pk)),
        "person": fields(person),
        "accompaniment": fields(accompaniment, "activity_id", "beneficiary_id"),
        "events": fields(events, "object_id", "object_repr", "changes"),
        "changes": [sorted(event.changes) for event in events.order_by("pk")],
        "queued": StatPending.objects.filter(activity=activity.pk).count(),
    }


def test_a_collective_recording_writes_the_same_rows_folded_or_not():
    advisor = ContractFactory().advisor
    bulk._fold_plans.clear()
    values = data(
        type="collectif",
        title="Atelier « courriel » : l'envoi d'une pièce jointe\\n",
        anonymous_participants=6,
        anonymous_first_time=2,
        anonymous_progressed=3,
        anonymous_asked=4,
        anonymous_breakdown={"genre": {"feminin": 4, "masculin": 1}},
        themes=["email", "sante"],
    )
    first, second = record(advisor, values), record(advisor, values)
    assert fields(Activity.objects.filter(pk=second.pk)) == fields(Activity.objects.filter(pk=first.pk))
    assert Activity.objects.get(pk=second.pk).anonymous_breakdown == {"genre": {"feminin": 4, "masculin": 1}}
    assert StatPending.objects.filter(activity__in=[first.pk, second.pk]).count() == 2


def test_a_recording_writes_the_same_rows_folded_or_not():
    advisor = ContractFactory().advisor
    bulk._fold_plans.clear()
    values = data(genre="feminin")
    first = record(advisor, values)  # the fold's first block writes row by row and learns the models
    second = record(advisor, values)  # then the rows go together (PostgreSQL)
    assert written(second) == written(first)
    assert written(first)["queued"] == 1
    assert len(written(first)["events"]) == 2 and written(first)["person"][0]["genre"] == "feminin"
    assert second.pk > first.pk


@postgresql_only
def test_a_recording_writes_its_new_rows_in_one_statement():
    advisor = ContractFactory().advisor
    bulk._fold_plans.clear()
    with CaptureQueriesContext(connection) as first:
        record(advisor)  # row by row: the fold learns the models
    with CaptureQueriesContext(connection) as second:
        activity = record(advisor)
    # The activity, its person, the accompaniment, two audit events and the statistics' queue: six INSERTs, then one
    # statement and the one drawing their ids.
    assert len(second.captured_queries) == len(first.captured_queries) - 6 + 2
    assert Accompaniment.objects.filter(activity=activity).exists()


@postgresql_only
def test_a_read_in_a_fold_sees_its_rows_and_an_error_writes_none():
    bulk._fold_plans.clear()
    with transaction.atomic(), bulk.folded_inserts("essai"):
        bulk.insert_object(StatPending(activity=1))
    with transaction.atomic(), bulk.folded_inserts("essai"):
        queued = StatPending(activity=2)
        bulk.insert_object(queued)
        assert queued.pk is not None
        with CaptureQueriesContext(connection) as queries:
            assert StatPending.objects.filter(pk=queued.pk).exists()
        assert len(queries.captured_queries) == 2  # the fold's rows, then the read
    with pytest.raises(RuntimeError), transaction.atomic(), bulk.folded_inserts("essai"):
        bulk.insert_object(StatPending(activity=3))
        raise RuntimeError("interrompu")
    assert sorted(StatPending.objects.values_list("activity", flat=True)) == [1, 2]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="a fold folds on PostgreSQL")
def test_elsewhere_a_fold_writes_each_row_at_once():
    bulk._fold_plans.clear()
    for round_ in range(2):
        with transaction.atomic(), bulk.folded_inserts("essai"):
            with CaptureQueriesContext(connection) as queries:
                bulk.insert_object(StatPending(activity=7 + round_))
            assert len(queries.captured_queries) == 1
    assert sorted(StatPending.objects.values_list("activity", flat=True)) == [7, 8]
