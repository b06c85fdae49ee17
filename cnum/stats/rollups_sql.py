"""The rollup tables rebuilt by the database (`stats_rebuild`, the default method), instead of a Python loop over
each activity (cnum.stats.rollups, the reference: the property tests check that both give the same tables).

One grouped scan of the activities and one of the accompaniments fill a temporary fine-grained table of StatCell's
measures per (advisor, structure, month, type, place, employer); every family of scopes but the team is then a plain
SUM over it, joined to the structures' territories, hubs and networks, inserted straight into StatCell. Distinct
counts (people, advisors: catalogue.DISTINCTS) go through a second temporary table, each entity once per (advisor,
structure, month, type), flagged first of each period by one ordered pass per family. Teams, whose membership is by
date, are summed from the raw rows.
"""

import datetime
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from cnum.activities.enums import ActivityType, Progress
from cnum.activities.models import Accompaniment, Activity, ActivityTag
from cnum.advisors.enums import MembershipStatus
from cnum.core.bulk import SQLITE_SORT_CACHE_KIB, sqlite_page_cache
from cnum.core.dates_sql import MonthOf, QuarterOf, YearOf
from cnum.stats import versions
from cnum.stats.catalogue import ACTIVITY_BREAKDOWNS, BUCKET_BREAKDOWNS, DISTINCTS, PERSON_BREAKDOWNS, Distinct
from cnum.stats.models import KEY, PEOPLE_KEY, StatCell, StatPending, StatPeople, StatTag, column_name
from cnum.stats.rollups import Tally, apply, empty, lock_drains, source_rows
from cnum.stats.scopes import ScopeKind
from cnum.structures.enums import StructureType
from cnum.structures.models import Hub, Structure

MEASURES = StatCell.MEASURES
INDEX = {name: index for index, name in enumerate(MEASURES)}
COLLECTIVE = Q(type=ActivityType.COLLECTIVE)
#: Scope kind → the activity field naming the scope; hubs and networks are summed from départements and structures.
FAMILIES = {
    ScopeKind.NATIONAL: None,
    ScopeKind.REGION: "structure__departement__region_id",
    ScopeKind.DEPARTEMENT: "structure__departement_id",
    ScopeKind.EPCI: "structure__commune__epci_id",
    ScopeKind.COMMUNE: "structure__commune__code",
    ScopeKind.STRUCTURE: "structure_id",
    ScopeKind.ADVISOR: "advisor_id",
}
TEAM = "advisor__team_memberships__team_id"


def _employer(prefix: str = "") -> Case:
    public = Q(**{f"{prefix}structure__type__in": StructureType.public_types()})
    return Case(When(public, then=Value("public")), default=Value("private"), output_field=CharField())


def _team_filter(prefix: str = "") -> Q:
    """The advisor was a member of the team on the activity's date, through an accepted membership (joined once, so
    the team column reuses it)."""
    day = F(f"{prefix}date")
    membership = f"{prefix}advisor__team_memberships__"
    return Q(**{f"{membership}start__lte": day, f"{membership}status": MembershipStatus.ACCEPTED}) & (
        Q(**{f"{membership}end__isnull": True}) | Q(**{f"{membership}end__gte": day})
    )


def _one_if(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))


def _activity_sums() -> dict:
    """What each group of activities adds, activity-level: counts, anonymous participants, breakdown columns."""
    sums = {
        "n": Count("pk"),
        "minutes": Sum("duration_minutes"),
        **{
            name: Sum(Case(When(COLLECTIVE, then=F(f"anonymous_{name}")), default=0, output_field=IntegerField()))
            for name in ("participants", "first_time", "progressed", "asked")
        },
    }
    for breakdown in ACTIVITY_BREAKDOWNS:
        name = breakdown.field
        for value in breakdown.values:
            condition = Q(**{f"{name}__icontains": f'"{value}"'}) if breakdown.many else Q(**{name: value})
            sums[column_name(breakdown.dimension, value)] = _one_if(condition)
    for breakdown in BUCKET_BREAKDOWNS:
        name = breakdown.field
        for value, low, high in breakdown.buckets:
            condition = Q(**{f"{name}__gte": low}) & (Q() if high is None else Q(**{f"{name}__lt": high}))
            sums[column_name(breakdown.dimension, value)] = _one_if(condition)
    for breakdown in PERSON_BREAKDOWNS:
        for value in breakdown.values:
            path = f"anonymous_breakdown__{breakdown.anonymous_key}__{value}"
            declared = Coalesce(Cast(KT(path), IntegerField()), 0)
            sums[f"anonymous_{breakdown.dimension}_{value}"] = Sum(
                Case(When(COLLECTIVE, then=declared), default=0, output_field=IntegerField())
            )
    return sums


