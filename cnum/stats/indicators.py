"""The programme's indicators, computed live over a queryset of activities (a scope and a period, see
cnum.stats.scopes): the reference the rollup tables are checked against. What each figure means, its labels and its
definitions, is declared in cnum.stats.catalogue; breakdowns and distinct counts are computed here from their entry.

Counting rules: docs/activities.md. An individual activity is one accompaniment; a collective one is one
accompaniment per followed participant listed plus its `anonymous_participants`.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from cnum.activities.enums import ActivityType, Progress
from cnum.activities.models import Accompaniment, Activity, ActivityTag
from cnum.stats.catalogue import BREAKDOWN, FIGURE_KEYS, MEASURE, Breakdown, Distinct, Level
from cnum.structures.enums import StructureType

COLLECTIVE = Q(type=ActivityType.COLLECTIVE)
NO_DEPARTEMENT = "sans_departement"


def accompaniment_rows(activities: QuerySet) -> QuerySet:
    """The accompaniment rows (individual people, followed workshop participants) of `activities`."""
    return Accompaniment.objects.filter(activity__in=activities.order_by().values("pk"))


def _collective_sum(activities: QuerySet, field: str) -> int:
    """Sum of an anonymous_* count over the collective activities (individual ones carry none)."""
    return activities.order_by().aggregate(total=Coalesce(Sum(field, filter=COLLECTIVE), 0))["total"]


def activities_count(activities: QuerySet) -> int:
    """`activities` (catalogue): activities dated in the period."""
    return activities.count()


def accompaniments(activities: QuerySet) -> int:
    """`accompaniments`: accompaniment rows plus the workshops' anonymous participants."""
    return accompaniment_rows(activities).count() + _collective_sum(activities, "anonymous_participants")


def new_beneficiaries(activities: QuerySet) -> int:
    """`new_beneficiaries`: first accompaniments (`is_first`) plus workshops' anonymous first-timers; additive."""
    firsts = accompaniment_rows(activities).filter(is_first=True).count()
    return firsts + _collective_sum(activities, "anonymous_first_time")


def distinct_count(activities: QuerySet, distinct: Distinct) -> int:
    """Distinct entities (people, advisors) seen in `activities` (cnum.stats.catalogue.DISTINCTS)."""
    if distinct.source == "activity":
        rows = Activity.objects.filter(pk__in=activities.order_by().values("pk"))
    else:
        rows = accompaniment_rows(activities)
    count = rows.order_by().values(distinct.entity).distinct().count()
    if distinct.with_anonymous_first_time:
        count += _collective_sum(activities, "anonymous_first_time")
    return count


def beneficiaries(activities: QuerySet) -> int:
    """Personnes accompagnées (catalogue: `beneficiaries`): distinct people, plus the workshops' anonymous
    participants who came for the first time in the period."""
    return distinct_count(activities, MEASURE["beneficiaries"].distinct)


def progress_counts(activities: QuerySet) -> tuple[int, int]:
    """(people who say they progressed, people asked): the two additive terms of the progress rate."""
    # Aliases differ from the field names: an alias named `progressed` would shadow the field in the filters.
    rows = accompaniment_rows(activities).aggregate(
        yes=Count("pk", filter=Q(progressed=Progress.YES)),
        asked=Count("pk", filter=Q(progressed__in=[Progress.YES, Progress.NO])),
    )
    anonymous = activities.order_by().aggregate(
        yes=Coalesce(Sum("anonymous_progressed", filter=COLLECTIVE), 0),
        asked=Coalesce(Sum("anonymous_asked", filter=COLLECTIVE), 0),
    )
    return rows["yes"] + anonymous["yes"], rows["asked"] + anonymous["asked"]


def progressed_rate(activities: QuerySet) -> float | None:
    """`progressed_rate`: yes / (yes + no), anonymous participants asked included; None when nobody was asked."""
    progressed, asked = progress_counts(activities)
    return progressed / asked if asked else None


def individual_vs_collective(activities: QuerySet) -> dict[str, dict[str, int]]:
    """`individual_vs_collective`: activities and accompaniments per type, with each type's share of activities."""
    groups = grouped_counts(activities, "type", "activity__type")
    result = {kind: groups.get(kind, {"activities": 0, "accompaniments": 0}) for kind in ActivityType.values}
    shares = round_shares({kind: counts["activities"] for kind, counts in result.items()})
    return {kind: {**counts, "share": shares[kind]} for kind, counts in result.items()}


