"""The statistics catalogue: every figure the programme reports, declared once.

A figure is a `Measure` (one number: activities, distinct people, advisors recording…), a `Breakdown` (a count per
value of a field: themes, autonomy, age bracket…) or a `Split` (a few groups with their shares, or a series). Each
entry carries its key (as in `manage.py stats --json`), the level it counts at, its source, its French labels (read
from the enums of cnum.activities.enums) and its definitions: a short one for a tile and a full one in plain French.

Everything else derives from here: the rollup columns (cnum.stats.models), the incremental update and the rebuilds
(rollups, rollups_sql), the live indicators (indicators), the engine's keys (engine), the labels of the pages and the
exports (views, exports), and the definitions table of docs/statistics.md (`definitions_markdown`, checked by
tests/stats/test_catalogue.py). Adding a breakdown over an activity or a beneficiary field, or a distinct count,
is one entry below plus a migration for its columns.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db import models

from cnum.activities.enums import (
    DURATION_BUCKETS,
    ActivityType,
    AgeBracket,
    Autonomy,
    DemarcheTheme,
    Equipment,
    Genre,
    PlaceType,
    RedirectionCategory,
    SocialStatus,
    Theme,
)
from cnum.stats.scopes import EMPLOYER_KINDS


class Level(StrEnum):
    """What a figure counts: activities (CRA), accompaniments (a person in an activity), distinct people or
    advisors, or the registry (contracts and posts, read on a date rather than over a period)."""

    ACTIVITY = "activity"
    ACCOMPANIMENT = "accompaniment"
    PERSON = "person"
    ADVISOR = "advisor"
    REGISTRY = "registry"


LEVEL_LABELS = {
    Level.ACTIVITY: "activités",
    Level.ACCOMPANIMENT: "accompagnements",
    Level.PERSON: "personnes distinctes",
    Level.ADVISOR: "conseillers distincts",
    Level.REGISTRY: "registre, à la fin de la période",
}


class Unit(StrEnum):
    COUNT = "count"
    RATE = "rate"
    HOURS = "hours"


@dataclass(frozen=True)
class Distinct:
    """A count of distinct entities per scope and calendar period, which cannot be summed over months: stored in a
    column of StatPeople. `source` is the model whose rows link an entity to an activity, `entity` the field naming
    the entity on it, `activity` the path from it to the activity ("" when the source is the activity)."""

    column: str
    source: str  # "accompaniment" or "activity"
    entity: str
    activity: str
    #: Add the workshops' anonymous participants who came for the first time (people who cannot be told apart).
    with_anonymous_first_time: bool = False
    #: An entity has many rows (an advisor: ≈ 1,000 activities, a person a few): a drain looks for its earlier rows
    #: in the new activities' months first, and reads wider only for the cells still not found (`rollups.WINDOWS`).
    many_rows: bool = False

    def path(self, name: str) -> str:
        """The path of an activity field seen from the source rows."""
        return f"{self.activity}{name}"


PEOPLE = Distinct(
    column="count",
    source="accompaniment",
    entity="beneficiary_id",
    activity="activity__",
    with_anonymous_first_time=True,
)
ADVISORS = Distinct(column="advisors", source="activity", entity="advisor_id", activity="", many_rows=True)
#: Every distinct count, in StatPeople's column order. A new one: an entry here, its Measure, a migration.
DISTINCTS = (PEOPLE, ADVISORS)


@dataclass(frozen=True)
class Measure:
    """One number. `distinct`: read from StatPeople's column when the period is a calendar period."""

    key: str
    label: str
    short: str
    definition: str
    level: Level
    unit: Unit = Unit.COUNT
    tile: bool = True
    distinct: Distinct | None = None


