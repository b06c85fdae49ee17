"""The rules of an activity report (DOMAIN.md "Activity (v2, the current national format)").

One rule set, `RULES`, used by the recording form, the partner API and the importers, so that an activity is held to
the same rules wherever it comes from. Each rule reads a few fields (model field names as keys) and adds French
messages per field. `validate_activities` evaluates the rules over a batch of activities, each rule once per
distinct combination of the fields it reads (an import's 2,000 rows share a few dates, durations and theme lists);
`validate_activity`, for the form and the API, runs the same rules on one activity.
"""

import datetime
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from cnum.activities.enums import (
    ActivityType,
    AgeBracket,
    Autonomy,
    DemarcheTheme,
    Equipment,
    Genre,
    Level,
    PlaceType,
    RedirectionCategory,
    SocialStatus,
    Theme,
)

EARLIEST_DATE = datetime.date(2020, 1, 1)
MIN_DURATION, MAX_DURATION = 1, 600
#: Breakdown keys of anonymous collective participants, and the values each accepts.
BREAKDOWNS = {"genre": Genre, "tranche_age": AgeBracket, "statut_social": SocialStatus}
COUNTS = ("anonymous_participants", "anonymous_first_time", "anonymous_progressed", "anonymous_asked")
# TextChoices.values builds a new list at each call: the rules test membership in sets built once.
TYPES, PLACES, THEMES = frozenset(ActivityType.values), frozenset(PlaceType.values), frozenset(Theme.values)
DEMARCHES, EQUIPMENT = frozenset(DemarcheTheme.values), frozenset(Equipment.values)
AUTONOMIES, LEVELS = frozenset(Autonomy.values), frozenset(Level.values)
CATEGORIES = frozenset(RedirectionCategory.values)
BREAKDOWN_VALUES = {key: frozenset(choices.values) for key, choices in BREAKDOWNS.items()}


@dataclass(frozen=True)
class Rule:
    """One national rule: the fields it reads, and `check(data, add, today)`, which calls `add(field, message)` for
    each problem. A rule reads nothing but its fields, so its messages are a function of their values."""

    fields: tuple[str, ...]
    check: Callable


