"""Checking the rollup tables against the records: recount, compare, list every differing cell.

The recount is independent of the incremental update (cnum.stats.rollups' `apply_change`): either the reference
loop over the activities of the scope and dates (`python`, the same contribution functions, summed from scratch),
or the database's own rebuild (`sql`, cnum.stats.rollups_sql) run in a transaction that is rolled back: the stored
rows are copied aside first, and the database itself compares them with the rebuilt ones, so that only the rows that
differ are read (at national scale, the two whole tables read into the process took gigabytes of its memory).

Only the cells a date range covers whole are compared: the StatCell months and the StatPeople calendar periods
(month, quarter, year; "all" when no date is given) that lie inside [since, until].
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from cnum.stats import pending, rollups, rollups_sql
from cnum.stats.catalogue import DISTINCTS
from cnum.stats.models import StatCell, StatPeople, StatTag
from cnum.stats.scopes import Scope, ScopeKind, activities

METHODS = ("python", "sql")
TABLES = (StatCell, StatPeople, StatTag)


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple
    column: str
    expected: int
    found: int

    def __str__(self) -> str:
        scope = self.key[0] if self.key[0] == ScopeKind.NATIONAL else f"{self.key[0]}:{self.key[1]}"
        period = self.key[2].strftime("%Y-%m") if isinstance(self.key[2], datetime.date) else self.key[2]
        rest = "/".join(str(part) or "-" for part in self.key[3:])
        return f"{self.table} {scope} {period} {rest} {self.column} : attendu {self.expected}, trouvé {self.found}"


def differences(scope: Scope | None = None, since=None, until=None, *, method="python", progress=None):
    """Every cell of the rollup tables, within `scope` (all scopes when None) and the whole months and calendar
    periods of [since, until], whose value differs from a recount of the records. The activities pending in
    StatPending are counted first (cnum.stats.pending): the tables are compared once they are up to date."""
    pending.drain()
    window = Window(scope, since, until)
    if method == "python":
        found = window.stored()
        expected = _recount_python(window, progress)
    else:
        expected, found = _recount_sql(window, progress)
    result = []
    for table in TABLES:
        name, measures = table.__name__, table.MEASURES
        mine, theirs = expected[name], found[name]
        for key in sorted(mine.keys() | theirs.keys(), key=str):
            zero = (0,) * len(measures)
            for column, want, have in zip(measures, mine.get(key, zero), theirs.get(key, zero), strict=True):
                if want != have:
                    result.append(Difference(name, key, column, want, have))
    return result


class Window:
    """The cells compared: a scope (or all) and the whole months and calendar periods of a date range."""

    def __init__(self, scope: Scope | None, since: datetime.date | None, until: datetime.date | None):
        self.scope = scope
        # The first and last days of the whole months inside the range.
        self.first = since if since is None or since.day == 1 else _next_month(since)
        self.last = until
        if until is not None and _next_month(until) - datetime.timedelta(days=1) != until:
            self.last = until.replace(day=1) - datetime.timedelta(days=1)
        self.open = since is None and until is None

    def has_scope(self, kind: str, code: str) -> bool:
        return self.scope is None or (kind, code) == (self.scope.kind, self.scope.code)

    def has_month(self, month: datetime.date) -> bool:
        return (self.first is None or month >= self.first) and (self.last is None or month <= self.last)

    def has_period(self, period: str) -> bool:
        if period == "all":
            return self.open
        start, end = period_bounds(period)
        return (self.first is None or start >= self.first) and (self.last is None or end <= self.last)

    def keep(self, rows: dict) -> dict:
        """Of {StatCell: {key: measures}, StatPeople: {…}}, the rows inside the window, without all-zero rows."""
        cells, people, tags = rows["StatCell"].items(), rows["StatPeople"].items(), rows["StatTag"].items()
        return {
            "StatCell": {k: v for k, v in cells if any(v) and self.has_scope(*k[:2]) and self.has_month(k[2])},
            "StatPeople": {k: v for k, v in people if any(v) and self.has_scope(*k[:2]) and self.has_period(k[2])},
            "StatTag": {k: v for k, v in tags if any(v) and self.has_scope(*k[:2]) and self.has_month(k[2])},
        }

    def stored(self) -> dict:
        rows = {}
        for table in TABLES:
            queryset = table.objects.order_by()
            if self.scope is not None:
                queryset = queryset.filter(scope_kind=self.scope.kind, scope_code=self.scope.code)
            n = len(table.KEY_FIELDS)
            values = queryset.values_list(*table.KEY_FIELDS, *table.MEASURES)
            rows[table.__name__] = {tuple(row[:n]): tuple(row[n:]) for row in values}
        return self.keep(rows)

    def activity_ids(self) -> list[int]:
        if self.first is not None and self.last is not None and self.first > self.last:
            return []
        queryset = activities(self.scope or Scope(ScopeKind.NATIONAL), self.first, self.last)
        return list(queryset.order_by("pk").values_list("pk", flat=True))


def _recount_python(window: Window, progress=None) -> dict:
    ids = window.activity_ids()
    context, tally = rollups.ScopeContext(), rollups.Tally()
    for start in range(0, len(ids), rollups.CHUNK):
        chunk = ids[start : start + rollups.CHUNK]
        rollups.add_contributions(tally, chunk, context)
        if progress:
            progress(len(chunk))
    # Everyone these activities count (people accompanied, advisors): each period inside the window counts only
    # those seen in it.
    for distinct in DISTINCTS:
        entities = set()
        for start in range(0, len(ids), rollups.CHUNK):
            rows = rollups.source_rows(distinct).filter(
                **{f"{distinct.path('id')}__in": ids[start : start + rollups.CHUNK]}
            )
            entities.update(rows.values_list(distinct.entity, flat=True))
        rollups.count_keys(tally, distinct, rollups.distinct_keys(distinct, context, entities=entities))
    people = defaultdict(lambda: [0] * len(DISTINCTS))
    for (*key, column), n in tally.people.items():
        people[tuple(key)][rollups.DISTINCT_INDEX[column]] += n
    rows = {
        "StatCell": {key: tuple(vector) for key, vector in tally.cells.items()},
        "StatPeople": {key: tuple(vector) for key, vector in people.items()},
        "StatTag": {key: (n,) for key, n in tally.tags.items()},
    }
    return window.keep(rows)


class _RollBack(Exception):
    pass


def _recount_sql(window: Window, progress=None) -> tuple[dict, dict]:
    """The rebuilt rows and the stored rows (expected, found) that differ, within the window: the stored rows (but
    all-zero ones) copied to temporary tables, the tables rebuilt, the two compared by the database (EXCEPT both
    ways), then everything rolled back."""
    differing = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in TABLES:
                columns, db_table = _columns(table), connection.ops.quote_name(table._meta.db_table)
                cursor.execute(
                    f"CREATE TEMP TABLE {_aside(table)} AS SELECT {columns} FROM {db_table} WHERE {_any(table)}"
                )
            rollups_sql.rebuild(progress=(lambda name: progress(1)) if progress else None)
            for table in TABLES:
                columns, db_table = _columns(table), connection.ops.quote_name(table._meta.db_table)
                rebuilt = f"SELECT {columns} FROM {db_table} WHERE {_any(table)}"
                stored = f"SELECT {columns} FROM {_aside(table)}"
                cursor.execute(f"{rebuilt} EXCEPT {stored}")
                mine = cursor.fetchall()
                cursor.execute(f"{stored} EXCEPT {rebuilt}")
                differing[table.__name__] = (mine, cursor.fetchall())
            raise _RollBack
    except _RollBack:
        pass
    expected, found = {}, {}
    for table in TABLES:
        n, mine, theirs = len(table.KEY_FIELDS), *differing[table.__name__]
        read = _reader(table)
        expected[table.__name__] = {read(row[:n]): tuple(row[n:]) for row in mine}
        found[table.__name__] = {read(row[:n]): tuple(row[n:]) for row in theirs}
    return window.keep(expected), window.keep(found)


def _aside(table) -> str:
    return connection.ops.quote_name(f"cnum_verify_{table._meta.db_table}")


def _columns(table) -> str:
    fields = [table._meta.get_field(name).column for name in (*table.KEY_FIELDS, *table.MEASURES)]
    return ", ".join(map(connection.ops.quote_name, fields))


def _any(table) -> str:
    """A row with a measure other than zero (an all-zero row counts nothing: the rebuild writes none)."""
    quote = connection.ops.quote_name
    return "(" + " OR ".join(f"{quote(table._meta.get_field(name).column)} <> 0" for name in table.MEASURES) + ")"


def _reader(table):
    """A key read by the raw cursor, as the ORM gives it (SQLite returns dates as text): each value through its
    field's `to_python`."""
    fields = [table._meta.get_field(name) for name in table.KEY_FIELDS]
    return lambda key: tuple(field.to_python(value) for field, value in zip(fields, key, strict=True))


def period_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    """First and last days of "2025", "2025-T2" or "2025-03"."""
    year = int(period[:4])
    if len(period) == 4:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if period[5] == "T":
        first = datetime.date(year, 3 * int(period[6]) - 2, 1)
        return first, _add_months(first, 3) - datetime.timedelta(days=1)
    first = datetime.date(year, int(period[5:7]), 1)
    return first, _next_month(first) - datetime.timedelta(days=1)


def _next_month(day: datetime.date) -> datetime.date:
    return _add_months(day.replace(day=1), 1)


def _add_months(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)