@dataclass(frozen=True)
class Breakdown:
    """A count per value of a field. Activity level: an activity counts once per distinct value of `field` (a list
    when `many`; `buckets` turn a number into a value). Person level (accompaniments): each person counts for the
    value of the beneficiary's `field`, blank counting `unknown`; a workshop's anonymous participants count by the
    `anonymous_key` entry of its `anonymous_breakdown`, the rest `unknown`. `in_key`: the value is part of the
    rollup cell's key (a filter dimension), so it needs no column."""

    key: str
    dimension: str
    level: Level
    field: str
    labels: dict[str, str]
    title: str
    column_title: str
    short: str
    definition: str
    many: bool = False
    natural_order: bool = False
    unknown: str | None = None
    anonymous_key: str | None = None
    buckets: tuple = ()
    in_key: bool = False
    #: Open values (tags created as the programme goes): no column per value, but a narrow rollup table of this name
    #: (cnum.stats.models), one row per cell key and value; `field` is then the many-to-many's path to the value.
    table: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.labels)

    @property
    def label(self) -> str:
        return self.title

    @property
    def counted(self) -> str:
        return "Accompagnements" if self.level == Level.ACCOMPANIMENT else "Activités"

    def label_of(self, value: str) -> str:
        return self.labels.get(value, value)

    def bucket(self, number: int) -> str:
        """The bucket of a number (a duration in minutes) among the (name, low, high) buckets."""
        for name, low, high in self.buckets:
            if number >= low and (high is None or number < high):
                return name
        raise ValueError(number)


@dataclass(frozen=True)
class Split:
    """Groups or a series computed by their own rule (types, employer kind, months, départements): labelled and
    defined here, computed in indicators and engine."""

    key: str
    label: str
    short: str
    definition: str
    level: Level = Level.ACTIVITY
    labels: dict[str, str] = field(default_factory=dict)


def _choices(enum: type[models.TextChoices]) -> dict[str, str]:
    return dict(enum.choices)


DURATION_LABELS = {
    "moins_30": "Moins de 30 min",
    "30_60": "De 30 min à 1 h",
    "60_120": "De 1 h à 2 h",
    "120_plus": "2 h et plus",
}
assert tuple(DURATION_LABELS) == tuple(name for name, _, _ in DURATION_BUCKETS)

MEASURES = (
    Measure(
        "activities",
        "Activités",
        "Comptes rendus d'activité datés dans la période.",
        "Nombre de comptes rendus d'activité (accompagnements individuels et ateliers collectifs) datés dans la "
        "période.",
        Level.ACTIVITY,
    ),
    Measure(
        "accompaniments",
        "Accompagnements",
        "Une personne dans une activité.",
        "Une personne dans une activité. Un accompagnement individuel en compte un ; un atelier collectif en compte "
        "un par participant suivi inscrit, plus ses participants anonymes.",
        Level.ACCOMPANIMENT,
    ),
    Measure(
        "beneficiaries",
        "Personnes accompagnées",
        "Personnes distinctes accompagnées dans la période, plus les participants anonymes venus pour la première "
        "fois.",
        "Personnes distinctes accompagnées au moins une fois dans la période, plus les participants anonymes "
        "d'ateliers venus pour la première fois dans la période. Une personne accompagnée plusieurs fois compte une "
        "fois ; les participants anonymes d'ateliers ne pouvant être reconnus d'un atelier à l'autre, seuls ceux "
        "venus pour la première fois sont comptés. Non additif : une personne vue en janvier et en mars compte une "
        "fois sur le trimestre, une fois dans chaque mois.",
        Level.PERSON,
        distinct=PEOPLE,
    ),
    Measure(
        "new_beneficiaries",
        "Nouvelles personnes accompagnées",
        "Personnes dont le tout premier accompagnement a lieu dans la période.",
        "Personnes dont le tout premier accompagnement a lieu dans la période (premier accompagnement d'une "
        "personne, plus les participants anonymes d'ateliers venus pour la première fois). Additif : la somme des "
        "mois ou des départements donne celle de l'année ou de la France.",
        Level.ACCOMPANIMENT,
    ),
    Measure(
        "progressed_rate",
        "Part des personnes ayant progressé",
        "Parmi les personnes interrogées, part de celles qui disent avoir progressé.",
        "Parmi les accompagnements où la question a été posée (réponse « oui » ou « non », participants anonymes "
        "interrogés compris), la part de « oui ». Sans objet (vide) quand personne n'a été interrogé.",
        Level.ACCOMPANIMENT,
        unit=Unit.RATE,
    ),
    Measure(
        "hours",
        "Heures d'accompagnement",
        "Durée totale des activités, en heures.",
        "Durée totale des activités, en heures (un atelier compte pour sa durée, quel que soit le nombre de "
        "participants).",
        Level.ACTIVITY,
        unit=Unit.HOURS,
    ),
    Measure(
        "collective_participants",
        "Participants aux ateliers",
        "Accompagnements des ateliers collectifs.",
        "Accompagnements des ateliers collectifs (participants suivis inscrits et participants anonymes).",
        Level.ACCOMPANIMENT,
    ),
    Measure(
        "advisors_recording",
        "Conseillers ayant saisi une activité",
        "Conseillers distincts ayant au moins une activité dans la période.",
        "Conseillers numériques distincts ayant au moins une activité datée dans la période et dans le périmètre. "
        "Un conseiller compte une fois quel que soit son nombre d'activités. Non additif : un conseiller actif en "
        "janvier et en mars compte une fois sur le trimestre, une fois dans chaque mois.",
        Level.ADVISOR,
        distinct=ADVISORS,
    ),
    Measure(
        "advisors_in_post",
        "Conseillers en poste",
        "Conseillers ayant un contrat en cours à la fin de la période.",
        "Conseillers numériques ayant un contrat en cours le dernier jour de la période (aujourd'hui quand la "
        "période court encore), dans une structure du périmètre (pour une équipe : ses membres ce jour-là). Lu dans "
        "le registre des contrats, pas dans les activités.",
        Level.REGISTRY,
    ),
)