def _person_sums() -> dict:
    """What each group adds, accompaniment-level: people counted, first accompaniments, progress, person columns."""
    sums = {
        "n": Count("pk"),
        "followed": Count("pk", filter=Q(beneficiary__is_followed=True)),
        "first": Count("pk", filter=Q(is_first=True)),
        "yes": Count("pk", filter=Q(progressed=Progress.YES)),
        "asked": Count("pk", filter=Q(progressed__in=[Progress.YES, Progress.NO])),
    }
    for breakdown in PERSON_BREAKDOWNS:
        for value in breakdown.values:
            condition = Q(**{f"beneficiary__{breakdown.field}": value})
            if value == breakdown.unknown:
                condition |= Q(**{f"beneficiary__{breakdown.field}": ""})
            sums[column_name(breakdown.dimension, value)] = Count("pk", filter=condition)
    return sums


def _keys(prefix: str = "") -> dict:
    return {
        "month": MonthOf(f"{prefix}date"),
        "kind": F(f"{prefix}type"),
        "place": F(f"{prefix}place_type"),
        "employer": _employer(prefix),
    }


def _grouped(queryset: QuerySet, scope_field: str | None, prefix: str, sums: dict, *, team: bool = False):
    keys = _keys(prefix)
    if team:
        queryset = queryset.filter(_team_filter(prefix))
    if scope_field is not None:
        keys["code"] = F(f"{prefix}{scope_field}")
        queryset = queryset.filter(**{f"{prefix}{scope_field}__isnull": False})
    return queryset.order_by().annotate(**keys).values(*keys).annotate(**sums)


def _add(target: list[int], vector: list[int]) -> None:
    for index, value in enumerate(vector):
        if value:
            target[index] += value


def _vectors(rows, person_rows) -> dict[tuple, list[int]]:
    """StatCell vectors by (code, month, type, place, employer), from the activity-level and person-level sums."""
    vectors: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for row in rows:
        vector = vectors[_key(row)]
        collective_people = row["participants"] or 0
        vector[INDEX["activities"]] += row["n"]
        vector[INDEX["accompaniments"]] += collective_people
        vector[INDEX["new_people"]] += row["first_time"] or 0
        vector[INDEX["anonymous_new"]] += row["first_time"] or 0
        vector[INDEX["progressed"]] += row["progressed"] or 0
        vector[INDEX["asked"]] += row["asked"] or 0
        vector[INDEX["minutes"]] += row["minutes"] or 0
        for breakdown in (*ACTIVITY_BREAKDOWNS, *BUCKET_BREAKDOWNS):
            for value in breakdown.values:
                column = column_name(breakdown.dimension, value)
                vector[INDEX[column]] += row[column] or 0
        for breakdown in PERSON_BREAKDOWNS:
            dimension = breakdown.dimension
            given = {value: row[f"anonymous_{dimension}_{value}"] or 0 for value in breakdown.values}
            for value, n in given.items():
                vector[INDEX[column_name(dimension, value)]] += n
            vector[INDEX[column_name(dimension, breakdown.unknown)]] += collective_people - sum(given.values())
    for row in person_rows:
        vector = vectors[_key(row)]
        vector[INDEX["accompaniments"]] += row["n"]
        vector[INDEX["followed"]] += row["followed"]
        vector[INDEX["new_people"]] += row["first"]
        vector[INDEX["progressed"]] += row["yes"]
        vector[INDEX["asked"]] += row["asked"]
        for breakdown in PERSON_BREAKDOWNS:
            for value in breakdown.values:
                column = column_name(breakdown.dimension, value)
                vector[INDEX[column]] += row[column]
    return vectors


def _key(row: dict) -> tuple:
    month = row["month"]
    if isinstance(month, datetime.datetime):
        month = month.date()
    return (row.get("code"), month, row["kind"], row["place"], row["employer"])


