"""The raw bulk writer (cnum.core.bulk) the importers and the national generator share."""

import datetime
import gc
import sys
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.core import bulk
from cnum.core.bulk import RowPlan, reserve_ids, write_checked, write_rows
from tests.activities.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_new_even_after_the_last_row_was_deleted():
    kept, last = ActivityFactory(), ActivityFactory()
    last_id = last.pk
    last.delete()
    ids = reserve_ids(Activity, 3)
    assert len(set(ids)) == 3 and min(ids) > last_id > kept.pk
    assert reserve_ids(Activity, 0) == []


def test_rows_written_raw_read_back_as_the_orm_writes_them():
    model = ActivityFactory()
    plan = RowPlan(Activity)
    ids = reserve_ids(Activity, 2)
    values = {
        "type": "individuel",
        "date": datetime.date(2025, 3, 4),
        "duration_minutes": 30,
        "place_type": "a_distance",
        "advisor_id": model.advisor_id,
        "structure_id": model.structure_id,
        "source": "test",
    }
    rows = [
        plan.row({**values, "id": ids[0], "themes": ["email"], "equipment": [1], "source_id": "a"}),
        plan.row({**values, "id": ids[1], "themes": ["email"], "equipment": [True], "source_id": "b"}),
    ]
    write_rows(plan.table, plan.columns, rows)
    first, second = Activity.objects.filter(pk__in=ids).order_by("pk")
    assert (first.date, first.themes, first.equipment, first.anonymous_breakdown) == (
        datetime.date(2025, 3, 4),
        ["email"],
        [1],
        {},
    )
    assert second.equipment == [True]  # the JSON texts kept per list tell [1] and [True] apart
    assert first.created_at is not None and first.title == ""


def _columns(model, **given):
    values = {
        "type": ["individuel", "collectif"],
        "date": [datetime.date(2025, 3, 4), datetime.date(2025, 3, 5)],
        "duration_minutes": [30, 45],
        "place_type": ["a_distance", "a_distance"],
        "advisor_id": [model.advisor_id] * 2,
        "structure_id": [model.structure_id] * 2,
        "themes": [["email"], ["email", "sante"]],
        "source": ["test"] * 2,
        "source_id": ["a", "b"],
        "id": reserve_ids(Activity, 2),
    }
    return values | given


def test_rows_built_by_columns_are_the_rows_built_one_by_one():
    columns = _columns(ActivityFactory())
    plan = RowPlan(Activity)
    one_by_one = [plan.row({name: column[index] for name, column in columns.items()}) for index in range(2)]
    assert list(plan.rows(columns, 2)) == one_by_one


@pytest.mark.parametrize("by_batch", [True, False], ids=["checked by batch", "checked by the database"])
def test_a_reference_to_no_row_is_refused(by_batch, monkeypatch):
    if by_batch and not bulk.checks_by_batch():
        pytest.skip("only PostgreSQL, for a role that may set session_replication_role, checks by batch")
    monkeypatch.setattr(bulk, "checks_by_batch", lambda: by_batch)
    model = ActivityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        write_checked(Activity, RowPlan(Activity), _columns(model, advisor_id=[model.advisor_id, 10**9]), 2)
        connection.check_constraints(table_names=[Activity._meta.db_table])
    # A reference to a row the load says it wrote itself is looked up all the same.
    people = {"id": reserve_ids(Beneficiary, 1), "advisor_id": [model.advisor_id]}
    with pytest.raises(IntegrityError), transaction.atomic():
        write_checked(Beneficiary, RowPlan(Beneficiary), people, 1)
        columns = {"id": reserve_ids(Accompaniment, 1), "activity_id": [10**9], "beneficiary_id": people["id"]}
        write_checked(Accompaniment, RowPlan(Accompaniment), columns, 1, own=(Activity, Beneficiary))
        connection.check_constraints(table_names=[Accompaniment._meta.db_table])


def test_rows_checked_by_batch_are_written_and_the_checks_back_on_after():
    if not bulk.checks_by_batch():
        pytest.skip("only PostgreSQL, for a role that may set session_replication_role, checks by batch")
    columns = _columns(ActivityFactory())
    write_checked(Activity, RowPlan(Activity), columns, 2)
    assert sorted(Activity.objects.filter(pk__in=columns["id"]).values_list("source_id", flat=True)) == ["a", "b"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    connection.check_constraints(table_names=[Activity._meta.db_table])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")
def test_a_role_that_may_not_set_the_replication_role_leaves_the_checks_to_the_database():
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE cnum_test_plain")
        cursor.execute("SET LOCAL ROLE cnum_test_plain")
        assert bulk.may_set_replication_role() is False
        cursor.execute("RESET ROLE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
def test_the_tables_written_with_the_checks_by_batch_have_no_trigger_of_their_own():
    # session_replication_role = replica turns off every ordinary trigger while the rows are copied: a trigger added
    # to these tables would be skipped by the imports (cnum.core.bulk.write_checked).
    tables = [model._meta.db_table for model in (Activity, Beneficiary, Accompaniment)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid::regclass::text = ANY(%s) AND NOT tgisinternal", [tables]
        )
        assert cursor.fetchall() == []


def test_rows_are_written_whatever_their_number_in_statements_of_a_few_sizes():
    # SQLite: INSERTs of 512, 256… 1 rows (1,000 = 512 + 256 + 128 + 64 + 32 + 8); PostgreSQL: one COPY.
    advisor_id = ActivityFactory().advisor_id
    plan = RowPlan(Beneficiary)
    ids = reserve_ids(Beneficiary, 1_000)
    write_rows(plan.table, plan.columns, plan.rows({"id": ids, "advisor_id": [advisor_id] * 1_000}, 1_000))
    assert Beneficiary.objects.filter(pk__in=ids, advisor_id=advisor_id).count() == 1_000


def test_a_query_of_the_loading_thread_waits_for_the_write_in_flight_and_sees_its_rows():
    columns = _columns(ActivityFactory())
    job = bulk.checked_writes([(Activity, RowPlan(Activity), columns, 2)])
    writers, switch = [], sys.getswitchinterval()

    def slow_job():
        writers.append(threading.get_ident())
        time.sleep(0.2)  # the query below is made meanwhile
        job()

    with bulk.background_writes() as writes:
        writes.submit(slow_job)
        assert Activity.objects.filter(pk__in=columns["id"]).count() == 2
    assert writers and writers != [threading.get_ident()]
    assert sys.getswitchinterval() == switch


def test_an_error_of_a_background_write_is_raised_in_the_loading_thread_as_a_database_error():
    existing = ActivityFactory()
    columns = _columns(existing)
    columns["id"] = [columns["id"][0], existing.pk]  # an id already taken
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.background_writes() as writes:
        writes.submit(bulk.checked_writes([(Activity, RowPlan(Activity), columns, 2)]))
        Activity.objects.count()  # raised here, before the query runs
    assert not Activity.objects.filter(pk=columns["id"][0]).exists()
    # Raised at the end of the load as well when no query comes after.
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.background_writes() as writes:
        writes.submit(bulk.checked_writes([(Activity, RowPlan(Activity), columns, 2)]))
    assert not Activity.objects.filter(pk=columns["id"][0]).exists()


def test_a_load_runs_the_garbage_collector_less_often_then_as_before():
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(ValueError), bulk.fewer_collections():
        assert gc.get_threshold() == bulk.LOAD_GC_THRESHOLDS
        assert gc.get_freeze_count() >= frozen
        raise ValueError
    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)
