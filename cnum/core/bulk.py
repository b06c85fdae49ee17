"""Raw bulk writing, for loads of hundreds of thousands of rows (the national demo, the activity importers).

Rows are tuples in a table's column order, written on the database's own cursor: `COPY … FROM STDIN` on PostgreSQL
(psycopg 3), INSERTs of many rows each on SQLite, inside the caller's transaction, by the caller's thread or by a
thread of its own beside it (`background_writes`). Ids are assigned by the caller
(`reserve_ids`), so no row is read back. Raw SQL bypasses the write gateway (cnum.core.writes, docs/adr/0006): a
caller writing rows that other layers aggregate must announce them itself.
"""

import concurrent.futures
import datetime
import functools
import gc
import itertools
import json
import operator
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager, suppress
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cnum.core.prepared import server_bound


def write_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples of plain values: JSON as text, dates as ISO text or dates) into `table`."""
    if isinstance(rows, Sized) and not rows:
        return
    connection.ensure_connection()
    _raw_writer(table, columns)(connection.connection, rows)


def write_checked(model, plan: "RowPlan", columns: dict[str, Sequence], count: int, *, own=()) -> None:
    """Write `count` rows of `model` given by columns (`RowPlan.rows`), their references checked once for the batch
    where the database lets the load do so (`checks_by_batch`): each foreign key's distinct values looked up at once
    and locked as PostgreSQL's own check locks them (FOR KEY SHARE: no one may delete them until the commit, everyone
    may still use them), then the rows copied with the per-row checks off (`session_replication_role`, for this
    statement only: it turns off every ordinary trigger of the table, and the tables written this way have none but
    the foreign keys'). Elsewhere the rows are written plainly and the database checks each reference itself.

    `own`: the models whose referenced rows this transaction wrote itself (no one else sees them: looked up, not
    locked)."""
    checked_writes([(model, plan, columns, count)], own=own)()


#: One table's rows for `checked_writes`: the model, its RowPlan, the values by columns, the number of rows.
Table = tuple[type, "RowPlan", dict[str, Sequence], int]


def checked_writes(
    tables: list[Table], *, own=(), written: dict | None = None, held: dict | None = None
) -> Callable[[], None]:
    """`write_checked` of several tables in their order, prepared in this thread (the rows' values converted, the
    references' queries written) and run when called, by this thread or another (`BackgroundWrites`), on this
    thread's DB-API connection, never through Django's (per-thread) one. With the checks by batch, the per-row checks
    are off from the first table's rows to the last's.

    `written`: model → the ids of the rows this load has written of it, before these tables or in them (its own
    activities and people): a reference to one of them is known to hold, and only the others are looked up.

    `held`: kept by the caller for its whole transaction, (table, column) → the values its references were found and
    locked at (added once a write is done): locked until the commit, they are not looked up again (an import names
    the same few hundred advisors, sites and structures in every batch). A savepoint rolled back releases its locks:
    a `held` must not outlive the savepoint (or transaction) its load runs in."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        writes = [
            (_column_writer(plan.table, plan.columns), plan.by_columns(columns, count), model, columns)
            for model, plan, columns, count in tables
        ]
    else:
        writes = [
            (_raw_writer(plan.table, plan.columns), plan.rows(columns, count), model, columns)
            for model, plan, columns, count in tables
        ]
    if not checks_by_batch():
        return functools.partial(_run_writes, raw, writes)
    held = {} if held is None else held
    checks = [_reference_checks(model, columns, own, written or {}, held) for _, _, model, columns in writes]

    def run() -> None:
        with raw.cursor() as cursor:
            for index, ((write, rows, _, _), table_checks) in enumerate(zip(writes, checks, strict=True)):
                _check_references(cursor, table_checks)
                if not index:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                write(raw, rows)
            # Not in a `finally`: after an error the transaction (or savepoint) is rolled back, the setting with it.
            cursor.execute("SET LOCAL session_replication_role = origin")
        for table_checks in checks:
            for _, _, wanted, _, key in table_checks:
                held.setdefault(key, set()).update(wanted)

    return run


def _run_writes(raw, writes: list[tuple]) -> None:
    for write, rows, _, _ in writes:
        write(raw, rows)


#: Parameters of one SQLite INSERT at most (SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32).
SQLITE_VARIABLES = 32_766
#: Rows of one SQLite INSERT at most.
SQLITE_ROWS = 512


def _raw_writer(table: str, columns: tuple[str, ...]) -> Callable:
    """A function writing rows into `table` on a DB-API connection: COPY on PostgreSQL; on SQLite INSERTs of as many
    rows as SQLITE_VARIABLES parameters allow, each run by SQLite without the GIL from its binding to its end (row
    by row, `executemany` takes the GIL back for each row: a thread writing beside another would wait for it at
    every row)."""
    quote = connection.ops.quote_name  # "end", "start"… are reserved words
    table, names = quote(table), ", ".join(quote(column) for column in columns)
    if connection.vendor == "postgresql":

        def copy(raw, rows: Iterable[tuple]) -> None:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

        return copy
    width = len(columns)
    values = "(" + ", ".join("?" * width) + ")"
    inserts: dict[int, str] = {}

    def insert_rows(raw, rows: Iterable[tuple]) -> None:
        flat = list(itertools.chain.from_iterable(rows))
        start = 0
        for size in _statement_sizes(len(flat) // width, width):
            if size not in inserts:
                inserts[size] = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([values] * size)
            raw.execute(inserts[size], flat[start : start + size * width])
            start += size * width

    return insert_rows


def _statement_sizes(count: int, width: int, bound: int = 0) -> Iterator[int]:
    """The rows of each SQLite INSERT writing `count` rows of `width` parameters (and `bound` bound once): the
    largest power of two that fits, again and again (1,000 = 512 + 256 + 128 + 64 + 32 + 8). Statements of a few
    fixed sizes only: SQLite keeps them prepared (its statement cache holds 128)."""
    most = min(SQLITE_ROWS, (SQLITE_VARIABLES - bound) // width)
    while count:
        size = 1 << (min(count, most).bit_length() - 1)
        yield size
        count -= size


@functools.cache
def _column_writer(table: str, columns: tuple[str, ...]) -> Callable:
    """SQLite: a function writing the rows of `table` given by columns (`RowPlan.by_columns`) on a DB-API
    connection. A column whose rows all hold one value (the optional fields a file leaves empty, the load's source
    and stamps: half the columns of an activity, most of a person's) is bound once per statement, NULL written as
    such, the others row by row: `INSERT INTO t (…) SELECT column1, ?, NULL, … FROM (VALUES (…), …)`. SQLite binds
    each parameter holding the GIL, and a NULL or a boolean through the adapters' look-up (≈ 0.3 µs against 0.03
    for an integer): the writing thread took that time from the reading one."""
    quote = connection.ops.quote_name
    into = f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) SELECT "
    statements: dict[tuple, str] = {}

    def statement(size: int, shape: tuple) -> str:
        sql = statements.get((size, shape))
        if sql is None:
            if len(statements) >= COLUMN_STATEMENTS:  # a file whose empty columns change from batch to batch
                statements.clear()
            positions = itertools.count(1)
            chosen = [f"column{next(positions)}" if kind is _VARYING else kind for kind in shape]
            width = shape.count(_VARYING)
            values = "(" + ", ".join("?" * width) + ")"
            sql = statements[(size, shape)] = (
                into + ", ".join(chosen) + " FROM (VALUES " + ", ".join([values] * size) + ")"
            )
        return sql

    def insert_columns(raw, given: "ByColumns") -> None:
        built = given.columns
        if all(column.__class__ is Same for column in built):  # every row alike but for nothing: still written
            built = [[built[0].value] * given.count, *built[1:]]
        shape = tuple(
            _VARYING if column.__class__ is not Same else "NULL" if column.value is None else "?" for column in built
        )
        bound = [_bindable(column.value) for column in built if column.__class__ is Same and column.value is not None]
        varying = [column for column in built if column.__class__ is not Same]
        width = len(varying)
        flat = list(itertools.chain.from_iterable(zip(*varying, strict=True)))
        start = 0
        for size in _statement_sizes(len(varying[0]), width, len(bound)):
            raw.execute(statement(size, shape), bound + flat[start : start + size * width])
            start += size * width

    return insert_columns


#: The texts of statements `_column_writer` keeps per table (a few sizes for each set of columns of one value).
COLUMN_STATEMENTS = 64
#: A column of `_column_writer`'s statement given row by row.
_VARYING = ""


def _bindable(value):
    """A value bound once for a whole column: booleans as SQLite stores them (0, 1)."""
    return int(value) if value.__class__ is bool else value


def checks_by_batch() -> bool:
    """Whether this connection may set `session_replication_role` (PostgreSQL: a superuser, or, from version 15, a
    role granted SET on it); read once per connection. A load without it is only slower, never less checked."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    raw = connection.connection
    allowed = _ALLOWED.get(raw)
    if allowed is None:
        allowed = _ALLOWED[raw] = may_set_replication_role()
    return allowed


def may_set_replication_role() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            return True
        if connection.pg_version < 150000:
            return False
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


#: Whether each open connection may check by batch (`checks_by_batch`).
_ALLOWED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _reference_checks(model, columns: dict[str, Sequence], own, written: dict, held: dict) -> list[tuple]:
    """For each foreign key the columns give: the query finding its distinct values (locking them unless `own`
    wrote them) but those the load wrote itself (`written`) or found already (`held`), those values, and how to
    name it in an error."""
    quote = connection.ops.quote_name
    checks = []
    for field in model._meta.concrete_fields:
        if not field.many_to_one or not field.db_constraint or field.attname not in columns:
            continue
        target = field.target_field
        key = (target.model._meta.db_table, target.column)
        wanted = set(columns[field.attname]).difference({None}, written.get(target.model, ()), held.get(key, ()))
        if not wanted:
            continue
        table, column = quote(target.model._meta.db_table), quote(target.column)
        lock = "" if target.model in own else " FOR KEY SHARE"
        found = f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)"
        name = f"{model._meta.db_table}.{field.column}"
        checks.append((found, lock, list(wanted), name, key))
    return checks


def _check_references(cursor, checks: list[tuple]) -> None:
    """Raise IntegrityError, as the database's own check would at the commit, if a reference names no row."""
    for found, lock, wanted, name, (target, _) in checks:
        cursor.execute(f"SELECT count(*) FROM ({found}{lock}) AS found", [wanted])
        if cursor.fetchone()[0] != len(wanted):
            cursor.execute(found, [wanted])
            missing = set(wanted) - {row[0] for row in cursor.fetchall()}
            raise IntegrityError(
                f"{name}: {len(missing)} reference(s) to no row of {target} (e.g. {sorted(missing)[:3]})."
            )


#: Rows written by one load past which PostgreSQL's statistics of its tables are gathered again at its end.
ANALYZE_AFTER = 10_000


def analyze(*models) -> None:
    """Gather PostgreSQL's statistics of the tables a large load wrote, in its transaction: autovacuum would see them
    only after the commit, and until then the planner reads them as the small tables they were (a recount of 100,000
    new activities took minutes instead of seconds). SQLite has no such need."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for `model`, never given to anyone else: on PostgreSQL drawn from the table's
    sequence (which is moved past them), on SQLite above the largest id ever given (sqlite_sequence: AUTOINCREMENT
    never reuses a deleted row's id). SQLite has one writer at a time: once the transaction has written, no one else
    can take these ids; a writer slipping in before its first write makes its insert fail on the primary key, never
    share an id."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return drawn(cursor, sequence_of(model, cursor), count)
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {connection.ops.quote_name(table)}")
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(largest, found[0] if found else 0) + 1
    return list(range(start, start + count))


class IdDraws:
    """Where a load takes its new ids (`reserve`). On PostgreSQL, from a connection of its own, opened at the first
    draw: the server draws them from the sequences in a process of its own while the load's connection writes the
    previous batch (a sequence is outside any transaction: what one session draws, no other ever gets), where on the
    load's connection the draws waited for the write and the write for them (≈ 10 µs a row for 2.75 ids). On SQLite,
    `reserve_ids` on the load's connection at the first draw of a model, then on from the last id given: the load is
    the only writer until its commit, and its next batch need not wait for the write in flight to learn its ids."""

    def __init__(self):
        self._side = None
        self._next: dict[type, int] = {}

    def reserve(self, model, count: int) -> list[int]:
        if count <= 0:
            return []
        if connection.vendor != "postgresql":
            start = self._next.get(model) or reserve_ids(model, 1)[0]
            self._next[model] = start + count
            return list(range(start, start + count))
        if self._side is None:
            self._side = connection.get_new_connection(connection.get_connection_params())
            self._side.autocommit = True
        with self._side.cursor() as cursor:
            return drawn(cursor, sequence_of(model, cursor), count)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


#: The sequence named once for all the ids: `nextval(pg_get_serial_sequence(…))` looked the table up again for each
#: id, 2.3 µs of the server's CPU against 0.3 (7.3 s of a 1,000,000-row import's 2.75 M ids, issue #20).
_DRAW = "SELECT nextval(%s::regclass) FROM generate_series(1, %s)"
#: Per model: its key's sequence (PostgreSQL), read once; None when its key has none.
_sequences: dict[type, str | None] = {}


def drawn(cursor, sequence: str, count: int) -> list[int]:
    """`count` ids drawn from `sequence` by `cursor`, in increasing order."""
    cursor.execute(_DRAW, [sequence, count])
    return sorted(row[0] for row in cursor.fetchall())


def sequence_of(model, cursor) -> str | None:
    """The sequence of `model`'s key on PostgreSQL (None if it has none), looked up once per process by `cursor`."""
    if model not in _sequences:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        _sequences[model] = cursor.fetchone()[0]
    return _sequences[model]


@contextmanager
def id_draws():
    draws = IdDraws()
    try:
        yield draws
    finally:
        draws.close()


class RowPlan:
    """A table's columns, and how to turn a dict of field values (attnames) into a row: a value left out takes the
    field's default (auto_now fields: now), NULL when it has none and may be NULL. JSON values are written as text,
    dates as ISO text, choices as plain str; other values as they are."""

    def __init__(self, model, now: datetime.datetime | None = None):
        stamp = plain(connection.ops.adapt_datetimefield_value(now or timezone.now()))
        self.table = model._meta.db_table
        self.defaults, columns, self.converted = {}, [], []
        for position, field in enumerate(model._meta.concrete_fields):
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default = stamp
            elif field.has_default():
                default = plain(field.get_default())
            else:
                default = None if field.null else ""
            self.defaults[field.attname] = default
            columns.append(field.column)
            # Choices may come as TextChoices members, which psycopg would write by their name.
            if field.choices or field.get_internal_type() in ("JSONField", "DateField", "DateTimeField"):
                self.converted.append(position)
        self.columns = tuple(columns)
        self._get = operator.itemgetter(*self.defaults)

        #: JSON texts of the lists met (a file repeats a few theme lists), by their repr.
        self._texts: dict[str, str] = {}

    def row(self, values: dict) -> tuple:
        row = list(self._get(self.defaults | values))
        for position in self.converted:
            value = row[position]
            if value.__class__ is list:
                row[position] = self._json(value)
            elif value.__class__ is not str and value is not None:
                row[position] = plain(value)
        return tuple(row)

    def rows(self, columns: dict[str, Sequence], count: int) -> Iterator[tuple]:
        """The rows of `count` values given by columns (attname → values; a column left out takes the field's
        default), built by column: each distinct date, choice or JSON value converted once, then zipped."""
        built = []
        for position, (name, default) in enumerate(self.defaults.items()):
            values = columns.get(name)
            if values is None:
                built.append(itertools.repeat(default, count))
            elif position in self.converted:
                built.append(self._converted(values))
            else:
                built.append(values)
        return zip(*built, strict=True)

    def by_columns(self, columns: dict[str, Sequence], count: int) -> "ByColumns":
        """The columns of the rows `rows` builds, in the table's order: a list of values each, or `Same` for a
        column whose `count` rows all hold one value (a field left out, or given the same in every row)."""
        built = []
        for position, (name, default) in enumerate(self.defaults.items()):
            values = columns.get(name)
            if values is None:
                built.append(Same(default))
                continue
            if position in self.converted:
                values = self._converted(values)
            built.append(Same(values[0]) if _same(values, count) else values)
        return ByColumns(built, count)

    def _converted(self, values: Sequence) -> list:
        """The values as written, each distinct one converted once: texts, dates and choices by value; lists and
        dicts (JSON) by object, the rows of one parsed text sharing theirs."""
        classes = set(map(type, values))
        if not classes & _BY_OBJECT:
            texts = {value: plain(value) for value in set(values)}
            return list(map(texts.__getitem__, values))
        ids = list(map(id, values))
        texts = {
            identity: self._json(value) if value.__class__ in _BY_OBJECT else plain(value)
            for identity, value in dict(zip(ids, values, strict=True)).items()
        }
        return list(map(texts.__getitem__, ids))

    def _json(self, value) -> str:
        key = repr(value)  # tells [1], [True] and ["1"] apart, as their JSON does
        text = self._texts.get(key)
        if text is None:
            text = json.dumps(value)
            if len(self._texts) < 10_000:
                self._texts[key] = text
        return text


class ByColumns(NamedTuple):
    """`count` rows given by `columns`, each a list of values or a `Same` (`RowPlan.by_columns`)."""

    columns: list
    count: int


class Same:
    """A column whose every row holds `value` (`RowPlan.by_columns`)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _same(values: Sequence, count: int) -> bool:
    """Whether the `count` values are one and the same: equal and of one type (1 and 1.0 are equal, and stored
    apart by SQLite)."""
    if count < 2:
        return False
    first = values[0]
    return values.count(first) == count and (first is None or len(set(map(type, values))) == 1)


#: Converted by object: JSON values (unhashable), and numbers (True, 1 and 1.0 are one key in a dict, not in JSON).
_BY_OBJECT = frozenset({list, dict, bool, int, float})


def plain(value):
    """A value as the DB-API cursor takes it on both engines: JSON as text, dates as ISO text, choices as str."""
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # a TextChoices member as its plain value
    return value


#: SQLite's page cache for the sorts of bulk work — building indexes again, the rollups' rebuild — in KiB (SQLite's
#: default). Each sort holds up to the cache's size in memory before it spills to temporary files: in a load's larger
#: cache, the recount of a million-row history held 120 MiB more for no gain, and building its indexes again 70 MiB
#: more, slower (docs/performance.md).
SQLITE_SORT_CACHE_KIB = 2_000
#: SQLite's page cache during a bulk load, in KiB (its default, 2 MiB, makes every index insert of a large table a
#: read from the file once the table outgrows it).
SQLITE_LOAD_CACHE_KIB = 32_768


@contextmanager
def sqlite_page_cache(kib: int):
    """SQLite's page cache at `kib` KiB for the duration (PostgreSQL: nothing to do), then the previous."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def load_cache():
    """A larger SQLite page cache for the duration of a bulk load, then the previous."""
    return sqlite_page_cache(SQLITE_LOAD_CACHE_KIB)


#: The fewest rows a load must bring for SQLite's indexes to be set aside during it (`indexes_set_aside`): below,
#: the indexes fit in the load's page cache and their upkeep row by row costs less than building them again.
SET_ASIDE_FROM = 100_000
#: The helper threads SQLite may sort with while it builds an index again (its default: none).
SORTING_THREADS = 2


@contextmanager
def indexes_set_aside(models, *, rows: int | None, keep=()):
    """SQLite: during a load of `rows` rows into tables that hold fewer (the first import of a history), the indexes
    of `models`' tables that no constraint needs (not UNIQUE) and no query of the load reads (`keep`: index names)
    are dropped in the load's transaction, then created again by their own SQL, in one sorted pass each, before it
    ends. Inserted row by row, keys that come in random order (an advisor, a date, a site) dirty index pages all
    over trees larger than the page cache, which SQLite spills to the WAL again and again (61 % of the writing
    thread's time at 1,000,000 rows, docs/performance.md).

    Must run inside the load's `transaction.atomic()`: SQLite's DDL is transactional, so a rollback (an error, a
    rejected row, a dry run) brings the indexes back as they were, and other connections keep reading the committed
    schema with its indexes until the commit (a write waits for the load's lock either way). When the transaction
    is marked for rollback at the end, nothing is rebuilt: the rollback restores them. PostgreSQL: nothing done
    (`DROP INDEX` would lock the table against every reader for the load's length)."""
    aside = _drop_indexes(models, rows, keep) if connection.vendor == "sqlite" else []
    yield [name for name, _sql in aside]
    if not aside or transaction.get_rollback():
        return
    with sqlite_page_cache(SQLITE_SORT_CACHE_KIB), connection.cursor() as cursor:
        previous = cursor.execute("PRAGMA threads").fetchone()[0]
        cursor.execute(f"PRAGMA threads = {SORTING_THREADS}")
        try:
            for _name, sql in aside:
                cursor.execute(sql)
        finally:
            cursor.execute(f"PRAGMA threads = {int(previous)}")


def _drop_indexes(models, rows: int | None, keep) -> list[tuple[str, str]]:
    """`indexes_set_aside`'s rule and drops: (name, SQL) of the indexes dropped."""
    if not rows or rows < SET_ASIDE_FROM:
        return []
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if rows <= max(cursor.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables):
            return []
        marks = ", ".join("%s" for _ in tables)
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
            " ORDER BY name",
            tables,
        )
        aside = [(name, sql) for name, sql in cursor.fetchall() if name not in keep and not _unique(sql)]
        for name, _sql in aside:
            cursor.execute(f'DROP INDEX "{name}"')
    return aside


def _unique(sql: str) -> bool:
    return sql.lstrip().upper().startswith("CREATE UNIQUE")


#: The garbage collector's thresholds during a bulk load (Python's: 700, 10, 10).
LOAD_GC_THRESHOLDS = (100_000, 50, 1_000)


@contextmanager
def fewer_collections():
    """Fewer runs of the cyclic garbage collector during a bulk load, then as before. A batch of 2,000 rows allocates
    some 100,000 tuples, lists and dicts that live until the batch is written: with Python's thresholds the collector
    ran every 700 of them and went through them again and again (≈ 15 µs a row, a quarter of the import's CPU time,
    profiled by py-spy, which sees it where cProfile does not). It still runs (memory stays bounded whatever cycles
    the load leaves behind), every 100,000 allocations; what existed before the load (Django, the modules) is left
    out of its runs (`gc.freeze`) until the end, unless the process froze objects itself (it is then its to undo)."""
    previous, freeze = gc.get_threshold(), not gc.get_freeze_count()
    if freeze:
        gc.freeze()
    gc.set_threshold(*LOAD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if freeze:
            gc.unfreeze()


# --- writes beside the load's Python work --------------------------------------------------------------------------

#: The interpreter's switch interval while a load writes in a thread of its own, in seconds. The writing thread needs
#: the GIL back between two statements (SQLite) or two packets (PostgreSQL's COPY) and waits for the reading thread to
#: give it up, which it does only every switch interval (5 ms by default: longer than a statement of rows).
SWITCH_INTERVAL = 0.000_5


class BackgroundWrites:
    """Runs a load's raw writes (`checked_writes`) on a thread of its own, one job at a time, while the load's thread
    reads and checks the next batch: the database's work (SQLite's inserts and index upkeep, PostgreSQL's COPY and
    its network waits) runs without the GIL, so the two overlap on two cores.

    The jobs use the load's own DB-API connection, so they write in its transaction (a second connection would not
    see its uncommitted rows, nor would the tests' transaction see theirs). Every query the load's thread makes
    through Django on that connection first waits for the job in flight (`connection.execute_wrapper`): it sees the
    rows written so far and never runs beside a write. A job's error is raised in the load's thread, as Django's
    database error, at its next query, its next job, or the end of the load (`background_writes`). One job is in
    flight at most: memory holds the batch being written and the one being read, as it did without the thread."""

    def __init__(self):
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnum-bulk-writes")
        self._pending: concurrent.futures.Future | None = None

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` in the writing thread once the previous one is done (its error, if any, raised here)."""
        self.wait()
        self._pending = self._executor.submit(job)

    def wait(self) -> None:
        """Wait for the job in flight; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            with connection.wrap_database_errors:
                pending.result()

    def _gate(self, execute, sql, params, many, context):
        self.wait()
        return execute(sql, params, many, context)

    def _stop(self) -> None:
        self._executor.shutdown(wait=True)


@contextmanager
def background_writes():
    """A `BackgroundWrites` for the duration of a load, inside its transaction: at the end every job is done (its
    error raised) before the caller commits or rolls back; after an error in the load, the job in flight is waited
    for (its own error dropped: the load's is the one raised) before the rollback."""
    connection.ensure_connection()
    writes = BackgroundWrites()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, SWITCH_INTERVAL))
    try:
        with connection.execute_wrapper(writes._gate):
            try:
                yield writes
            except BaseException:
                with suppress(Exception):
                    writes.wait()
                raise
            writes.wait()
    finally:
        writes._stop()
        sys.setswitchinterval(previous)


# --- one row at a time, for the hot paths ---------------------------------------------------------------------------

#: Per (model, database vendor): the RowPlan and the INSERT's text.
_single_inserts: dict[tuple, tuple] = {}


def insert_object(obj) -> None:
    """Write a new model object with one `INSERT … RETURNING` whose text is built once per model, its key given by
    the database (the table's sequence, SQLite's AUTOINCREMENT) and set on `obj`, its `auto_now` fields set to now as
    `save()` sets them. The row is the RowPlan's, as a bulk load writes it. For the writes of a recording (issue #20),
    where the ORM's compiling of an INSERT costs several times the database's work.

    Like any raw write, it sends no signal and bypasses the write gateway (cnum.core.writes): the caller records
    the audit event and announces the write itself."""
    model = type(obj)
    key = (model, connection.vendor)
    if key not in _single_inserts:
        plan = RowPlan(model)
        pk = model._meta.pk
        keep = [position for position, column in enumerate(plan.columns) if column != pk.column]
        quote = connection.ops.quote_name
        names = ", ".join(quote(plan.columns[position]) for position in keep)
        sql = (
            f"INSERT INTO {quote(plan.table)} ({names}) VALUES ({', '.join(['%s'] * len(keep))}) "
            f"RETURNING {quote(pk.column)}"
        )
        stamped = [field.attname for field in model._meta.concrete_fields if _stamped(field)]
        moments = [
            field.attname for field in model._meta.concrete_fields if field.get_internal_type() == "DateTimeField"
        ]
        _single_inserts[key] = (plan, operator.itemgetter(*keep), sql, stamped, moments)
    plan, kept, sql, stamped, moments = _single_inserts[key]
    now = timezone.now()
    for attname in stamped:
        setattr(obj, attname, now)
    fold = getattr(_folding, "fold", None)
    drawn = fold.take(model) if fold is not None else None
    if drawn is not None:
        obj.pk = drawn
    values = {field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields}
    for attname in moments:  # stored as the ORM stores them (SQLite: UTC text with a space, as compared in lookups)
        if values[attname] is not None:
            values[attname] = connection.ops.adapt_datetimefield_value(values[attname])
    if drawn is not None:
        fold.queued.append((model, _as_json(model, values)))
    else:
        with server_bound(connection) as cursor:
            cursor.execute(sql, kept(plan.row(values)))
            obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, connection.alias


#: The fold open in this thread (`folded_inserts`), if any.
_folding = threading.local()
#: Ids a thread drew ahead, per sequence (`_IdPool`).
_pools = threading.local()
#: Ids a thread draws at once from a sequence for its folds.
POOL_SIZE = 64


@contextmanager
def folded_inserts(*, alone: bool = False):
    """On PostgreSQL, inside a transaction: the rows `insert_object` writes within the block sent together, in one
    statement, when the block ends or before any other statement runs on the connection (a read sees them). Their ids
    come from the thread's pool (`_IdPool`: drawn from the tables' sequences `POOL_SIZE` at a time), so a recording's
    six new rows, six statements of ≈ 130 µs of the client's and the server's CPU each (issue #20), are one. Ids drawn
    and not used are lost, as a rolled back insert's are. Elsewhere (SQLite, autocommit, a fold already open), the
    block runs as it is.

    `alone`: the block ends its transaction, which it opened (`folded_transaction`); when the fold's statement is then
    the only one the transaction runs, it is sent without BEGIN and COMMIT."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block or getattr(_folding, "fold", None):
        yield
        return
    fold = _Fold(alone=alone)
    _folding.fold = fold
    try:
        with connection.execute_wrapper(fold.flush_before):
            yield
            fold.flush(last=True)
    finally:
        _folding.fold = None


@contextmanager
def folded_transaction():
    """`transaction.atomic()` around `folded_inserts()`, for a write of new rows only. On PostgreSQL, when the
    fold's statement is the only one of the transaction (nothing read or written in it before, and the block is the
    outermost: nothing can follow it), it is sent on its own, the connection in autocommit for that statement:
    PostgreSQL runs a lone statement as a transaction of its own, all or nothing, and the BEGIN and COMMIT round trips
    (with Django's bookkeeping ≈ 0.26 ms of the machine's CPU a recording, issue #20) are saved. The callbacks of
    `transaction.on_commit` run after it, as after any commit. Otherwise, a transaction as any other."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(), folded_inserts(alone=outermost):
        yield


class _Fold:
    """One `folded_inserts` block: the rows waiting (model, JSON object)."""

    def __init__(self, *, alone: bool = False):
        self.alone = alone
        self.queued: list[tuple[type, str]] = []

    def take(self, model) -> int | None:
        """An id for a row of `model`, or None when its key has no sequence (the row is written at once)."""
        if model in _sequences:
            sequence = _sequences[model]
        else:
            with server_bound(connection) as cursor:
                sequence = sequence_of(model, cursor)
        return _IdPool.of_thread().take(sequence) if sequence else None

    def flush_before(self, execute, sql, params, many, context):
        if self.queued:
            self.flush()
        return execute(sql, params, many, context)

    def flush(self, *, last: bool = False) -> None:
        queued, self.queued = self.queued, []
        if not queued:
            return
        statement, rows = _folded_statement(tuple(model for model, _ in queued)), [row for _, row in queued]
        with server_bound(connection) as cursor, _alone_if(last and self.alone and _idle()):
            cursor.execute(statement, rows)


def _idle() -> bool:
    """Whether the connection's transaction has run nothing yet (psycopg sends BEGIN with its first statement)."""
    from psycopg.pq import TransactionStatus

    return connection.connection.info.transaction_status == TransactionStatus.IDLE


@contextmanager
def _alone_if(alone: bool):
    """The connection in autocommit for the block's statements, when `alone`: each is a transaction of its own."""
    if not alone:
        yield
        return
    raw = connection.connection
    raw.autocommit = True
    try:
        yield
    finally:
        raw.autocommit = False


class _IdPool:
    """Ids a thread drew ahead from sequences, `POOL_SIZE` at a time, for its folds: a recording draws none of its
    own (one statement fewer, issue #20). A sequence is outside any transaction: what one session draws no other ever
    gets, whether the draw's transaction commits or not, so the draw runs outside the transaction when it has not
    begun. Ids are given in increasing order within a thread; across threads and processes a row's id tells nothing of
    when it was written (nor did it: ids drawn before a commit). Unused ids are lost when the thread ends."""

    def __init__(self):
        self.ids: dict[str, list[int]] = {}

    @classmethod
    def of_thread(cls) -> "_IdPool":
        pool = getattr(_pools, "pool", None)
        if pool is None:
            pool = _pools.pool = cls()
        return pool

    def take(self, sequence: str) -> int:
        ids = self.ids.get(sequence)
        if not ids:
            connection.ensure_connection()
            raw = connection.connection  # not through Django's cursor: no fold's flush before a draw
            with connection.wrap_database_errors, _alone_if(_idle() and not raw.autocommit), raw.cursor() as cursor:
                ids = self.ids[sequence] = drawn(cursor, sequence, POOL_SIZE)[::-1]
        return ids.pop()


@functools.lru_cache(maxsize=64)
def _folded_statement(models: tuple) -> str:
    """One statement inserting a row of each model's table, each given as a JSON object (one parameter a row: psycopg
    parses a statement's text again at each run past 50 parameters or 4,096 characters), the rows but the last in
    data-modifying WITH queries (PostgreSQL runs them all; the foreign keys, deferred, are checked at the commit)."""
    quote = connection.ops.quote_name

    def insert(model) -> str:
        table = quote(model._meta.db_table)
        return f"INSERT INTO {table} SELECT * FROM json_populate_record(NULL::{table}, %s::json)"

    *first, last = models
    if not first:
        return insert(last)
    folded = ", ".join(f"folded_{n} AS ({insert(model)})" for n, model in enumerate(first))
    return f"WITH {folded} {insert(last)}"


def _as_json(model, values: dict) -> str:
    """A row as the JSON object `json_populate_record` reads: column → value (JSON fields as JSON; dates, moments
    and decimals as their text, which PostgreSQL reads as the column's type)."""
    return json.dumps(
        {field.column: values[field.attname] for field in model._meta.concrete_fields}, default=_json_text
    )


def _json_text(value) -> str:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)  # Decimal, UUID


def _stamped(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