def validate_activity(data: dict, *, today: datetime.date | None = None) -> dict[str, list[str]]:
    """French messages per field for what breaks the national rules; {} if `data` is valid.

    Keys are the Activity field names (`type`, `date`, `duration_minutes`, `place_type`, `site`, `commune`, `themes`,
    `demarche_themes`, `equipment`, `autonomy`, `level`, `title`, `redirection_category`, `redirection_site`,
    `redirection_other`, the `anonymous_*` counts and `anonymous_breakdown`), plus `followed_participants`: how
    many followed beneficiaries a collective activity lists. `site`, `commune` and `redirection_site` only need
    to be present (an object or an id); dates may be ISO strings, numbers strings of digits.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    # The rules one after the other, as `validate_columns` runs them for a row (without its keys, of no use for one).
    for rule, fields in _RULE_FIELDS:
        rule.check({name: data.get(name) for name in fields}, add, today)
    return errors


def validate_activities(
    rows: Sequence[dict], *, today: datetime.date | None = None, known: dict | None = None
) -> list[dict[str, list[str]]]:
    """`validate_activity` of each row, each rule evaluated once per distinct combination of the values it reads
    (`known`: see `validate_columns`)."""
    names = {name.rstrip("?") for rule in RULES for name in rule.fields}
    columns = {name: [data.get(name) for data in rows] for name in names}
    return validate_columns(columns, len(rows), today=today, known=known)


def validate_columns(
    columns: Mapping[str, Sequence],
    count: int,
    *,
    today: datetime.date | None = None,
    known: dict | None = None,
) -> list[dict[str, list[str]]]:
    """`validate_activities` of `count` activities given by columns (field name → its values, a missing column read
    as None): the keys of each column are computed once and shared by the rules reading it (the importers).

    `known`: kept by the caller from batch to batch (an importer, for its file), the messages of each rule by key
    already evaluated, so that a file's thousand dates are each checked once, not once per batch. A rule's messages
    are a function of its values and of `today` alone (`Rule`); they are kept for one `today`."""
    today = today or timezone.localdate()
    results: list[dict[str, list[str]]] = [{} for _ in range(count)]
    keys: dict[str, list] = {}
    if known is not None and (known.get("today") != today or known.get("size", 0) > KNOWN):
        known.clear()
        known.update(today=today, size=0)
    for position, rule in enumerate(RULES):
        fields = [name.rstrip("?") for name in rule.fields]
        for name in rule.fields:
            if name not in keys:
                keys[name] = _column_keys(columns.get(name.rstrip("?")), count, presence=name.endswith("?"))
        rows = list(zip(*(keys[name] for name in rule.fields), strict=True))
        try:
            # Each distinct key and a row holding it, in C-level steps: a batch's rows share a few hundred keys.
            holders = dict(zip(rows, range(count), strict=True))
        except TypeError:  # an unsaved object: the rule is run for each row
            failing = ((index, _messages(rule, fields, columns, index, today)) for index in range(count))
        else:
            found = {} if known is None else known.setdefault(position, {})
            new = [(key, index) for key, index in holders.items() if key not in found]
            for key, index in new:
                found[key] = _messages(rule, fields, columns, index, today)
            if known is not None:
                known["size"] += len(new)
            failed = {key for key in holders if found[key]}
            failing = ((index, found[key]) for index, key in enumerate(rows) if key in failed) if failed else ()
        for index, messages in failing:
            if messages:
                errors = results[index]
                for field, message in messages:
                    errors.setdefault(field, []).append(message)
    return results


#: Keys `validate_columns` keeps from batch to batch, about (then it starts again): a few MB (workshop titles, free
#: text, may make most rows' keys distinct).
KNOWN = 50_000


def _messages(rule: Rule, fields: list[str], columns: Mapping[str, Sequence], index: int, today) -> list:
    """The (field, message) pairs of `rule` for the row `index`."""
    found = []
    data = {name: _value(columns, name, index) for name in fields}
    rule.check(data, lambda field, message: found.append((field, message)), today)
    return found


def _value(columns: Mapping[str, Sequence], name: str, index: int):
    column = columns.get(name)
    return None if column is None else column[index]


#: Values a key holds as they are (with their type): the others go through `_frozen`.
SCALARS = frozenset({str, int, bool, float, type(None), datetime.date, datetime.datetime})


def _column_keys(values: Sequence | None, count: int, *, presence: bool) -> list:
    """The key of each value, telling apart what a rule may tell apart ("site?" reads presence). A list or dict met
    again as the same object (an importer's parsed values are shared) is frozen once."""
    if values is None:
        return [(bool, False) if presence else (type(None), None)] * count
    if presence:
        return list(zip(itertools.repeat(bool), map(bool, values)))
    classes = list(map(type, values))
    if SCALARS.issuperset(classes):
        return list(zip(classes, values, strict=True))
    ids = list(map(id, values))
    frozen = {identity: _frozen(value) for identity, value in dict(zip(ids, values, strict=True)).items()}
    return list(map(frozen.__getitem__, ids))


def _frozen(value):
    """A hashable image of `value` that tells apart what a rule may tell apart: 1, True, "1" and 1.0 differ; lists
    and dicts keep their order (messages follow it)."""
    if isinstance(value, list | tuple):
        return (type(value), tuple(_frozen(item) for item in value))
    if isinstance(value, dict):
        return (dict, tuple((_frozen(name), _frozen(item)) for name, item in value.items()))
    return (type(value), value)


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else None


def _check_type(data, add, today) -> None:
    if data.get("type") not in TYPES:
        add("type", "Choisissez un type d'activité : accompagnement individuel ou atelier collectif.")


def _check_date(data, add, today) -> None:
    value = data.get("date")
    if value in (None, ""):
        add("date", "Indiquez la date de l'activité.")
        return
    date = _as_date(value)
    if date is None:
        add("date", "Date invalide : format AAAA-MM-JJ attendu.")
    elif date > today:
        add("date", "La date de l'activité ne peut pas être dans le futur.")
    elif date < EARLIEST_DATE:
        add("date", "La date de l'activité ne peut pas être antérieure au 1er janvier 2020.")


def _check_duration(data, add, today) -> None:
    minutes = _as_int(data.get("duration_minutes"))
    if minutes is None or not MIN_DURATION <= minutes <= MAX_DURATION:
        add("duration_minutes", f"Indiquez une durée entre {MIN_DURATION} et {MAX_DURATION} minutes.")


def _check_place(data, add, today) -> None:
    place = data.get("place_type")
    if place not in PlaceType.values:
        add("place_type", "Choisissez le lieu de l'activité.")
    elif place == PlaceType.SITE and not data.get("site"):
        add("site", "Choisissez le lieu d'activité.")
    elif place in (PlaceType.HOME, PlaceType.OTHER) and not data.get("commune"):
        add("commune", "Indiquez la commune où l'activité a eu lieu.")
    elif place == PlaceType.REMOTE and (data.get("site") or data.get("commune")):
        add("place_type", "Une activité à distance n'a ni lieu d'activité ni commune.")


def _check_themes(data, add, today) -> None:
    themes = data.get("themes") or []
    if not themes:
        add("themes", "Choisissez au moins une thématique.")
    elif any(theme not in THEMES for theme in themes):
        add("themes", "Thématique inconnue.")
    demarches = data.get("demarche_themes") or []
    if demarches and Theme.PROCEDURES not in themes:
        add("demarche_themes", "Les thématiques de démarche vont avec « Aide aux démarches administratives ».")
    elif any(theme not in DEMARCHES for theme in demarches):
        add("demarche_themes", "Thématique de démarche inconnue.")


def _check_equipment(data, add, today) -> None:
    if any(value not in EQUIPMENT for value in data.get("equipment") or []):
        add("equipment", "Matériel inconnu.")


def _check_type_fields(data, add, today) -> None:
    kind = data.get("type")
    autonomy, level, title = data.get("autonomy") or "", data.get("level") or "", (data.get("title") or "").strip()
    if autonomy and autonomy not in AUTONOMIES:
        add("autonomy", "Niveau d'autonomie inconnu.")
    elif autonomy and kind == ActivityType.COLLECTIVE:
        add("autonomy", "L'autonomie ne s'indique que pour un accompagnement individuel.")
    if level and level not in LEVELS:
        add("level", "Niveau d'atelier inconnu.")
    elif level and kind == ActivityType.INDIVIDUAL:
        add("level", "Le niveau ne s'indique que pour un atelier collectif.")
    if title and kind == ActivityType.INDIVIDUAL:
        add("title", "Le titre ne s'indique que pour un atelier collectif.")


def _check_counts(data, add, today) -> None:
    if data.get("type") != ActivityType.COLLECTIVE:
        return
    counts = {}
    for field in COUNTS:
        value = data.get(field) or 0
        counts[field] = _as_int(value)
        if counts[field] is None:
            add(field, "Indiquez un nombre entier positif ou nul.")
    followed = _as_int(data.get("followed_participants") or 0) or 0
    if any(value is None for value in counts.values()):
        return
    anonymous = counts["anonymous_participants"]
    if anonymous + followed < 1:
        add("anonymous_participants", "Un atelier collectif compte au moins un participant.")
    if counts["anonymous_first_time"] > anonymous:
        add("anonymous_first_time", "Ne peut pas dépasser le nombre de participants anonymes.")
    if counts["anonymous_asked"] > anonymous:
        add("anonymous_asked", "Ne peut pas dépasser le nombre de participants anonymes.")
    if counts["anonymous_progressed"] > counts["anonymous_asked"]:
        add("anonymous_progressed", "Ne peut pas dépasser le nombre de participants interrogés.")
    _check_breakdown(data.get("anonymous_breakdown") or {}, anonymous, add)


def _check_breakdown(breakdown, anonymous, add) -> None:
    if not isinstance(breakdown, dict):
        add("anonymous_breakdown", "Répartition invalide.")
        return
    for key, counts in breakdown.items():
        choices = BREAKDOWN_VALUES.get(key)
        if choices is None or not isinstance(counts, dict):
            add("anonymous_breakdown", f"Répartition inconnue : « {key} ».")
            continue
        name, values = key.replace("_", " "), [_as_int(count) for count in counts.values()]
        if any(value not in choices for value in counts) or None in values:
            add("anonymous_breakdown", f"Répartition par {name} invalide.")
        elif sum(values) > anonymous:
            add("anonymous_breakdown", f"La répartition par {name} dépasse le nombre de participants.")


def _check_redirection(data, add, today) -> None:
    category = data.get("redirection_category") or ""
    if category and category not in CATEGORIES:
        add("redirection_category", "Orientation inconnue.")
    if not category and (data.get("redirection_site") or (data.get("redirection_other") or "").strip()):
        add("redirection_category", "Indiquez vers quel type de structure la personne a été orientée.")


#: In the order their messages are listed. "site?" reads whether the field is given, not its value: a rule that only
#: needs a site to be there is evaluated once for thousands of sites.
RULES = (
    Rule(("type",), _check_type),
    Rule(("date",), _check_date),
    Rule(("duration_minutes",), _check_duration),
    Rule(("place_type", "site?", "commune?"), _check_place),
    Rule(("themes", "demarche_themes"), _check_themes),
    Rule(("equipment",), _check_equipment),
    Rule(("type", "autonomy", "level", "title"), _check_type_fields),
    Rule(("type", *COUNTS, "followed_participants", "anonymous_breakdown"), _check_counts),
    Rule(("redirection_category", "redirection_site?", "redirection_other"), _check_redirection),
)

#: Each rule and the names of the fields it reads ("site?" reads the value of "site", as `_messages` does).
_RULE_FIELDS = tuple((rule, tuple(name.rstrip("?") for name in rule.fields)) for rule in RULES)