def _hub_departements() -> dict[int, set[str]]:
    return dict(sorted(Hub.departement_map().items()))


# --- distinct people ----------------------------------------------------------------------------------------------

PERIODS = {
    "month": (MonthOf, lambda day: f"{day:%Y-%m}"),
    "quarter": (QuarterOf, lambda day: f"{day:%Y}-T{(day.month - 1) // 3 + 1}"),
    "year": (YearOf, lambda day: f"{day:%Y}"),
    "all": (None, lambda day: "all"),
}


def _count_distinct(
    counts: Counter, distinct: Distinct, queryset: QuerySet, kind: str, field: str | None, code: str = ""
) -> None:
    for truncate, name in PERIODS.values():
        keys = {}
        if field is not None:
            keys["code"] = F(distinct.path(field))
            queryset_ = queryset.filter(**{f"{distinct.path(field)}__isnull": False})
        else:
            queryset_ = queryset
        if truncate is not None:
            keys["period"] = truncate(distinct.path("date"))
        for by_type in (False, True):
            group = dict(keys)
            if by_type:
                group["kind"] = F(distinct.path("type"))
            entities = Count(distinct.entity, distinct=True)
            if group:
                rows = queryset_.annotate(**group).values(*group).annotate(n=entities)
            else:  # values() without fields would group by every column
                rows = [queryset_.aggregate(n=entities)]
            for row in rows:
                if not row["n"]:
                    continue
                day = row.get("period")
                if isinstance(day, datetime.datetime):
                    day = day.date()
                period = name(day) if truncate is not None else "all"
                scope_code = str(row["code"]) if field is not None else code
                counts[(kind, scope_code, period, row.get("kind", ""), distinct.column)] += row["n"]


# --- the rebuild: one scan into fine-grained tables, then plain sums per family ---------------------------------

#: The fine table's key: every family of scopes but the team derives from (advisor, structure) and keeps the rest.
FINE_KEYS = ("f_advisor", "f_structure", "f_month", "f_kind", "f_place", "f_employer")
FINE, PEOPLE, SCOPES, HUBS = "cnum_rollup_fine", "cnum_rollup_people", "cnum_rollup_scopes", "cnum_rollup_hubs"
FIRSTS, TAGS = "cnum_rollup_firsts", "cnum_rollup_tags"
#: Scope kind → the column naming the scope, over the structures' scopes `s`, hubs `h`, networks `n` and the rows'
#: own {structure} and {advisor} columns (None: the nation, code "").
FAMILY_CODES = {
    ScopeKind.NATIONAL: None,
    ScopeKind.REGION: "s.s_region",
    ScopeKind.DEPARTEMENT: "s.s_departement",
    ScopeKind.EPCI: "s.s_epci",
    ScopeKind.COMMUNE: "s.s_commune",
    ScopeKind.HUB: "h.hub_id",
    ScopeKind.NETWORK: "n.network_id",
    ScopeKind.STRUCTURE: "{structure}",
    ScopeKind.ADVISOR: "{advisor}",
}
#: Calendar period → its name ("all", "2025", "2025-T1", "2025-03") from a month "YYYY-MM" column.
PERIOD_SQL = {
    "all": "'all'",
    "year": "substr({month}, 1, 4)",
    "quarter": "substr({month}, 1, 4) || '-T' || CAST((CAST(substr({month}, 6, 2) AS INTEGER) + 2) / 3 AS TEXT)",
    "month": "{month}",
}


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _analyze(cursor, *tables: str) -> None:
    """PostgreSQL plans the joins over the temporary tables from their statistics, which autovacuum never gathers."""
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _fine_keys(prefix: str = "") -> dict:
    return {
        "f_advisor": F(f"{prefix}advisor_id"),
        "f_structure": F(f"{prefix}structure_id"),
        "f_month": MonthOf(f"{prefix}date"),
        "f_kind": F(f"{prefix}type"),
        "f_place": F(f"{prefix}place_type"),
        "f_employer": _employer(prefix),
    }


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