def by_theme(activities: QuerySet) -> dict[str, int]:
    return breakdown_counts(activities, BREAKDOWN["by_theme"])


def by_month(activities: QuerySet) -> dict[str, dict[str, int]]:
    """`by_month`: activities and accompaniments per month ("YYYY-MM")."""
    groups = grouped_counts(activities, TruncMonth("date"), TruncMonth("activity__date"))
    return {f"{month:%Y-%m}": groups[month] for month in sorted(groups)}


def by_departement(activities: QuerySet) -> dict[str, dict[str, int]]:
    """`by_departement`: activities and accompaniments per département of the employer structure."""
    groups = grouped_counts(activities, "structure__departement_id", "activity__structure__departement_id")
    return {code or NO_DEPARTEMENT: groups[code] for code in sorted(groups, key=lambda code: code or "~")}


def by_employer_type(activities: QuerySet) -> dict[str, dict[str, int]]:
    """`by_employer_type`: activities and accompaniments of public and private employers, with their shares."""
    result = {kind: {"activities": 0, "accompaniments": 0} for kind in ("public", "private")}
    public = StructureType.public_types()
    for structure_type, counts in grouped_counts(activities, "structure__type", "activity__structure__type").items():
        target = result["public" if structure_type in public else "private"]
        target["activities"] += counts["activities"]
        target["accompaniments"] += counts["accompaniments"]
    shares = round_shares({kind: counts["activities"] for kind, counts in result.items()})
    return {kind: {**counts, "share": shares[kind]} for kind, counts in result.items()}


def hours(activities: QuerySet) -> float:
    """`hours`: total duration of the activities in hours, to 0.1 (a workshop counts for its duration)."""
    minutes = activities.order_by().aggregate(total=Coalesce(Sum("duration_minutes"), 0))["total"]
    return round(minutes / 60, 1)


def collective_participants(activities: QuerySet) -> int:
    """`collective_participants`: accompaniments of the workshops."""
    return accompaniments(activities.filter(COLLECTIVE))


def followed_vs_anonymous(activities: QuerySet) -> dict[str, int]:
    """`followed_vs_anonymous`: accompaniments of followed people, and of the others."""
    followed = accompaniment_rows(activities).filter(beneficiary__is_followed=True).count()
    return {"followed": followed, "anonymous": accompaniments(activities) - followed}


def _count_values(activities: QuerySet, field: str, *, many: bool = False, bucket=None) -> dict:
    """Activities per value of `field` (a list field counts once per distinct value; `bucket` maps a number to its
    bucket). Counted in Python so that SQLite and PostgreSQL agree on JSON lists."""
    counts = Counter()
    for value in activities.order_by().values_list(field, flat=True).iterator(chunk_size=5_000):
        if bucket is not None:
            counts[bucket(value)] += 1
            continue
        values = set(value or ()) if many else {value}
        counts.update(v for v in values if v)
    return sorted_counts(counts)


def sorted_counts(counts) -> dict:
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda item: (-item[1], item[0])))


def breakdown_counts(activities: QuerySet, breakdown: Breakdown) -> dict[str, int]:
    """The counts of a breakdown of the catalogue: activities per value of an activity field, or accompaniments per
    value a person declared (anonymous workshop participants by the declared split, the rest `unknown`)."""
    if breakdown.level == Level.ACCOMPANIMENT:
        return _person_counts(activities, breakdown)
    if breakdown.table:
        return tag_counts(activities)
    return _count_values(
        activities, breakdown.field, many=breakdown.many, bucket=breakdown.bucket if breakdown.buckets else None
    )


def tag_counts(activities: QuerySet) -> dict[str, int]:
    """`by_tag`: activities per tag id (as a string, as JSON keys are), from the distinct (activity, tag) rows."""
    rows = ActivityTag.objects.filter(activity__in=activities.order_by().values("pk")).order_by()
    return sorted_counts({str(row["tag_id"]): row["n"] for row in rows.values("tag_id").annotate(n=Count("pk"))})