BREAKDOWNS = (
    Breakdown(
        "by_theme",
        "theme",
        Level.ACTIVITY,
        "themes",
        _choices(Theme),
        "Thématiques",
        "Thématique",
        "Activités ayant abordé chaque thématique.",
        "Nombre d'activités ayant abordé chaque thématique. Une activité compte une fois pour chacune de ses "
        "thématiques : la somme dépasse donc le nombre d'activités.",
        many=True,
    ),
    Breakdown(
        "by_demarche_theme",
        "demarche_theme",
        Level.ACTIVITY,
        "demarche_themes",
        _choices(DemarcheTheme),
        "Démarches administratives",
        "Démarche",
        "Activités ayant abordé chaque thème de démarche.",
        "Nombre d'activités ayant abordé chaque thème de démarche administrative (une activité compte une fois par "
        "thème).",
        many=True,
    ),
    Breakdown(
        "by_place_type",
        "place_type",
        Level.ACTIVITY,
        "place_type",
        _choices(PlaceType),
        "Lieu",
        "Type de lieu",
        "Activités par type de lieu.",
        "Nombre d'activités par type de lieu (lieu d'activité, domicile, à distance, autre).",
        in_key=True,
    ),
    Breakdown(
        "by_duration",
        "duration",
        Level.ACTIVITY,
        "duration_minutes",
        DURATION_LABELS,
        "Durée",
        "Durée",
        "Activités par tranche de durée.",
        "Nombre d'activités par tranche de durée (moins de 30 min, de 30 min à 1 h, de 1 h à 2 h, 2 h et plus).",
        natural_order=True,
        buckets=DURATION_BUCKETS,
    ),
    Breakdown(
        "by_equipment",
        "equipment",
        Level.ACTIVITY,
        "equipment",
        _choices(Equipment),
        "Matériel utilisé",
        "Matériel",
        "Activités par matériel utilisé.",
        "Nombre d'activités par matériel utilisé (une activité compte une fois par matériel).",
        many=True,
    ),
    Breakdown(
        "by_redirection",
        "redirection",
        Level.ACTIVITY,
        "redirection_category",
        _choices(RedirectionCategory),
        "Orientation",
        "Orientée vers",
        "Activités ayant orienté la personne, par destination.",
        "Nombre d'activités ayant orienté la personne, par type de structure vers laquelle elle a été orientée.",
    ),
    Breakdown(
        "by_autonomy",
        "autonomy",
        Level.ACTIVITY,
        "autonomy",
        _choices(Autonomy),
        "Autonomie",
        "Degré d'autonomie",
        "Activités par degré d'autonomie de la personne.",
        "Nombre d'activités par degré d'autonomie de la personne, quand il est renseigné.",
        natural_order=True,
    ),
    Breakdown(
        "by_genre",
        "genre",
        Level.ACCOMPANIMENT,
        "genre",
        _choices(Genre),
        "Genre",
        "Genre",
        "Accompagnements selon le genre déclaré.",
        "Accompagnements selon le genre que la personne a déclaré ; pour les participants anonymes d'un atelier, "
        "selon la répartition saisie, le reste comptant « non communiqué ».",
        natural_order=True,
        unknown=Genre.UNKNOWN.value,
        anonymous_key="genre",
    ),
    Breakdown(
        "by_age",
        "age",
        Level.ACCOMPANIMENT,
        "age_bracket",
        _choices(AgeBracket),
        "Tranche d'âge",
        "Tranche d'âge",
        "Accompagnements selon la tranche d'âge déclarée.",
        "Accompagnements selon la tranche d'âge que la personne a déclarée ; pour les participants anonymes d'un "
        "atelier, selon la répartition saisie, le reste comptant « non communiqué ».",
        natural_order=True,
        unknown=AgeBracket.UNKNOWN.value,
        anonymous_key="tranche_age",
    ),
    Breakdown(
        "by_status",
        "status",
        Level.ACCOMPANIMENT,
        "social_status",
        _choices(SocialStatus),
        "Statut",
        "Statut",
        "Accompagnements selon le statut déclaré.",
        "Accompagnements selon le statut que la personne a déclaré (scolarisé, en emploi…) ; pour les participants "
        "anonymes d'un atelier, selon la répartition saisie, le reste comptant « non communiqué ».",
        natural_order=True,
        unknown=SocialStatus.UNKNOWN.value,
        anonymous_key="statut_social",
    ),
)

