"""Keeping the rollup tables (cnum.stats.models) equal to the activities.

One function says what an activity adds to the tables (`contributions`), one what an entity of a distinct count (a
person, an advisor: cnum.stats.catalogue.DISTINCTS) adds to StatPeople (`distinct_keys`). A write is applied as a
difference: what the rows it touches contributed before, subtracted, and what they contribute after, added
(cnum.activities.signals tells which rows). A rebuild sums the contributions of every activity and entity from
scratch. Both paths use the same two functions, and the
property tests compare the tables with the live indicators (cnum.stats.indicators) computed on the raw rows.
"""

import datetime
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import CharField, F, Q, QuerySet
from django.db.models.functions import Cast, Substr

from cnum.activities.enums import ActivityType, Progress
from cnum.activities.models import Accompaniment, Activity, ActivityTag
from cnum.advisors.models import TeamMembership
from cnum.stats import versions
from cnum.stats.catalogue import ACTIVITY_BREAKDOWNS, BUCKET_BREAKDOWNS, DISTINCTS, PERSON_BREAKDOWNS, Distinct
from cnum.stats.models import COUNTS, KEY, PEOPLE_KEY, StatCell, StatPending, StatPeople, StatTag, column_name
from cnum.stats.scopes import ScopeKind, employer_kind
from cnum.structures.models import Hub, Structure

CHUNK = 2_000
MEASURES = StatCell.MEASURES
COLUMN_INDEX = {name: index for index, name in enumerate(MEASURES)}
DISTINCT_INDEX = {distinct.column: index for index, distinct in enumerate(DISTINCTS)}
SOURCES = {"accompaniment": Accompaniment, "activity": Activity}
ACTIVITY_FIELDS = (
    "pk",
    "date",
    "type",
    "place_type",
    "duration_minutes",
    "advisor_id",
    "structure_id",
    "anonymous_participants",
    "anonymous_first_time",
    "anonymous_progressed",
    "anonymous_asked",
    "anonymous_breakdown",
    *(breakdown.field for breakdown in (*ACTIVITY_BREAKDOWNS, *BUCKET_BREAKDOWNS)),
)
PERSON_FIELDS = tuple(f"beneficiary__{breakdown.field}" for breakdown in PERSON_BREAKDOWNS)


def source_rows(distinct: Distinct) -> QuerySet:
    """The rows linking an entity counted by `distinct` to an activity (accompaniments, or the activities)."""
    return SOURCES[distinct.source].objects.order_by()


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def periods_of(day: datetime.date) -> tuple[str, ...]:
    """The calendar periods distinct people are counted for: all time, year, quarter (T1–T4) and month."""
    return ("all", f"{day:%Y}", f"{day:%Y}-T{(day.month - 1) // 3 + 1}", f"{day:%Y-%m}")


# --- which scopes an activity belongs to --------------------------------------------------------------------------


