"""A recording's new rows in one statement (cnum.core.bulk.folded_inserts, issue #20): on PostgreSQL the rows
`insert_object` writes in a fold go together, with ids the thread drew ahead; what is written is what one INSERT each
writes, a read in the fold sees the rows, an error writes none of them; a transaction whose only statement is the
fold's sends it alone, without BEGIN and COMMIT. Elsewhere a fold changes nothing."""

import contextlib
import tempfile
import threading

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from cnum.activities import services
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.core import bulk
from cnum.core.models import AuditEvent
from cnum.stats import pending
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


def unfolded(monkeypatch) -> None:
    """Recordings written row by row, as outside PostgreSQL."""
    monkeypatch.setattr(bulk, "folded_inserts", lambda alone=False: contextlib.nullcontext())


def test_a_collective_recording_writes_the_same_rows_folded_or_not(monkeypatch):
    advisor = ContractFactory().advisor
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
    folded = record(advisor, values)
    with monkeypatch.context() as patched:
        unfolded(patched)
        plain = record(advisor, values)
    assert fields(Activity.objects.filter(pk=folded.pk)) == fields(Activity.objects.filter(pk=plain.pk))
    assert Activity.objects.get(pk=folded.pk).anonymous_breakdown == {"genre": {"feminin": 4, "masculin": 1}}
    assert StatPending.objects.filter(activity__in=[folded.pk, plain.pk]).count() == 2


def test_a_recording_writes_the_same_rows_folded_or_not(monkeypatch):
    advisor = ContractFactory().advisor
    values = data(genre="feminin")
    first = record(advisor, values)
    second = record(advisor, values)
    with monkeypatch.context() as patched:
        unfolded(patched)
        plain = record(advisor, values)
    assert written(first) == written(plain) == written(second)
    assert written(first)["queued"] == 1
    assert len(written(first)["events"]) == 2 and written(first)["person"][0]["genre"] == "feminin"
    assert second.pk > first.pk  # one thread's ids increase


@postgresql_only
def test_a_recording_writes_its_new_rows_in_one_statement(monkeypatch):
    advisor = ContractFactory().advisor
    record(advisor)  # the models' sequences looked up, ids drawn ahead
    with CaptureQueriesContext(connection) as folded:
        activity = record(advisor)
    with monkeypatch.context() as patched:
        unfolded(patched)
        with CaptureQueriesContext(connection) as plain:
            record(advisor)
    # The activity, its person, the accompaniment, two audit events and the statistics' queue: six INSERTs, or one
    # statement (its ids drawn ahead, not by a statement of the recording).
    assert len(folded.captured_queries) == len(plain.captured_queries) - 6 + 1
    assert not any("nextval" in (query["sql"] or "") for query in folded.captured_queries)
    assert Accompaniment.objects.filter(activity=activity).exists()


@postgresql_only
def test_a_read_in_a_fold_sees_its_rows_and_an_error_writes_none():
    with transaction.atomic(), bulk.folded_inserts():
        bulk.insert_object(StatPending(activity=1))
    with transaction.atomic(), bulk.folded_inserts():
        queued = StatPending(activity=2)
        bulk.insert_object(queued)
        assert queued.pk is not None
        with CaptureQueriesContext(connection) as queries:
            assert StatPending.objects.filter(pk=queued.pk).exists()
        assert len(queries.captured_queries) == 2  # the fold's rows, then the read
    with pytest.raises(RuntimeError), transaction.atomic(), bulk.folded_inserts():
        bulk.insert_object(StatPending(activity=3))
        raise RuntimeError("interrompu")
    assert sorted(StatPending.objects.values_list("activity", flat=True)) == [1, 2]


@postgresql_only
def test_threads_draw_ids_of_their_own_in_increasing_order():
    with connection.cursor() as cursor:
        sequence = bulk.sequence_of(StatPending, cursor)
    mine = [bulk._IdPool.of_thread().take(sequence) for _ in range(bulk.POOL_SIZE + 3)]
    theirs = []

    def other_thread():
        try:
            theirs.extend(bulk._IdPool.of_thread().take(sequence) for _ in range(3))
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert mine == sorted(mine) and len(set(mine)) == len(mine)  # a second draw once the first 64 are used
    assert len(theirs) == 3 and not set(theirs) & set(mine)


@contextlib.contextmanager
def protocol():
    """The messages the client sends the server meanwhile (libpq's trace), as a list of lines."""
    lines = []
    raw = connection.connection
    with tempfile.TemporaryFile("w+") as trace:
        raw.pgconn.trace(trace.fileno())
        raw.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)
        try:
            yield lines
        finally:
            raw.pgconn.untrace()
            trace.seek(0)
            lines.extend(line for line in trace.read().splitlines() if line.startswith("F"))


class Drainer:
    """A drainer thread that only counts its wake-ups (the queue's rows are counted later)."""

    def __init__(self):
        self.woken = 0

    def is_alive(self):
        return True

    def wake(self):
        self.woken += 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_transaction_of_the_fold_alone_is_sent_without_begin_and_commit(monkeypatch):
    advisor = ContractFactory().advisor
    values = data(genre="feminin")
    monkeypatch.setattr(pending, "_drainer", Drainer())
    # A pool of its own: one left by an earlier test of this thread could run dry at the second recording below.
    monkeypatch.setattr(bulk._pools, "pool", bulk._IdPool(), raising=False)
    record(advisor, values)  # sequences looked up, ids drawn ahead
    committed = []
    with protocol() as sent:
        with bulk.folded_transaction():
            bulk.insert_object(StatPending(activity=41))
            transaction.on_commit(lambda: committed.append(StatPending.objects.filter(activity=41).exists()))
    assert not any('"BEGIN"' in line or '"COMMIT"' in line for line in sent), sent
    assert committed == [True]  # the callbacks run after the write
    assert connection.get_autocommit() and connection.connection.autocommit

    with protocol() as sent:
        activity = record(advisor, values)
    assert not any('"BEGIN"' in line or '"COMMIT"' in line for line in sent), sent
    assert len([line for line in sent if "Execute" in line or "Query" in line]) == 2  # the employer, the rows
    assert written(activity)["queued"] == 1 and len(written(activity)["events"]) == 2
    assert pending._drainer.woken == 2

    # A read before the fold's rows: a transaction as any other, all or nothing.
    with protocol() as sent:
        with bulk.folded_transaction():
            StatPending.objects.exists()
            bulk.insert_object(StatPending(activity=42))
    assert any('"BEGIN"' in line for line in sent) and any('"COMMIT"' in line for line in sent)

    # Alone, an error writes none of the rows and leaves the connection as it was.
    with pytest.raises(IntegrityError), bulk.folded_transaction():
        bulk.insert_object(StatPending(activity=43))
        bulk.insert_object(Accompaniment(activity_id=activity.pk, beneficiary_id=10**12))  # no such person
    assert not StatPending.objects.filter(activity=43).exists()
    assert connection.get_autocommit() and connection.connection.autocommit
    assert StatPending.objects.filter(activity__in=[41, 42]).count() == 2


@pytest.mark.skipif(connection.vendor == "postgresql", reason="a fold folds on PostgreSQL")
def test_elsewhere_a_fold_writes_each_row_at_once():
    for round_ in range(2):
        with transaction.atomic(), bulk.folded_inserts():
            with CaptureQueriesContext(connection) as queries:
                bulk.insert_object(StatPending(activity=7 + round_))
            assert len(queries.captured_queries) == 1
    assert sorted(StatPending.objects.values_list("activity", flat=True)) == [7, 8]
