"""The raw bulk writer (cnum.core.bulk) the importers and the national generator share."""

import datetime
import gc
import sys
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cnum.activities.importers import pipeline
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


def _people(advisor_id: int, count: int, ids: list[int] | None = None, **given) -> dict[str, list]:
    """A person's columns: some varying (ids, birth years, booleans), the others left out (one value each)."""
    return {
        "id": ids or reserve_ids(Beneficiary, count),
        "advisor_id": [advisor_id] * count,
        "birth_year": [None if index % 3 else 1950 + index % 40 for index in range(count)],
        "is_followed": [bool(index % 2) for index in range(count)],
        "first_name": [f"P{index % 7}" for index in range(count)],
    } | given


def _stored(model, ids) -> list[tuple]:
    fields = [field.attname for field in model._meta.concrete_fields if field.attname not in ("id", "created_at")]
    return list(model.objects.filter(pk__in=ids).order_by("pk").values_list(*fields))


@pytest.mark.parametrize("count", [1, 2, 3, 1_000])
@pytest.mark.parametrize(
    "given",
    [
        {},
        {"is_followed": "same"},
        {"birth_year": "same", "first_name": "same"},
        {"phone": "varying", "notes": "same"},
    ],
    ids=["defaults", "one boolean", "given the same", "text"],
)
def test_rows_written_by_columns_are_the_rows_written_one_by_one(count, given):
    """`checked_writes` (SQLite: one value of a column bound once per statement) and `write_rows` (row by row)
    store the same rows, whatever the columns given the same in every row, left out, or varying."""
    advisor_id = ActivityFactory().advisor_id
    plan = RowPlan(Beneficiary)
    values = {
        "is_followed": [True] * count,
        "birth_year": [1960] * count,
        "first_name": ["Léa 'l'"] * count,
        "notes": ["a\nb"] * count,
        "phone": [f"06{index:08d}" for index in range(count)],
    }
    extra = {name: values[name] for name in given}
    ids = reserve_ids(Beneficiary, 2 * count)
    by_columns, one_by_one = (_people(advisor_id, count, part, **extra) for part in (ids[:count], ids[count:]))
    bulk.checked_writes([(Beneficiary, plan, by_columns, count)])()
    write_rows(plan.table, plan.columns, list(plan.rows(one_by_one, count)))
    written = _stored(Beneficiary, by_columns["id"])
    assert len(written) == count and written == _stored(Beneficiary, one_by_one["id"])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statements of rows given by columns")
def test_a_column_of_one_value_is_bound_once_per_statement_and_null_written_as_such():
    advisor_id = ActivityFactory().advisor_id
    plan, count = RowPlan(Beneficiary), 600
    columns = _people(advisor_id, count)
    statements = []
    raw = connection.connection

    class Recording:
        def execute(self, sql, params):
            statements.append((sql, len(params)))
            return raw.execute(sql, params)

    built = plan.by_columns(columns, count)
    bulk._column_writer(plan.table, plan.columns)(Recording(), built)
    # 600 = 512 + 64 + 16 + 8 rows: id, birth_year, is_followed and first_name given row by row; the advisor, the
    # stamp and the texts left empty bound once; the NULLs written in the statement.
    once = [column.value for column in built.columns if isinstance(column, bulk.Same)]
    assert None in once and advisor_id in once and "" in once
    bound = len([value for value in once if value is not None])
    assert [params for _, params in statements] == [bound + 4 * size for size in (512, 64, 16, 8)]
    assert all("NULL" in sql and "FROM (VALUES" in sql for sql, _ in statements)
    assert Beneficiary.objects.filter(pk__in=columns["id"], commune_id=None, is_followed=True).count() == count // 2


def test_a_load_s_ids_on_sqlite_go_on_from_its_first_draw_without_a_query():
    last = ActivityFactory().pk
    with bulk.id_draws() as draws:
        first = draws.reserve(Activity, 3)
        with CaptureQueriesContext(connection) as queries:
            second = draws.reserve(Activity, 2)
        assert draws.reserve(Activity, 0) == []
    assert first[0] > last and first + second == list(range(first[0], first[0] + 5))
    if connection.vendor == "sqlite":
        assert len(queries) == 0