def _activity_measures() -> dict[str, str]:
    """StatCell's measures from a row of activity-level sums (`_activity_sums`), as SQL (as in `_vectors`)."""

    def value(name: str) -> str:
        return f"COALESCE({_quote(name)}, 0)"

    measures = dict.fromkeys(MEASURES, "0")
    measures.update(
        activities=value("n"),
        accompaniments=value("participants"),
        new_people=value("first_time"),
        anonymous_new=value("first_time"),
        progressed=value("progressed"),
        asked=value("asked"),
        minutes=value("minutes"),
    )
    for breakdown in (*ACTIVITY_BREAKDOWNS, *BUCKET_BREAKDOWNS):
        for name in breakdown.values:
            measures[column_name(breakdown.dimension, name)] = value(column_name(breakdown.dimension, name))
    for breakdown in PERSON_BREAKDOWNS:
        dimension = breakdown.dimension
        given = [value(f"anonymous_{dimension}_{name}") for name in breakdown.values]
        for name, declared in zip(breakdown.values, given, strict=True):
            measures[column_name(dimension, name)] = declared
        rest = f"{value('participants')} - ({' + '.join(given)})"
        measures[column_name(dimension, breakdown.unknown)] += f" + {rest}"
    return measures


def _person_measures() -> dict[str, str]:
    """StatCell's measures from a row of accompaniment-level sums (`_person_sums`)."""
    measures = dict.fromkeys(MEASURES, "0")
    measures.update(accompaniments="n", followed="followed", new_people="first", progressed="yes", asked="asked")
    for breakdown in PERSON_BREAKDOWNS:
        for name in breakdown.values:
            measures[column_name(breakdown.dimension, name)] = column_name(breakdown.dimension, name)
    return {
        name: f"COALESCE({_quote(expression)}, 0)" if expression != "0" else "0"
        for name, expression in measures.items()
    }


def _create_fine(cursor) -> None:
    """FINE: StatCell's measures per (advisor, structure, month, type, place, employer), from one grouped scan of
    the activities and one of the accompaniments."""
    keys = _fine_keys()
    activity_sql, activity_params = _sql(
        Activity.objects.order_by().annotate(**keys).values(*keys).annotate(**_activity_sums())
    )
    person_keys = _fine_keys("activity__")
    person_sql, person_params = _sql(
        Accompaniment.objects.order_by().annotate(**person_keys).values(*person_keys).annotate(**_person_sums())
    )
    key_list = ", ".join(FINE_KEYS)

    def branch(sql: str, measures: dict[str, str]) -> str:
        columns = ", ".join(f"{expression} AS {_quote(name)}" for name, expression in measures.items())
        return f"SELECT {key_list}, {columns} FROM ({sql}) grouped"

    sums = ", ".join(f"CAST(SUM({_quote(name)}) AS {_fine_type(name)}) AS {_quote(name)}" for name in MEASURES)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {FINE} AS SELECT {key_list}, {sums} FROM ("
        f"{branch(activity_sql, _activity_measures())} UNION ALL {branch(person_sql, _person_measures())}"
        f") rows GROUP BY {key_list}",
        (*activity_params, *person_params),
    )
    _analyze(cursor, FINE)


def _fine_type(measure: str) -> str:
    """The SQL type of a measure in FINE: StatCell's (integer; bigint for the minutes). A count is a bigint on
    PostgreSQL and a sum of bigints a numeric, summed again by each family in numeric arithmetic: the cells of a
    million-row history took twice as long there as on SQLite."""
    return "bigint" if StatCell._meta.get_field(measure).get_internal_type() == "BigIntegerField" else "integer"


def _create_scopes(cursor) -> None:
    """SCOPES: each structure's région, département, EPCI and commune; HUBS: each hub's départements."""
    structures = Structure.objects.order_by().annotate(
        s_structure=F("pk"),
        s_region=F("departement__region_id"),
        s_departement=F("departement_id"),
        s_epci=F("commune__epci_id"),
        s_commune=F("commune__code"),
    )
    sql, params = _sql(structures.values("s_structure", "s_region", "s_departement", "s_epci", "s_commune"))
    cursor.execute(f"CREATE TEMPORARY TABLE {SCOPES} AS {sql}", params)
    cursor.execute(f"CREATE TEMPORARY TABLE {HUBS} (hub_id INTEGER, departement VARCHAR(3))")
    rows = [(hub_id, code) for hub_id, codes in _hub_departements().items() for code in sorted(codes)]
    if rows:
        cursor.executemany(f"INSERT INTO {HUBS} (hub_id, departement) VALUES (%s, %s)", rows)
    _analyze(cursor, SCOPES, HUBS)