class ScopeContext:
    """What it takes to list an activity's scopes, read once per batch: its structure's territories, hubs and
    networks, and its advisor's accepted team memberships (a requested one counts nowhere)."""

    def __init__(self):
        self.structures: dict[int, tuple[tuple[tuple[str, str], ...], str]] = {}
        self.memberships: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = {}
        self._hubs: dict[str, list[int]] | None = None

    def load(self, structure_ids: Iterable[int], advisor_ids: Iterable[int]) -> None:
        missing = set(structure_ids) - self.structures.keys()
        if missing:
            self._load_structures(missing)
        absent = set(advisor_ids) - self.memberships.keys()
        if absent:
            for advisor_id in absent:
                self.memberships[advisor_id] = []
            rows = TeamMembership.objects.accepted().filter(advisor_id__in=absent)
            for advisor_id, team_id, start, end in rows.values_list("advisor_id", "team_id", "start", "end"):
                self.memberships[advisor_id].append((team_id, start, end))

    def _load_structures(self, ids: set[int]) -> None:
        if self._hubs is None:
            self._hubs = defaultdict(list)
            for hub_id, codes in sorted(Hub.departement_map().items()):
                for code in codes:
                    self._hubs[code].append(hub_id)
        networks = defaultdict(list)
        for structure_id, network_id in Structure.networks.through.objects.filter(structure_id__in=ids).values_list(
            "structure_id", "network_id"
        ):
            networks[structure_id].append(network_id)
        fields = ("pk", "type", "departement_id", "departement__region_id", "commune__code", "commune__epci_id")
        for pk, kind, departement, region, commune, epci in Structure.objects.filter(pk__in=ids).values_list(*fields):
            keys = [(ScopeKind.NATIONAL.value, ""), (ScopeKind.STRUCTURE.value, str(pk))]
            territories = ((ScopeKind.REGION, region), (ScopeKind.DEPARTEMENT, departement))
            territories += ((ScopeKind.EPCI, epci), (ScopeKind.COMMUNE, commune))
            keys += [(kind_.value, code) for kind_, code in territories if code]
            keys += [(ScopeKind.HUB.value, str(hub)) for hub in self._hubs.get(departement, ())]
            keys += [(ScopeKind.NETWORK.value, str(network)) for network in sorted(networks[pk])]
            self.structures[pk] = (tuple(keys), employer_kind(kind))

    def scopes(self, structure_id: int, advisor_id: int, day: datetime.date) -> list[tuple[str, str]]:
        return [*self.fixed_scopes(structure_id, advisor_id), *self.teams(advisor_id, day)]

    def fixed_scopes(self, structure_id: int, advisor_id: int) -> list[tuple[str, str]]:
        """The scopes that do not depend on the day: territories, hubs, networks, structure, advisor."""
        return [*self.structures[structure_id][0], (ScopeKind.ADVISOR.value, str(advisor_id))]

    def teams(self, advisor_id: int, day: datetime.date) -> list[tuple[str, str]]:
        """The teams the advisor was a member of on `day`."""
        return [
            (ScopeKind.TEAM.value, str(team_id))
            for team_id, start, end in self.memberships.get(advisor_id, ())
            if start <= day and (end is None or day <= end)
        ]

    def employer(self, structure_id: int) -> str:
        return self.structures[structure_id][1]


# --- what activities and people contribute ------------------------------------------------------------------------


@dataclass
class Tally:
    """Sums to add to the tables: StatCell vectors by key, StatPeople counts by (*key, distinct column), and StatTag
    activities by (*cell key, tag id)."""

    cells: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * len(MEASURES)))
    people: Counter = field(default_factory=Counter)
    tags: Counter = field(default_factory=Counter)

    def subtract(self, other: "Tally") -> "Tally":
        """self − other, keeping only the keys whose sums differ."""
        result = Tally()
        for key in self.cells.keys() | other.cells.keys():
            mine, theirs = self.cells.get(key, [0] * len(MEASURES)), other.cells.get(key, [0] * len(MEASURES))
            delta = [a - b for a, b in zip(mine, theirs, strict=True)]
            if any(delta):
                result.cells[key] = delta
        for key in self.people.keys() | other.people.keys():
            if self.people.get(key, 0) != other.people.get(key, 0):
                result.people[key] = self.people.get(key, 0) - other.people.get(key, 0)
        for key in self.tags.keys() | other.tags.keys():
            if self.tags.get(key, 0) != other.tags.get(key, 0):
                result.tags[key] = self.tags.get(key, 0) - other.tags.get(key, 0)
        return result


