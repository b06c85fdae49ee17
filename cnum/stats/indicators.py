"""The programme's indicators, computed live over a queryset of activities (a scope and a period, see
cnum.stats.scopes). Each function's docstring is the definition shown to users; docs/statistics.md gives them in
French and English, with what the later rollup tables must preserve.

Counting rules: docs/activities.md. An individual activity is one accompaniment; a collective one is one
accompaniment per followed participant listed plus its `anonymous_participants`.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from cnum.activities.enums import ActivityType, Progress
from cnum.activities.models import Accompaniment
from cnum.structures.enums import StructureType

COLLECTIVE = Q(type=ActivityType.COLLECTIVE)
NO_DEPARTEMENT = "sans_departement"


def _rows(activities: QuerySet) -> QuerySet:
    """The accompaniment rows (individual people, followed workshop participants) of `activities`."""
    return Accompaniment.objects.filter(activity__in=activities.order_by().values("pk"))


def _collective_sum(activities: QuerySet, field: str) -> int:
    """Sum of an anonymous_* count over the collective activities (individual ones carry none)."""
    return activities.order_by().aggregate(total=Coalesce(Sum(field, filter=COLLECTIVE), 0))["total"]


def activities_count(activities: QuerySet) -> int:
    """Activités : nombre de comptes rendus d'activité (accompagnements individuels et ateliers collectifs) datés
    dans la période."""
    return activities.count()


def accompaniments(activities: QuerySet) -> int:
    """Accompagnements : une personne dans une activité. Un accompagnement individuel en compte un ; un atelier
    collectif en compte un par participant suivi inscrit, plus ses participants anonymes."""
    return _rows(activities).count() + _collective_sum(activities, "anonymous_participants")


def new_beneficiaries(activities: QuerySet) -> int:
    """Nouvelles personnes accompagnées : personnes dont le tout premier accompagnement a lieu dans la période
    (premier accompagnement d'une personne, plus les participants anonymes d'ateliers venus pour la première
    fois). Additif : la somme des mois ou des départements donne celle de l'année ou de la France."""
    firsts = _rows(activities).filter(is_first=True).count()
    return firsts + _collective_sum(activities, "anonymous_first_time")


def beneficiaries(activities: QuerySet) -> int:
    """Personnes accompagnées : personnes distinctes accompagnées au moins une fois dans la période, plus les
    participants anonymes d'ateliers venus pour la première fois dans la période. Une personne accompagnée
    plusieurs fois compte une fois ; les participants anonymes d'ateliers ne pouvant être reconnus d'un atelier à
    l'autre, seuls ceux venus pour la première fois sont comptés. Non additif : une personne vue en janvier et en
    mars compte une fois sur le trimestre, une fois dans chaque mois."""
    distinct = _rows(activities).values("beneficiary_id").distinct().count()
    return distinct + _collective_sum(activities, "anonymous_first_time")


def progress_counts(activities: QuerySet) -> tuple[int, int]:
    """(people who say they progressed, people asked): the two additive terms of the progress rate."""
    # Aliases differ from the field names: an alias named `progressed` would shadow the field in the filters.
    rows = _rows(activities).aggregate(
        yes=Count("pk", filter=Q(progressed=Progress.YES)),
        asked=Count("pk", filter=Q(progressed__in=[Progress.YES, Progress.NO])),
    )
    anonymous = activities.order_by().aggregate(
        yes=Coalesce(Sum("anonymous_progressed", filter=COLLECTIVE), 0),
        asked=Coalesce(Sum("anonymous_asked", filter=COLLECTIVE), 0),
    )
    return rows["yes"] + anonymous["yes"], rows["asked"] + anonymous["asked"]


def progressed_rate(activities: QuerySet) -> float | None:
    """Part des personnes qui disent avoir progressé : parmi les accompagnements où la question a été posée
    (réponse « oui » ou « non », participants anonymes interrogés compris), la part de « oui ». Sans objet (vide)
    quand personne n'a été interrogé."""
    progressed, asked = progress_counts(activities)
    return progressed / asked if asked else None