def _joins(kind: str, alias: str, structure_column: str) -> str:
    """The joins giving `alias`'s rows their scope code for the family `kind`."""
    networks = Structure.networks.through._meta.db_table
    if kind in (ScopeKind.REGION, ScopeKind.DEPARTEMENT, ScopeKind.EPCI, ScopeKind.COMMUNE):
        return f"JOIN {SCOPES} s ON s.s_structure = {alias}.{structure_column}"
    if kind == ScopeKind.HUB:
        return (
            f"JOIN {SCOPES} s ON s.s_structure = {alias}.{structure_column} "
            f"JOIN {HUBS} h ON h.departement = s.s_departement"
        )
    if kind == ScopeKind.NETWORK:
        return f"JOIN {networks} n ON n.structure_id = {alias}.{structure_column}"
    return ""


def _code(kind: str, *, structure: str, advisor: str) -> str | None:
    code = FAMILY_CODES[kind]
    return None if code is None else code.format(structure=structure, advisor=advisor)


def _insert_cells(cursor) -> None:
    table = _quote(StatCell._meta.db_table)
    columns = ", ".join(_quote(name) for name in (*KEY, *MEASURES))
    sums = ", ".join(f"SUM(f.{_quote(name)})" for name in MEASURES)
    keys = "f.f_month, f.f_kind, f.f_place, f.f_employer"
    for kind in FAMILY_CODES:
        code = _code(kind, structure="f.f_structure", advisor="f.f_advisor")
        scope = "''" if code is None else f"CAST({code} AS TEXT)"
        where = "" if code is None else f"WHERE {code} IS NOT NULL"
        group = keys if code is None else f"{code}, {keys}"
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, {scope}, {keys}, {sums} FROM {FINE} f "
            f"{_joins(kind, 'f', 'f_structure')} {where} GROUP BY {group}",
            (kind.value,),
        )


def _create_tags(cursor) -> None:
    """TAGS: activities per (advisor, structure, month, type, place, employer, tag), one grouped scan of the tags'
    through table joined to the activities (catalogue.TABLE_BREAKDOWNS: the tags' narrow table)."""
    keys = {**_fine_keys("activity__"), "f_tag": F("tag_id")}
    sql, params = _sql(ActivityTag.objects.order_by().annotate(**keys).values(*keys).annotate(n=Count("pk")))
    cursor.execute(f"CREATE TEMPORARY TABLE {TAGS} AS {sql}", params)
    _analyze(cursor, TAGS)


def _insert_tags(cursor) -> None:
    """StatTag per family, summed from TAGS as StatCell from FINE."""
    table = _quote(StatTag._meta.db_table)
    columns = ", ".join(_quote(name) for name in (*StatTag.KEY_FIELDS, *StatTag.MEASURES))
    keys = "f.f_month, f.f_kind, f.f_place, f.f_employer, f.f_tag"
    for kind in FAMILY_CODES:
        code = _code(kind, structure="f.f_structure", advisor="f.f_advisor")
        scope = "''" if code is None else f"CAST({code} AS TEXT)"
        where = "" if code is None else f"WHERE {code} IS NOT NULL"
        group = keys if code is None else f"{code}, {keys}"
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT %s, {scope}, {keys}, SUM(f.n) FROM {TAGS} f "
            f"{_joins(kind, 'f', 'f_structure')} {where} GROUP BY {group}",
            (kind.value,),
        )


def _create_people(cursor) -> None:
    """PEOPLE: each entity of each distinct count (p_measure: its index in DISTINCTS; a person, an advisor) once per
    (advisor, structure, month "YYYY-MM", type) it was seen in."""
    branches, parameters = [], []
    for index, distinct in enumerate(DISTINCTS):
        keys = {
            "p_person": F(distinct.entity),
            "p_advisor": F(distinct.path("advisor_id")),
            "p_structure": F(distinct.path("structure_id")),
            "p_day": MonthOf(distinct.path("date")),
            "p_kind": F(distinct.path("type")),
        }
        sql, params = _sql(source_rows(distinct).annotate(**keys).values(*keys).distinct())
        branches.append(
            f"SELECT {int(index)} AS p_measure, p_person, p_advisor, p_structure, "
            f"substr(CAST(p_day AS TEXT), 1, 7) AS p_month, p_kind FROM ({sql}) entities_{index}"
        )
        parameters += params
    # p_once: the entity's only row of its count (most people of a history came once), first of every period.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {PEOPLE} AS SELECT entities.*, "
        "CASE WHEN COUNT(*) OVER (PARTITION BY p_measure, p_person) = 1 THEN 1 ELSE 0 END AS p_once "
        f"FROM ({' UNION ALL '.join(branches)}) entities",
        parameters,
    )
    _analyze(cursor, PEOPLE)