def add_contributions(tally: Tally, activity_ids: Iterable[int], context: ScopeContext) -> None:
    """Add to `tally` what the activities `activity_ids` contribute to StatCell."""
    ids = sorted(set(activity_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = list(Activity.objects.filter(pk__in=chunk).order_by().values(*ACTIVITY_FIELDS))
        people = defaultdict(list)
        person_rows = (
            Accompaniment.objects.filter(activity_id__in=chunk)
            .order_by()
            .values_list("activity_id", "is_first", "progressed", "beneficiary__is_followed", *PERSON_FIELDS)
        )
        for activity_id, *values in person_rows:
            people[activity_id].append(values)
        # A many-to-many's values (tags) with one grouped query per batch, as the accompaniments.
        tags = defaultdict(set)
        for activity_id, tag_id in ActivityTag.objects.filter(activity_id__in=chunk).values_list(
            "activity_id", "tag_id"
        ):
            tags[activity_id].add(tag_id)
        context.load({row["structure_id"] for row in rows}, {row["advisor_id"] for row in rows})
        for row in rows:
            _add_activity(tally, row, people[row["pk"]], context, tags[row["pk"]])


def _add_activity(tally: Tally, row: dict, people: list, context: ScopeContext, tags: set[int] = frozenset()) -> None:
    collective = row["type"] == ActivityType.COLLECTIVE
    anonymous = row["anonymous_participants"] if collective else 0
    first_time = row["anonymous_first_time"] if collective else 0
    answered = (Progress.YES, Progress.NO)
    vector = [0] * len(MEASURES)
    vector[: len(COUNTS)] = (
        1,
        len(people) + anonymous,
        sum(1 for person in people if person[2]),
        sum(1 for person in people if person[0]) + first_time,
        first_time,
        sum(1 for person in people if person[1] == Progress.YES) + (row["anonymous_progressed"] if collective else 0),
        sum(1 for person in people if person[1] in answered) + (row["anonymous_asked"] if collective else 0),
        row["duration_minutes"],
    )
    counts = Counter()
    for breakdown in BUCKET_BREAKDOWNS:
        counts[breakdown.dimension, breakdown.bucket(row[breakdown.field])] += 1
    for breakdown in ACTIVITY_BREAKDOWNS:
        values = set(row[breakdown.field] or ()) if breakdown.many else {row[breakdown.field]}
        counts.update((breakdown.dimension, value) for value in values if value)
    for index, breakdown in enumerate(PERSON_BREAKDOWNS):
        dimension, unknown = breakdown.dimension, breakdown.unknown
        counts.update((dimension, person[3 + index] or unknown) for person in people)
        if anonymous:
            declared = (row["anonymous_breakdown"] or {}).get(breakdown.anonymous_key) or {}
            given = {value: n for value, n in declared.items() if n}
            counts.update({(dimension, value): n for value, n in given.items()})
            counts[dimension, unknown] += anonymous - sum(given.values())
    for (dimension, value), n in counts.items():
        # A value outside the enums (written without the services' checks) has no column: the SQL rebuild, which
        # sums one column per known value, leaves it out too.
        index = COLUMN_INDEX.get(column_name(dimension, value))
        if index is not None:
            vector[index] += n
    suffix = (month_of(row["date"]), row["type"], row["place_type"], context.employer(row["structure_id"]))
    for scope in context.scopes(row["structure_id"], row["advisor_id"], row["date"]):
        cell = tally.cells[(*scope, *suffix)]
        for index, value in enumerate(vector):
            if value:
                cell[index] += value
        for tag in tags:
            tally.tags[(*scope, *suffix, tag)] += 1


#: Activities a change covers up to which they are left out in SQL (beyond, in Python: a structure's thousands).
SQL_EXCLUSION = 1_000


@dataclass(frozen=True)
class Window:
    """Dates an entity's earlier rows are looked for in: [first, end) ranges (none: all time). `whole`: only the
    cells of all time are still wanted (the narrower windows read every row of the shorter periods)."""

    ranges: tuple[tuple[datetime.date, datetime.date], ...] = ()
    whole: bool = False

    def condition(self, distinct: Distinct) -> Q:
        date = distinct.path("date")
        condition = Q()
        for first, end in self.ranges:
            condition |= Q(**{f"{date}__gte": first, f"{date}__lt": end})
        return condition


def distinct_keys(
    distinct: Distinct,
    context: ScopeContext,
    *,
    entities: Iterable[int] | None = None,
    activities: Iterable[int] | None = None,
    excluding: Iterable[int] = (),
    counted_only: bool = False,
    within: Window | None = None,
) -> dict[int, set[tuple]]:
    """For each entity `distinct` counts (a person, an advisor), the (scope kind, scope code, period, type) cells of
    StatPeople it counts in once: from its rows among `entities`' (all but those of the activities `excluding`, and
    with `counted_only` but those of the activities pending in StatPending), or among the rows of `activities`
    (None: every row).

    `within`: only the rows of these dates (a drain's `windows()`); with its `whole`, the cells of all time alone, from
    one row per (entity, type, structure, advisor).

    The scopes but the teams are listed once per month (an advisor's years of activities are a few hundred months);
    the teams, by day, only for advisors who were ever in one."""
    keys: dict[int, set[tuple]] = defaultdict(set)
    excluding = set(excluding)
    lookup, ids = None, None
    if entities is not None:
        lookup, ids = distinct.entity, sorted(set(entities))
    elif activities is not None:
        lookup, ids = distinct.path("id"), sorted(set(activities))
    chunks = [None] if ids is None else [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        rows = source_rows(distinct)
        rows = rows if chunk is None else rows.filter(**{f"{lookup}__in": chunk})
        if counted_only:
            # In the statement itself: an activity committed meanwhile is seen with its pending row (PostgreSQL).
            rows = rows.exclude(**{f"{distinct.path('id')}__in": StatPending.objects.values("activity")})
        if excluding and len(excluding) <= SQL_EXCLUSION:
            rows, left_out = rows.exclude(**{f"{distinct.path('id')}__in": sorted(excluding)}), set()
        else:
            left_out = excluding
        if within is not None and within.ranges:
            rows = rows.filter(within.condition(distinct))
        whole = within is not None and within.whole
        found = _rows(distinct, rows, left_out, by_month=None if whole else True)
        context.load({row[3] for row in found}, {row[4] for row in found})
        for entity, month, kind, structure_id, advisor_id in found:
            periods = ALL_TIME if whole else periods_of(month)
            for scope in context.fixed_scopes(structure_id, advisor_id):
                _add(keys[entity], scope, periods, kind)
        members = sorted({row[4] for row in found if context.memberships.get(row[4])})
        if members:
            daily = _rows(distinct, rows.filter(**{f"{distinct.path('advisor_id')}__in": members}), left_out)
            for entity, day, kind, _, advisor_id in daily:
                for scope in context.teams(advisor_id, day):
                    _add(keys[entity], scope, ALL_TIME if whole else periods_of(day), kind)
    return keys


#: The periods of all time alone (a `whole` window).
ALL_TIME = ("all",)


def windows(distinct: Distinct, periods: Iterable[str]) -> list[Window]:
    """Where a drain looks for the earlier rows of the entities of new activities whose cells are of `periods`: for
    an entity of many rows, the months of those periods, then their years, then all time from one row per (entity,
    type, structure, advisor) — each read only for the entities with cells still not found, so that an advisor
    recording again in a month reads that month of theirs, not their history (issue #20); else all time at once."""
    if not distinct.many_rows:
        return [Window()]
    months = sorted({_first_of(period) for period in periods if len(period) == 7 and period[5] != "T"})
    years = sorted({int(period) for period in periods if len(period) == 4})
    narrower = (
        Window(tuple((month, _next_month(month)) for month in months)),
        Window(tuple((datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)) for year in years)),
    )
    return [*(window for window in narrower if window.ranges), Window(whole=True)]


def _next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _rows(distinct: Distinct, rows: QuerySet, left_out: set[int], *, by_month: bool | None = False) -> set[tuple]:
    """Distinct (entity, day or first of the month, type, structure, advisor) of the rows, but those of the
    activities `left_out`. Months are cut from the ISO date by the database (a few hundred rows for an advisor's
    thousands of activities); `by_month=None`: no date at all (None in its place), one row per (entity, type,
    structure, advisor)."""
    attributes = tuple(distinct.path(name) for name in ("type", "structure_id", "advisor_id"))
    if by_month is None:
        found = _distinct(distinct, rows, (distinct.entity, *attributes), left_out)
        return {(entity, None, *rest) for entity, *rest in found}
    day = Substr(Cast(distinct.path("date"), CharField()), 1, 7) if by_month else F(distinct.path("date"))
    found = _distinct(distinct, rows.annotate(cnum_day=day), (distinct.entity, "cnum_day", *attributes), left_out)
    if by_month:
        return {(entity, _first_of(month), *rest) for entity, month, *rest in found}
    return found


def _distinct(distinct: Distinct, rows: QuerySet, fields: tuple, left_out: set[int]) -> set[tuple]:
    if left_out:
        return {row[1:] for row in rows.values_list(distinct.path("id"), *fields) if row[0] not in left_out}
    return set(rows.values_list(*fields).distinct())


def _first_of(month: str) -> datetime.date:
    return datetime.date(int(month[:4]), int(month[5:7]), 1)


def _add(keys: set, scope: tuple[str, str], periods: tuple[str, ...], kind: str) -> None:
    for period in periods:
        keys.add((*scope, period, ""))
        keys.add((*scope, period, kind))


def count_keys(tally: "Tally", distinct: Distinct, keys: dict[int, set[tuple]], sign: int = 1) -> None:
    for entity_keys in keys.values():
        for key in entity_keys:
            tally.people[(*key, distinct.column)] += sign


# --- writing the tables -------------------------------------------------------------------------------------------


def apply(tally: Tally) -> None:
    """Add the sums of `tally` to the tables (negative sums subtract); rows left at zero are removed."""
    date = connection.ops.adapt_datefield_value
    cells = [(*key[:2], date(key[2]), *key[3:], *vector) for key, vector in tally.cells.items()]
    vectors = defaultdict(lambda: [0] * len(DISTINCTS))
    for (*key, column), n in tally.people.items():
        if n:
            vectors[tuple(key)][DISTINCT_INDEX[column]] += n
    tags = [(*key[:2], date(key[2]), *key[3:], n) for key, n in tally.tags.items() if n]
    _upsert(StatCell, KEY, MEASURES, cells)
    _upsert(StatPeople, PEOPLE_KEY, StatPeople.MEASURES, [(*key, *vector) for key, vector in vectors.items()])
    _upsert(StatTag, StatTag.KEY_FIELDS, StatTag.MEASURES, tags)
    _delete_zeros(StatCell, KEY, [key for key, vector in tally.cells.items() if min(vector) < 0], ("activities",))
    _delete_zeros(StatPeople, PEOPLE_KEY, [key for key, vector in vectors.items() if min(vector) < 0])
    _delete_zeros(StatTag, StatTag.KEY_FIELDS, [key for key, n in tally.tags.items() if n < 0])


def _upsert(model, key_fields: tuple[str, ...], measures: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET m = m + excluded.m: an additive upsert (SQLite ≥ 3.24, PostgreSQL)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*key_fields, *measures]
    updates = ", ".join(f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in measures)
    if connection.vendor == "postgresql":
        if len(rows) * len(columns) > COPY_UPSERT_AFTER:
            _upsert_copied(table, columns, key_fields, updates, rows)
        else:
            _upsert_arrays(model, table, columns, key_fields, updates, rows)
        return
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, 30_000 // len(columns))
    with connection.cursor() as wrapper:
        # The database's own cursor: Django's debug wrapper (DEBUG = True) would format every statement's thousands
        # of parameters for its query log, which costs more than the statements themselves.
        cursor = getattr(wrapper, "cursor", wrapper)
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quote(c) for c in key_fields)}) DO UPDATE SET {updates}",
                [value for row in chunk for value in row],
            )