#: Tags (issue #21): an activity counts once per tag attached, by tag id. The tags' names and who may read a private
#: one are the activities app's (`Tag.objects.visible_to`): the pages keep the tags the reader may see.
TAG_BREAKDOWN = Breakdown(
    "by_tag",
    "tag",
    Level.ACTIVITY,
    "tags__id",
    {},
    "Étiquettes",
    "Étiquette",
    "Activités portant chaque étiquette.",
    "Nombre d'activités portant chaque étiquette (un projet local, un partenariat, une campagne). Une activité compte "
    "une fois pour chacune de ses étiquettes : la somme dépasse donc le nombre d'activités. Les étiquettes privées ne "
    "sont montrées qu'aux personnes de leur périmètre.",
    many=True,
    table="StatTag",
)
BREAKDOWNS = (*BREAKDOWNS, TAG_BREAKDOWN)

SPLITS = (
    Split(
        "individual_vs_collective",
        "Individuel ou collectif",
        "Activités et accompagnements de chaque type.",
        "Activités et accompagnements de chaque type (individuel, collectif), et la part (en %) de chaque type "
        "parmi les activités.",
        labels=_choices(ActivityType),
    ),
    Split(
        "by_employer_type",
        "Employeur public ou privé",
        "Activités selon que l'employeur est public ou privé.",
        "Activités et accompagnements des conseillers employés par une structure publique (collectivités, EPCI, "
        "GIP) ou privée (associations, autres), et la part (en %) de chacun parmi les activités.",
        labels=EMPLOYER_KINDS,
    ),
    Split(
        "followed_vs_anonymous",
        "Personnes suivies ou anonymes",
        "Accompagnements de personnes suivies ou anonymes.",
        "Accompagnements de personnes suivies (avec leur accord) et de personnes anonymes (accompagnements "
        "individuels anonymes et participants anonymes d'ateliers).",
        Level.ACCOMPANIMENT,
        labels={"followed": "Suivies", "anonymous": "Anonymes"},
    ),
    Split(
        "by_month",
        "Par mois",
        "Activités et accompagnements de chaque mois.",
        "Activités et accompagnements de chaque mois (AAAA-MM) de la période.",
    ),
    Split(
        "by_day",
        "Par jour",
        "Activités et accompagnements de chaque jour.",
        "Activités et accompagnements de chaque jour (AAAA-MM-JJ) de la période.",
    ),
    Split(
        "by_departement",
        "Par département",
        "Activités et accompagnements par département de l'employeur.",
        "Activités et accompagnements selon le département de la structure employeuse.",
    ),
)