def _first_flags(month: str, previous: str, prefix: str) -> str:
    """1 where the row is the person's first in its period: no earlier row, or the earlier one in another period."""
    flags = [f"CASE WHEN {previous} IS NULL THEN 1 ELSE 0 END AS {prefix}_all"]
    for name in ("year", "quarter", "month"):
        this, before = PERIOD_SQL[name].format(month=month), PERIOD_SQL[name].format(month=previous)
        flags.append(f"CASE WHEN {previous} IS NULL OR {before} <> {this} THEN 1 ELSE 0 END AS {prefix}_{name}")
    return ", ".join(flags)


def _create_firsts(cursor) -> None:
    """FIRSTS: per distinct count, family, scope, month and type, how many entities were there for the first time of
    each period.

    One ordered pass per family instead of a COUNT(DISTINCT) per family, period and type: over each (count, scope,
    entity) ordered by month, a row is the entity's first of its year (quarter, month, all time) when its previous
    row — of any type (`any_*` flags), of the same type (`kind_*`) — is in another year or absent. Summed over the
    months of a period, the flags count each entity once. An entity's only row (`p_once`: most of a history's
    anonymous people) is its first of every period in every scope: summed without the ordered pass."""
    flags = [f"{variant}_{name}" for variant in ("any", "kind") for name in PERIOD_SQL]
    columns = ", ".join(flags)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {FIRSTS} (measure INTEGER, family VARCHAR(12), code VARCHAR(20), month VARCHAR(7), "
        "kind VARCHAR(12), " + ", ".join(f"{flag} INTEGER" for flag in flags) + ")"
    )
    sums = ", ".join(f"SUM({flag})" for flag in flags)
    types = list(ActivityType.values)
    previous_of_type = " ".join("WHEN %s THEN MAX(CASE WHEN p.p_kind = %s THEN p.p_month END) OVER w" for _ in types)
    for family in FAMILY_CODES:
        code = _code(family, structure="p.p_structure", advisor="p.p_advisor")
        scope, where, partition = "%s", "", "p.p_measure, p.p_person"
        if code is not None:
            scope, where = f"CAST({code} AS TEXT)", f"AND {code} IS NOT NULL"
            partition = f"p.p_measure, {code}, p.p_person"
        scope_values = [family.value, *([""] if code is None else [])]
        ordered = (
            f"SELECT p.p_measure AS measure, {scope} AS code, p.p_month AS month, p.p_kind AS kind, "
            f"MAX(p.p_month) OVER w AS previous, CASE p.p_kind {previous_of_type} END AS previous_kind "
            f"FROM {PEOPLE} p {_joins(family, 'p', 'p_structure')} WHERE p.p_once = 0 {where} "
            f"WINDOW w AS (PARTITION BY {partition} ORDER BY p.p_month, p.p_kind "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
        )
        flagged = (
            f"SELECT measure, code, month, kind, {_first_flags('month', 'previous', 'any')}, "
            f"{_first_flags('month', 'previous_kind', 'kind')} FROM ({ordered}) ordered"
        )
        cursor.execute(
            f"INSERT INTO {FIRSTS} (measure, family, code, month, kind, {columns}) "
            f"SELECT measure, %s, code, month, kind, {sums} FROM ({flagged}) flagged "
            "GROUP BY measure, code, month, kind",
            (*scope_values, *[value for type_ in types for value in (type_, type_)]),
        )
        # An entity's only row is its first of every period in every scope it falls in: no ordering needed.
        cursor.execute(
            f"INSERT INTO {FIRSTS} (measure, family, code, month, kind, {columns}) "
            f"SELECT p.p_measure, %s, {scope}, p.p_month, p.p_kind, {', '.join('COUNT(*)' for _ in flags)} "
            f"FROM {PEOPLE} p {_joins(family, 'p', 'p_structure')} WHERE p.p_once = 1 {where} "
            f"GROUP BY p.p_measure, {'' if code is None else scope + ', '}p.p_month, p.p_kind",
            scope_values,
        )
    _analyze(cursor, FIRSTS)