#: Values past which PostgreSQL's upserts go through COPY: psycopg reads a statement's text again for each of its
#: parameters on the client (a 30,000-value statement costs ≈ 50 ms of CPU before it is sent; an import of 100,000
#: activities spent 5 of its 22 s there).
COPY_UPSERT_AFTER = 5_000


def _upsert_arrays(model, table: str, columns: list[str], key_fields, updates: str, rows: list[tuple]) -> None:
    """The additive upsert of a drain's or a write's cells on PostgreSQL: one array a column, unnested. The text does
    not depend on the rows: psycopg reads it once, not once per value (client-side binding read a drain's
    4,000-value VALUES list again at each drain: a quarter of a form recording's CPU, issue #20), the arrays go in
    binary."""
    import psycopg  # PostgreSQL only

    connection.ensure_connection()
    # A cursor binding on the server (Django's binds on the client): the arrays go as parameters.
    with psycopg.Cursor(connection.connection) as cursor:
        statement = _unnested(model, table, tuple(columns), tuple(key_fields), updates)
        # Prepared by psycopg after a few drains, as every server-bound statement (CNUM_PG_PREPARE_THRESHOLD).
        cursor.execute(statement, [list(values) for values in zip(*rows, strict=True)])


@lru_cache(maxsize=16)
def _unnested(model, table: str, columns: tuple[str, ...], key_fields: tuple[str, ...], updates: str) -> str:
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%b::{model._meta.get_field(name).db_type(connection)}[]" for name in columns)
    return (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key_fields)}) DO UPDATE SET {updates}"
    )