MEASURE = {measure.key: measure for measure in MEASURES}
BREAKDOWN = {breakdown.key: breakdown for breakdown in BREAKDOWNS}
SPLIT = {split.key: split for split in SPLITS}
#: Every entry by key, in the order figures are listed (docs, definitions).
ENTRIES = {**MEASURE, **{key: SPLIT[key] for key in list(SPLIT)[:3]}, **BREAKDOWN, **SPLIT}

#: Breakdowns stored as one rollup column per value (every breakdown but the cell key's place type).
COLUMN_BREAKDOWNS = tuple(breakdown for breakdown in BREAKDOWNS if not breakdown.in_key and not breakdown.table)
#: Breakdowns of open values over a many-to-many, each stored in a narrow table of its own (tags).
TABLE_BREAKDOWNS = tuple(breakdown for breakdown in BREAKDOWNS if breakdown.table)
#: Activity-level breakdowns read from a field of the activity as is (not bucketed).
ACTIVITY_BREAKDOWNS = tuple(b for b in COLUMN_BREAKDOWNS if b.level == Level.ACTIVITY and not b.buckets)
BUCKET_BREAKDOWNS = tuple(b for b in COLUMN_BREAKDOWNS if b.buckets)
#: Person-level breakdowns: read from the beneficiary and from the anonymous participants' declared breakdown.
PERSON_BREAKDOWNS = tuple(b for b in COLUMN_BREAKDOWNS if b.level == Level.ACCOMPANIMENT)
#: Measures computed from the activities over a period (the registry's are read on a date).
ACTIVITY_MEASURES = tuple(measure for measure in MEASURES if measure.level != Level.REGISTRY)
REGISTRY_MEASURES = tuple(measure for measure in MEASURES if measure.level == Level.REGISTRY)
DISTINCT_MEASURES = tuple(measure for measure in MEASURES if measure.distinct is not None)
assert {m.distinct for m in DISTINCT_MEASURES} == set(DISTINCTS)


def column_name(dimension: str, value: str) -> str:
    """The rollup column of one breakdown value."""
    return f"b_{dimension}_{value}"


#: Figure keys in the order `manage.py stats --json` gives them (the live summary and the engine alike).
FIGURE_KEYS = (
    *(measure.key for measure in ACTIVITY_MEASURES),
    "individual_vs_collective",
    "by_employer_type",
    "followed_vs_anonymous",
    *(breakdown.key for breakdown in BREAKDOWNS),
    "by_month",
    "by_departement",
)


def label(key: str) -> str:
    return ENTRIES[key].label


def definitions_markdown() -> str:
    """The definitions table of docs/statistics.md, between its markers (tests/stats/test_catalogue.py)."""
    lines = [
        "| clé | libellé | compte | définition courte | définition |",
        "|---|---|---|---|---|",
    ]
    for key, entry in ENTRIES.items():
        lines.append(f"| `{key}` | {entry.label} | {LEVEL_LABELS[entry.level]} | {entry.short} | {entry.definition} |")
    return "\n".join(lines) + "\n"