def _insert_people(cursor) -> None:
    """StatPeople from FIRSTS: per period (and type, or all types), the sum of the first-of-period flags, one column
    per distinct count."""
    table = _quote(StatPeople._meta.db_table)
    columns = ", ".join(_quote(name) for name in (*PEOPLE_KEY, *StatPeople.MEASURES))
    for name, period_sql in PERIOD_SQL.items():
        period = period_sql.format(month="f.month")
        for variant, kind_column in (("any", "''"), ("kind", "f.kind")):
            keys = ("f.family", "f.code", period if name != "all" else "''", kind_column)
            group = ", ".join(key for key in keys if key != "''")
            flag = f"f.{variant}_{name}"
            sums = ", ".join(
                f"SUM(CASE WHEN f.measure = {int(index)} THEN {flag} ELSE 0 END)" for index in range(len(DISTINCTS))
            )
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT f.family, f.code, {period}, {kind_column}, {sums} "
                f"FROM {FIRSTS} f GROUP BY {group} HAVING SUM({flag}) > 0"
            )


def _team_tally() -> Tally:
    """The team family, from the raw rows: membership is by the activity's date, finer than the fine table."""
    tally = Tally()
    people = Accompaniment.objects.all()
    rows = _grouped(Activity.objects.all(), TEAM, "", _activity_sums(), team=True)
    person_rows = _grouped(people, TEAM, "activity__", _person_sums(), team=True)
    for (code, *suffix), vector in _vectors(rows, person_rows).items():
        _add(tally.cells[(ScopeKind.TEAM.value, str(code), *suffix)], vector)
    for distinct in DISTINCTS:
        rows = source_rows(distinct).filter(_team_filter(distinct.activity))
        _count_distinct(tally.people, distinct, rows, ScopeKind.TEAM.value, TEAM)
    tag_keys = {**_keys("activity__"), "code": F(f"activity__{TEAM}"), "tag_value": F("tag_id")}
    tagged = ActivityTag.objects.filter(_team_filter("activity__")).order_by().annotate(**tag_keys)
    for row in tagged.values(*tag_keys).annotate(n=Count("pk")):
        tally.tags[(ScopeKind.TEAM.value, str(row["code"]), *_key(row)[1:], row["tag_value"])] += row["n"]
    return tally


EMPTIED = (StatCell, StatPeople, StatTag, StatPending)
#: The rebuild's steps, in order (their names are shown as it goes).
STEPS = [
    # The pending activities are counted with the others: their queue goes (docs/adr/0009-deferred-rollups.md).
    ("vidage", lambda cursor: empty(*EMPTIED)),
    ("table fine", _create_fine),
    ("territoires", _create_scopes),
    ("cellules", _insert_cells),
    ("étiquettes", lambda cursor: (_create_tags(cursor), _insert_tags(cursor))),
    ("personnes", _create_people),
    ("premières venues", _create_firsts),
    ("personnes distinctes", _insert_people),
    ("équipes", lambda cursor: apply(_team_tally())),
]


@transaction.atomic
def rebuild(progress=None) -> dict[str, int]:
    """Empty the tables and fill them from the database's sums; return the number of rows of each table.
    `progress(step_name)` is called after each step."""
    lock_drains()
    with sqlite_page_cache(SQLITE_SORT_CACHE_KIB), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # sorts and hashes of millions of rows in memory, for this rebuild only
            cursor.execute("SET LOCAL work_mem = '256MB'")
        try:
            for name, step in STEPS:
                step(cursor)
                if progress:
                    progress(name)
        finally:
            for table in (FINE, PEOPLE, SCOPES, HUBS, FIRSTS, TAGS):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
    versions.bump_generation()  # every cached dashboard (cnum.stats.versions)
    return {model.__name__: model.objects.count() for model in (StatCell, StatPeople, StatTag)}