def _indexes() -> set[tuple[str, str]]:
    tables = [model._meta.db_table for model in (Activity, Beneficiary, Accompaniment)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN (%s, %s, %s)",
            tables,
        )
        return set(cursor.fetchall())


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's indexes set aside during a load")
MODELS = (Activity, Beneficiary, Accompaniment)


@sqlite_only
def test_a_load_larger_than_its_tables_sets_their_indexes_aside_and_builds_them_again(monkeypatch):
    monkeypatch.setattr(bulk, "SET_ASIDE_FROM", 10)
    model = ActivityFactory()
    before = _indexes()
    (kept,) = pipeline.READ_BY_THE_LOAD
    unique = {name for name, sql in before if sql.startswith("CREATE UNIQUE")}
    assert unique and kept
    with transaction.atomic(), bulk.indexes_set_aside(MODELS, rows=50, keep=(kept,)) as aside:
        during = _indexes()
        write_checked(Activity, RowPlan(Activity), _columns(model), 2)
    assert set(aside) == {name for name, _ in before} - unique - {kept}
    assert {name for name, _ in during} == unique | {kept}
    assert _indexes() == before


@sqlite_only
def test_indexes_set_aside_are_built_again_in_sqlites_default_cache_inside_a_loads_larger_one(monkeypatch):
    """Each sort holds up to the page cache's size in memory: the indexes' builds at the end of a load sort in
    SQLite's default cache (the load's cost 70 MiB more, for a million-row history), then the load's comes back."""
    monkeypatch.setattr(bulk, "SET_ASIDE_FROM", 10)
    ActivityFactory()
    caches = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("CREATE INDEX"):
            caches.append(connection.connection.execute("PRAGMA cache_size").fetchone()[0])
        return execute(sql, params, many, context)

    with bulk.load_cache():
        with connection.execute_wrapper(spy), transaction.atomic(), bulk.indexes_set_aside(MODELS, rows=50) as aside:
            assert aside
        assert connection.connection.execute("PRAGMA cache_size").fetchone()[0] == -bulk.SQLITE_LOAD_CACHE_KIB
    assert len(caches) == len(aside)
    assert set(caches) == {-bulk.SQLITE_SORT_CACHE_KIB}


@sqlite_only
@pytest.mark.parametrize("ending", ["rolled back", "error"])
def test_indexes_set_aside_come_back_when_the_load_writes_nothing(monkeypatch, ending):
    monkeypatch.setattr(bulk, "SET_ASIDE_FROM", 10)
    before = _indexes()
    with pytest.raises(ValueError) if ending == "error" else transaction.atomic():
        with transaction.atomic(), bulk.indexes_set_aside(MODELS, rows=50) as aside:
            assert aside and len(_indexes()) < len(before)
            if ending == "error":
                raise ValueError
            transaction.set_rollback(True)
    assert _indexes() == before


@sqlite_only
@pytest.mark.parametrize("rows", [None, 9, 2], ids=["rows unknown", "fewer than the threshold", "fewer than held"])
def test_indexes_stay_for_a_load_smaller_than_its_tables_or_the_threshold(monkeypatch, rows):
    monkeypatch.setattr(bulk, "SET_ASIDE_FROM", 10 if rows == 9 else 2)
    ActivityFactory.create_batch(3)
    with transaction.atomic(), bulk.indexes_set_aside(MODELS, rows=rows) as aside:
        assert aside == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statements of rows given by columns")
def test_a_row_given_only_by_values_of_one_column_each_is_written():
    advisor_id = ActivityFactory().advisor_id
    plan = RowPlan(Beneficiary)
    built = plan.by_columns(_people(advisor_id, 1), 1)
    alike = [column if isinstance(column, bulk.Same) else bulk.Same(column[0]) for column in built.columns]
    bulk._column_writer(plan.table, plan.columns)(connection.connection, bulk.ByColumns(alike, 1))
    assert Beneficiary.objects.filter(pk=built.columns[0][0], advisor_id=advisor_id).exists()