def _person_counts(activities: QuerySet, breakdown: Breakdown) -> dict[str, int]:
    field, unknown = f"beneficiary__{breakdown.field}", breakdown.unknown
    counts = Counter()
    for row in accompaniment_rows(activities).order_by().values(field).annotate(n=Count("pk")):
        counts[row[field] or unknown] += row["n"]
    workshops = activities.filter(COLLECTIVE, anonymous_participants__gt=0).order_by()
    for participants, declared in workshops.values_list("anonymous_participants", "anonymous_breakdown"):
        given = (declared or {}).get(breakdown.anonymous_key) or {}
        counts.update({value: n for value, n in given.items() if n})
        counts[unknown] += participants - sum(given.values())
    return sorted_counts(counts)


def round_shares(counts: Mapping[str, int]) -> dict[str, int]:
    """Whole percentages of `counts` that add up to exactly 100 (largest remainder method); all 0 when empty.

    Each share is rounded down, then the points missing to reach 100 go to the largest remainders (ties: the
    larger count, then the first key), so that a chart's shares never show 99 % or 101 %.
    """
    total = sum(counts.values())
    if total <= 0:
        return {key: 0 for key in counts}
    shares = {key: value * 100 // total for key, value in counts.items()}
    remainders = {key: value * 100 % total for key, value in counts.items()}
    order = sorted(counts, key=lambda key: (-remainders[key], -counts[key], list(counts).index(key)))
    for key in order[: 100 - sum(shares.values())]:
        shares[key] += 1
    return shares


def grouped_counts(activities: QuerySet, activity_key, accompaniment_key) -> dict:
    """{key: {"activities": n, "accompaniments": m}}, grouped in the database by an activity field or expression
    (`accompaniment_key` is the same seen from Accompaniment)."""
    groups = defaultdict(lambda: {"activities": 0, "accompaniments": 0})
    anonymous = Coalesce(Sum("anonymous_participants", filter=COLLECTIVE), 0)
    per_activity = activities.order_by().values(key=_expression(activity_key))
    for row in per_activity.annotate(n=Count("pk"), anonymous=anonymous):
        groups[row["key"]]["activities"] += row["n"]
        groups[row["key"]]["accompaniments"] += row["anonymous"]
    rows = accompaniment_rows(activities).order_by().values(key=_expression(accompaniment_key))
    for row in rows.annotate(n=Count("pk")):
        groups[row["key"]]["accompaniments"] += row["n"]
    return dict(groups)


def _expression(key):
    return F(key) if isinstance(key, str) else key


#: Measures with a rule of their own; a distinct count of the catalogue needs none (`distinct_count`).
MEASURE_FUNCTIONS = {
    "activities": activities_count,
    "accompaniments": accompaniments,
    "beneficiaries": beneficiaries,
    "new_beneficiaries": new_beneficiaries,
    "progressed_rate": progressed_rate,
    "hours": hours,
    "collective_participants": collective_participants,
}
SPLIT_FUNCTIONS = {
    "individual_vs_collective": individual_vs_collective,
    "by_employer_type": by_employer_type,
    "followed_vs_anonymous": followed_vs_anonymous,
}


def summary(activities: QuerySet) -> dict:
    """Every indicator of `activities`, keyed as in `manage.py stats --json` (catalogue.FIGURE_KEYS)."""
    result = {}
    for key in FIGURE_KEYS:
        if key in MEASURE_FUNCTIONS:
            result[key] = MEASURE_FUNCTIONS[key](activities)
        elif key in MEASURE:
            result[key] = distinct_count(activities, MEASURE[key].distinct)
        elif key in BREAKDOWN:
            result[key] = breakdown_counts(activities, BREAKDOWN[key])
        elif key in SPLIT_FUNCTIONS:
            result[key] = SPLIT_FUNCTIONS[key](activities)
    result["by_month"] = by_month(activities)
    result["by_departement"] = by_departement(activities)
    return {key: result[key] for key in FIGURE_KEYS}


def by_day(activities: QuerySet) -> dict[str, dict[str, int]]:
    """`by_day`: activities and accompaniments per day ("YYYY-MM-DD")."""
    groups = grouped_counts(activities, "date", "activity__date")
    return {f"{day:%Y-%m-%d}": groups[day] for day in sorted(groups)}
