"""Reads of the hot paths (a recording: issue #20) whose SQL the ORM compiles once, then runs again with other values.

Building and compiling a queryset costs 0.2–0.5 ms of CPU in Python, several times what SQLite takes to answer an
indexed read; a recording made ≈ 10 of them. A `Prepared` read is still declared as a queryset (the managers' verbs,
`current()`, `usable_by()`… stay the one definition), built once per database vendor with a sentinel for each
parameter; the SQL text and the parameters' positions are kept, and each call only runs the statement and converts
its columns as the queryset would have (booleans, dates, JSON).

    TOKEN = Prepared(lambda digest: ApiToken.objects.filter(secret_hash=digest).values_list("pk", "name"), digest=str)
    TOKEN.first(digest=hash_secret(secret))  # a tuple, or None

Parameters are ints, strings, dates or aware datetimes, each passed to one lookup (`=`, `<=`…; not `__in`, whose
list the SQL would spell out). A parameter the compiled SQL does not hold, or holds where the sentinel cannot be told
apart, raises at the first call: the read would otherwise run with a value of its first build. So does a statement
holding today's date as a constant (a `current()` without `on=`): it would keep the day of its first call.
"""

import datetime
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

#: The sentinel of each parameter type, offset by the parameter's position: values no real query compares with.
_SENTINELS = {
    int: lambda index: -7_350_981_000 - index,
    str: lambda index: f"\x1fcnum-parametre-{index}\x1f",
    datetime.date: lambda index: datetime.date(1001, 1, 1 + index),
    datetime.datetime: lambda index: datetime.datetime(1001, 1, 1, 0, 0, index, tzinfo=datetime.UTC),
}


class Prepared:
    """A read built by `build(**parameters)` (a queryset of `values_list`), compiled once per database alias."""

    def __init__(self, build: Callable[..., QuerySet], **parameters: type):
        unknown = {name: kind for name, kind in parameters.items() if kind not in _SENTINELS}
        if unknown:
            raise TypeError(f"Types de paramètres non pris en charge : {unknown}")
        self.build = build
        self.parameters = parameters
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> tuple:
        connection = connections[alias]
        samples = {name: _SENTINELS[kind](index) for index, (name, kind) in enumerate(self.parameters.items())}
        queryset = self.build(**samples)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots, found = [], set()
        for value in params:
            name = next((name for name, sample in samples.items() if _same(value, sample, connection)), None)
            # A date or a time is compared as text on SQLite: pass it in the form the ORM gave it.
            slots.append(
                (name, _as_text(samples[name], connection) if value.__class__ is str else None)
                if name
                else (None, value)
            )
            found.add(name)
        missing = set(samples) - found
        if missing:
            raise ValueError(f"Paramètres absents de la requête compilée : {sorted(missing)}")
        frozen = [value for name, value in slots if name is None and _of_today(value)]
        if frozen:  # e.g. `current()` without `on=`: the day of the first call would stay in the statement
            raise ValueError(f"La requête compilée garde la date du jour {frozen[0]!r} : passez-la en paramètre.")
        columns = compiler.select[: compiler.col_count] if compiler.col_count else compiler.select
        converters = compiler.get_converters([column[0] for column in columns])
        return sql, tuple(slots), tuple(converters.items()), connection.vendor

    def rows(self, using: str = "default", **values) -> list[tuple]:
        """Every row, converted as the queryset's `values_list` would return them."""
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compiled.setdefault(using, self._compile(using))
        sql, slots, converters, _ = compiled
        params = []
        for name, extra in slots:
            if name is None:
                params.append(extra)  # a value of the queryset itself
            else:
                params.append(extra(values[name]) if extra else values[name])
        connection = connections[using]
        with server_bound(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def first(self, using: str = "default", **values) -> tuple | None:
        """The first row (build the queryset with its order and `[:1]`), or None."""
        rows = self.rows(using, **values)
        return rows[0] if rows else None


def server_bound(connection):
    """A cursor of `connection` (Django's wrapper: its execute wrappers and query log), binding its parameters on the
    server on PostgreSQL: Django's cursors bind them on the client, so that the server parses and plans each statement
    with its values written in. For the hot paths' few fixed statements (a recording's reads and INSERTs), measured
    on a read of a user's roles: 37 µs of the server's CPU and 29 of the client's a statement, against 13 and 18.
    Once a statement has run `CNUM_PG_PREPARE_THRESHOLD` times on the connection, psycopg prepares it: the server
    plans it once, not at each run (a recording's server CPU at national scale: 3.6 → 2.4 ms)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(ServerBindingCursor(connection.connection))


def _same(value, sample, connection) -> bool:
    if value.__class__ is sample.__class__:
        return value == sample
    text = _as_text(sample, connection)
    return value.__class__ is str and text is not None and value == text(sample)


def _of_today(value) -> bool:
    """Whether a constant of a compiled statement is today's date or a moment of today (as an object, or as the text
    SQLite is given), local or UTC."""
    days = {timezone.localdate(), timezone.now().date()}
    if isinstance(value, datetime.date):
        return (value.date() if isinstance(value, datetime.datetime) else value) in days
    return isinstance(value, str) and any(value.startswith(day.isoformat()) for day in days)


def _as_text(sample, connection) -> Callable | None:
    """How the ORM spells a date or a time of this kind as text (SQLite), or None."""
    if isinstance(sample, datetime.datetime):
        return connection.ops.adapt_datetimefield_value
    if isinstance(sample, datetime.date):
        return datetime.date.isoformat
    return None


def columns(model, prefix: str = "") -> list[str]:
    """The lookups of every column of `model` (through the relation `prefix`, e.g. "owner__"), for `values_list`:
    a joined row read as `select_related` would."""
    return [prefix + field.attname for field in model._meta.concrete_fields]


def instance(model, row: tuple, start: int = 0, using: str = "default"):
    """The object of `model` whose columns (`columns(model)`) start at `row[start]`, as the ORM would have built it;
    None when its key is NULL (a nullable relation that is empty)."""
    fields = model._meta.concrete_fields
    values = row[start : start + len(fields)]
    if values[[field.primary_key for field in fields].index(True)] is None:
        return None
    return model.from_db(using, [field.attname for field in fields], values)