def individual_vs_collective(activities: QuerySet) -> dict[str, dict[str, int]]:
    """Individuel ou collectif : activités et accompagnements de chaque type, et la part (en %) de chaque type
    parmi les activités."""
    groups = _grouped(activities, "type", "activity__type")
    result = {kind: groups.get(kind, {"activities": 0, "accompaniments": 0}) for kind in ActivityType.values}
    shares = round_shares({kind: counts["activities"] for kind, counts in result.items()})
    return {kind: {**counts, "share": shares[kind]} for kind, counts in result.items()}


def by_theme(activities: QuerySet) -> dict[str, int]:
    """Thématiques : nombre d'activités ayant abordé chaque thématique. Une activité compte une fois pour chacune
    de ses thématiques : la somme dépasse donc le nombre d'activités."""
    counts = Counter()
    # Themes are a JSON list: counted in Python so that SQLite and PostgreSQL agree (the rollups will store them).
    for themes in activities.order_by().values_list("themes", flat=True).iterator(chunk_size=5_000):
        counts.update(set(themes or ()))
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def by_month(activities: QuerySet) -> dict[str, dict[str, int]]:
    """Par mois : activités et accompagnements de chaque mois (AAAA-MM) de la période."""
    groups = _grouped(activities, TruncMonth("date"), TruncMonth("activity__date"))
    return {f"{month:%Y-%m}": groups[month] for month in sorted(groups)}


def by_departement(activities: QuerySet) -> dict[str, dict[str, int]]:
    """Par département : activités et accompagnements selon le département de la structure employeuse."""
    groups = _grouped(activities, "structure__departement_id", "activity__structure__departement_id")
    return {code or NO_DEPARTEMENT: groups[code] for code in sorted(groups, key=lambda code: code or "~")}


def by_employer_type(activities: QuerySet) -> dict[str, dict[str, int]]:
    """Employeur public ou privé : activités et accompagnements des conseillers employés par une structure publique
    (collectivités, EPCI, GIP) ou privée (associations, autres), et la part (en %) de chacun parmi les
    activités."""
    result = {kind: {"activities": 0, "accompaniments": 0} for kind in ("public", "private")}
    public = StructureType.public_types()
    for structure_type, counts in _grouped(activities, "structure__type", "activity__structure__type").items():
        target = result["public" if structure_type in public else "private"]
        target["activities"] += counts["activities"]
        target["accompaniments"] += counts["accompaniments"]
    shares = round_shares({kind: counts["activities"] for kind, counts in result.items()})
    return {kind: {**counts, "share": shares[kind]} for kind, counts in result.items()}


def hours(activities: QuerySet) -> float:
    """Heures d'accompagnement : durée totale des activités, en heures (un atelier compte pour sa durée, quel que
    soit le nombre de participants)."""
    minutes = activities.order_by().aggregate(total=Coalesce(Sum("duration_minutes"), 0))["total"]
    return round(minutes / 60, 1)


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


def _grouped(activities: QuerySet, activity_key, accompaniment_key) -> dict:
    """{key: {"activities": n, "accompaniments": m}}, grouped in the database by an activity field or expression
    (`accompaniment_key` is the same seen from Accompaniment)."""
    groups = defaultdict(lambda: {"activities": 0, "accompaniments": 0})
    anonymous = Coalesce(Sum("anonymous_participants", filter=COLLECTIVE), 0)
    per_activity = activities.order_by().values(key=_expression(activity_key))
    for row in per_activity.annotate(n=Count("pk"), anonymous=anonymous):
        groups[row["key"]]["activities"] += row["n"]
        groups[row["key"]]["accompaniments"] += row["anonymous"]
    for row in _rows(activities).order_by().values(key=_expression(accompaniment_key)).annotate(n=Count("pk")):
        groups[row["key"]]["accompaniments"] += row["n"]
    return dict(groups)


def _expression(key):
    return F(key) if isinstance(key, str) else key


def summary(activities: QuerySet) -> dict:
    """Every indicator of `activities`, keyed as in `manage.py stats --json`."""
    return {
        "activities": activities_count(activities),
        "accompaniments": accompaniments(activities),
        "beneficiaries": beneficiaries(activities),
        "new_beneficiaries": new_beneficiaries(activities),
        "progressed_rate": progressed_rate(activities),
        "hours": hours(activities),
        "individual_vs_collective": individual_vs_collective(activities),
        "by_employer_type": by_employer_type(activities),
        "by_theme": by_theme(activities),
        "by_month": by_month(activities),
        "by_departement": by_departement(activities),
    }