def _upsert_copied(table: str, columns: list[str], key_fields, updates: str, rows: list[tuple]) -> None:
    """The additive upsert of many rows on PostgreSQL: COPY into a temporary table shaped like the target (dropped
    at the commit), then one INSERT … SELECT … ON CONFLICT."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    staging = quote(f"upsert_{table.strip(chr(34))}")
    with transaction.atomic():  # ON COMMIT DROP needs a transaction, even when the caller runs in autocommit
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP "
                f"AS SELECT {names} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {staging}")
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} "
                f"ON CONFLICT ({', '.join(quote(c) for c in key_fields)}) DO UPDATE SET {updates}"
            )


def _delete_zeros(model, key_fields, keys: list[tuple], measures: tuple[str, ...] | None = None) -> None:
    zero = dict.fromkeys(measures or model.MEASURES, 0)
    for start in range(0, len(keys), 200):
        condition = Q()
        for key in keys[start : start + 200]:
            condition |= Q(**dict(zip(key_fields, key, strict=True)))
        model.objects.filter(condition, **zero).delete()


# --- maintenance on write and rebuild -----------------------------------------------------------------------------


@dataclass
class Snapshot:
    activity_ids: set[int]
    beneficiary_ids: set[int]
    tally: Tally
    #: Distinct column → entity → the StatPeople cells its rows among these activities count it in.
    keys: dict[str, dict[int, set[tuple]]] = field(default_factory=dict)


def snapshot(
    activity_ids: Iterable[int] = (), beneficiary_ids: Iterable[int] = (), context: ScopeContext | None = None
) -> Snapshot:
    """What the given activities, and every activity of the given people, contribute now."""
    beneficiary_ids = set(beneficiary_ids)
    activity_ids = set(activity_ids) | set(
        Accompaniment.objects.filter(beneficiary_id__in=beneficiary_ids).values_list("activity_id", flat=True)
    )
    activity_ids = counted(activity_ids)
    context, tally = context or ScopeContext(), Tally()
    add_contributions(tally, activity_ids, context)
    keys = {d.column: distinct_keys(d, context, activities=activity_ids) for d in DISTINCTS}
    return Snapshot(activity_ids, beneficiary_ids, tally, keys)


def extend(before: Snapshot, activity_ids: Iterable[int], beneficiary_ids: Iterable[int], *, created=()) -> None:
    """Add to `before` what more rows contribute now, before a write nested in the change touches them
    (cnum.activities.signals: `activities_extending`). Activities created earlier in the change had no state."""
    people = set(beneficiary_ids) - before.beneficiary_ids
    theirs = Accompaniment.objects.filter(beneficiary_id__in=people).values_list("activity_id", flat=True)
    activity_ids = counted((set(activity_ids) | set(theirs)) - before.activity_ids - set(created))
    context = ScopeContext()
    add_contributions(before.tally, activity_ids, context)
    for distinct in DISTINCTS:
        found = before.keys.setdefault(distinct.column, {})
        for entity, keys in distinct_keys(distinct, context, activities=activity_ids).items():
            found.setdefault(entity, set()).update(keys)
    before.activity_ids |= activity_ids
    before.beneficiary_ids |= people


def apply_change(before: Snapshot, activity_ids: Iterable[int] = (), beneficiary_ids: Iterable[int] = ()) -> None:
    """Apply to the tables the difference between `before` and now, for the rows `before` covered plus those
    given (created by the write).

    Distinct counts: an entity's rows outside the covered activities did not change; with those (read now) and the
    covered rows before and after, the entity's cells before and after are known, and each cell gains or loses it."""
    context = ScopeContext()
    after = snapshot(before.activity_ids | set(activity_ids), before.beneficiary_ids | set(beneficiary_ids), context)
    tally = after.tally.subtract(before.tally)
    for distinct in DISTINCTS:
        old, new = before.keys.get(distinct.column, {}), after.keys[distinct.column]
        entities = old.keys() | new.keys()
        rest = distinct_keys(distinct, context, entities=entities, excluding=after.activity_ids, counted_only=True)
        for entity in entities:
            others = rest.get(entity, set())
            was, now = others | old.get(entity, set()), others | new.get(entity, set())
            for key in now - was:
                tally.people[(*key, distinct.column)] += 1
            for key in was - now:
                tally.people[(*key, distinct.column)] -= 1
    apply(tally)
    bump_versions(before.tally, after.tally, tally)


