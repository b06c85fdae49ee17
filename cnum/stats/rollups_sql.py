"""The rollup sums computed by the database: GROUP BY queries over the activities, one per family of scopes, instead
of a Python loop over each activity (cnum.stats.rollups). `stats_rebuild --method sql` uses it.

The Python functions stay the reference: the property tests check that both give the same tables. On the demo
(40,000 activities, SQLite) both take tens of seconds: each family's query evaluates the ~80 breakdown expressions
for every activity. The next step for national scale (issue #7) is one scan into a fine-grained temporary table
(structure × advisor × month × type × place), then plain SUMs per family from it.
"""

import datetime
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncQuarter, TruncYear

from cnum.activities.enums import DURATION_BUCKETS, ActivityType, Progress
from cnum.activities.models import Accompaniment, Activity
from cnum.stats.models import BREAKDOWNS, StatCell, StatPeople, column_name
from cnum.stats.rollups import ACTIVITY_DIMENSIONS, PERSON_DIMENSIONS, Tally, apply
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
    """The advisor was a member of the team on the activity's date (joined once, so the team column reuses it)."""
    day = F(f"{prefix}date")
    membership = f"{prefix}advisor__team_memberships__"
    return Q(**{f"{membership}start__lte": day}) & (
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
    for dimension, (field, many) in ACTIVITY_DIMENSIONS.items():
        for value in BREAKDOWNS[dimension]:
            condition = Q(**{f"{field}__icontains": f'"{value}"'}) if many else Q(**{field: value})
            sums[column_name(dimension, value)] = _one_if(condition)
    for value, low, high in DURATION_BUCKETS:
        condition = Q(duration_minutes__gte=low) & (Q() if high is None else Q(duration_minutes__lt=high))
        sums[column_name("duration", value)] = _one_if(condition)
    for dimension, (_, breakdown_key, _) in PERSON_DIMENSIONS.items():
        for value in BREAKDOWNS[dimension]:
            declared = Coalesce(Cast(KT(f"anonymous_breakdown__{breakdown_key}__{value}"), IntegerField()), 0)
            sums[f"anonymous_{dimension}_{value}"] = Sum(
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
    for dimension, (field, _, unknown) in PERSON_DIMENSIONS.items():
        for value in BREAKDOWNS[dimension]:
            condition = Q(**{f"beneficiary__{field}": value})
            if value == unknown:
                condition |= Q(**{f"beneficiary__{field}": ""})
            sums[column_name(dimension, value)] = Count("pk", filter=condition)
    return sums


def _keys(prefix: str = "") -> dict:
    return {
        "month": TruncMonth(f"{prefix}date"),
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


def cell_sums(activities: QuerySet) -> Tally:
    """What `activities` add to StatCell, computed in the database, for every scope family."""
    tally = Tally()
    people = Accompaniment.objects.filter(activity__in=activities.order_by().values("pk"))
    families = {kind.value: field for kind, field in FAMILIES.items()}
    families[ScopeKind.TEAM.value] = TEAM
    by_departement, by_structure = {}, {}
    for kind, field in families.items():
        team = kind == ScopeKind.TEAM
        rows = _grouped(activities, field, "", _activity_sums(), team=team)
        person_rows = _grouped(people, field, "activity__", _person_sums(), team=team)
        vectors = _vectors(rows, person_rows)
        for (code, *suffix), vector in vectors.items():
            key = (kind, "" if code is None else str(code), *suffix)
            _add(tally.cells[key], vector)
        if kind == ScopeKind.DEPARTEMENT:
            by_departement = vectors
        elif kind == ScopeKind.STRUCTURE:
            by_structure = vectors
    for hub_id, codes in _hub_departements().items():
        for (code, *suffix), vector in by_departement.items():
            if code in codes:
                _add(tally.cells[(ScopeKind.HUB.value, str(hub_id), *suffix)], vector)
    networks = defaultdict(list)
    for structure_id, network_id in Structure.networks.through.objects.values_list("structure_id", "network_id"):
        networks[structure_id].append(network_id)
    for (structure_id, *suffix), vector in by_structure.items():
        for network_id in networks.get(structure_id, ()):
            _add(tally.cells[(ScopeKind.NETWORK.value, str(network_id), *suffix)], vector)
    return tally


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
        for dimension in (*ACTIVITY_DIMENSIONS, "duration"):
            for value in BREAKDOWNS[dimension]:
                column = column_name(dimension, value)
                vector[INDEX[column]] += row[column] or 0
        for dimension, (_, _, unknown) in PERSON_DIMENSIONS.items():
            given = {value: row[f"anonymous_{dimension}_{value}"] or 0 for value in BREAKDOWNS[dimension]}
            for value, n in given.items():
                vector[INDEX[column_name(dimension, value)]] += n
            vector[INDEX[column_name(dimension, unknown)]] += collective_people - sum(given.values())
    for row in person_rows:
        vector = vectors[_key(row)]
        vector[INDEX["accompaniments"]] += row["n"]
        vector[INDEX["followed"]] += row["followed"]
        vector[INDEX["new_people"]] += row["first"]
        vector[INDEX["progressed"]] += row["yes"]
        vector[INDEX["asked"]] += row["asked"]
        for dimension in PERSON_DIMENSIONS:
            for value in BREAKDOWNS[dimension]:
                column = column_name(dimension, value)
                vector[INDEX[column]] += row[column]
    return vectors


def _key(row: dict) -> tuple:
    month = row["month"]
    if isinstance(month, datetime.datetime):
        month = month.date()
    return (row.get("code"), month, row["kind"], row["place"], row["employer"])


def _hub_departements() -> dict[int, set[str]]:
    return {hub.pk: hub.departement_codes() for hub in Hub.objects.order_by("pk")}


# --- distinct people ----------------------------------------------------------------------------------------------

PERIODS = {
    "month": (TruncMonth, lambda day: f"{day:%Y-%m}"),
    "quarter": (TruncQuarter, lambda day: f"{day:%Y}-T{(day.month - 1) // 3 + 1}"),
    "year": (TruncYear, lambda day: f"{day:%Y}"),
    "all": (None, lambda day: "all"),
}


def people_counts(accompaniments: QuerySet) -> Counter:
    """Distinct people of `accompaniments` per (scope kind, code, period, type), counted by the database. Exact for
    the tables only when these accompaniments are all those of their people (a rebuild, or new people)."""
    counts = Counter()
    families = {kind.value: field for kind, field in FAMILIES.items()}
    families[ScopeKind.TEAM.value] = TEAM
    families[ScopeKind.NETWORK.value] = "structure__networks"
    for kind, field in families.items():
        queryset = accompaniments.order_by()
        if kind == ScopeKind.TEAM:
            queryset = queryset.filter(_team_filter("activity__"))
        _count_distinct(counts, queryset, kind, field)
    for hub_id, codes in _hub_departements().items():
        queryset = accompaniments.order_by().filter(activity__structure__departement_id__in=codes)
        _count_distinct(counts, queryset, ScopeKind.HUB.value, None, code=str(hub_id))
    return counts


def _count_distinct(counts: Counter, queryset: QuerySet, kind: str, field: str | None, code: str = "") -> None:
    for truncate, name in PERIODS.values():
        keys = {}
        if field is not None:
            keys["code"] = F(f"activity__{field}")
            queryset_ = queryset.filter(**{f"activity__{field}__isnull": False})
        else:
            queryset_ = queryset
        if truncate is not None:
            keys["period"] = truncate("activity__date")
        for by_type in (False, True):
            group = dict(keys)
            if by_type:
                group["kind"] = F("activity__type")
            distinct = Count("beneficiary_id", distinct=True)
            if group:
                rows = queryset_.annotate(**group).values(*group).annotate(n=distinct)
            else:  # values() without fields would group by every column
                rows = [queryset_.aggregate(n=distinct)]
            for row in rows:
                if not row["n"]:
                    continue
                day = row.get("period")
                if isinstance(day, datetime.datetime):
                    day = day.date()
                period = name(day) if truncate is not None else "all"
                scope_code = str(row["code"]) if field is not None else code
                counts[(kind, scope_code, period, row.get("kind", ""))] += row["n"]


def rebuild_tally() -> Tally:
    """Every activity's and person's sums, from scratch, in the database."""
    tally = cell_sums(Activity.objects.all())
    tally.people = people_counts(Accompaniment.objects.all())
    return tally


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Empty the tables and fill them from the database's sums; return the number of rows of each table."""
    tally = rebuild_tally()
    for model in (StatCell, StatPeople):
        model.objects.all().delete()
    apply(tally)
    return {model.__name__: model.objects.count() for model in (StatCell, StatPeople)}