def bump_versions(*tallies: Tally) -> None:
    """Move the figures' version (cnum.stats.versions) of every scope the tallies have rows for: those the rows of a
    change counted in before it and after it, and those whose distinct counts it moved. Every scope the change
    touched, even where the sums came out equal (an activity moved within its month changes the daily series)."""
    versions.bump({key[:2] for tally in tallies for rows in (tally.cells, tally.people, tally.tags) for key in rows})


def counted(activity_ids: Iterable[int]) -> set[int]:
    """The activities among `activity_ids` the tables count: all but the pending ones (StatPending), which a drain
    counts with their state at that time (docs/adr/0009-deferred-rollups.md)."""
    ids = set(activity_ids)
    if not ids:
        return ids
    waiting = StatPending.objects.filter(activity__in=sorted(ids)) if len(ids) <= CHUNK else StatPending.objects
    return ids - set(waiting.values_list("activity", flat=True))


#: The PostgreSQL advisory lock of the drains (any 64-bit number of cnum's own).
DRAIN_LOCK = 0x636E756D_64726E  # "cnum" "drn"


def lock_drains(*, shared: bool = False, wait: bool = True) -> bool:
    """Take, until the end of the transaction, the lock that lets one drain (cnum.stats.pending) count pending
    activities at a time: exclusive for a drain or a rebuild, shared for a change of counted rows (which must not
    see rows become counted between its two snapshots). `wait=False` returns False at once when it is taken.

    On SQLite every write transaction already holds the database's one write lock (transaction_mode IMMEDIATE):
    nothing more to take. Outside a transaction (autocommit) there is nothing to hold it to."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return True
    function = {(False, True): "pg_advisory_xact_lock", (True, True): "pg_advisory_xact_lock_shared"}
    function |= {(False, False): "pg_try_advisory_xact_lock", (True, False): "pg_try_advisory_xact_lock_shared"}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function[shared, wait]}(%s)", [DRAIN_LOCK])
        taken = cursor.fetchone()[0]
    return taken is not False


_local = threading.local()


def suspended() -> bool:
    """Whether writes are not followed one by one, the tables being rebuilt at the end (`unfollowed`)."""
    return getattr(_local, "suspended", False)


@contextmanager
def unfollowed(rebuild):
    """A bulk load, in a transaction: its writes are not followed one by one (a diff per batch would cost more than
    the load), and `rebuild()` refills the tables from scratch at the end. Not inside a tracked change."""
    if suspended():
        yield
        return
    _local.suspended = True
    try:
        yield
    finally:
        _local.suspended = False
    rebuild()


def empty(*models) -> None:
    """Delete every row of the rollups' tables, one DELETE each: a queryset's delete() reads every row first and
    sends their signals (post_delete has receivers for any model: cnum.stats.versions), millions of rows at national
    scale (a rebuild's process reached ≈ 7 GB). Nothing follows the rows of these tables one by one."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def rebuild(progress=None) -> dict[str, int]:
    """Empty the tables and sum every activity and person again, the pending ones included; return the number of
    rows of each table."""
    lock_drains()
    empty(StatCell, StatPeople, StatTag, StatPending)
    context = ScopeContext()
    ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK * 5):
        tally = Tally()
        add_contributions(tally, ids[start : start + CHUNK * 5], context)
        apply(tally)
        if progress:
            progress(len(ids[start : start + CHUNK * 5]))
    tally = Tally()
    for distinct in DISTINCTS:
        entities = list(source_rows(distinct).values_list(distinct.entity, flat=True).distinct())
        for start in range(0, len(entities), CHUNK * 5):
            count_keys(tally, distinct, distinct_keys(distinct, context, entities=entities[start : start + CHUNK * 5]))
    apply(tally)
    versions.bump_generation()
    return {model.__name__: model.objects.count() for model in (StatCell, StatPeople, StatTag)}
