"""The rules of an activity report (DOMAIN.md "Activity (v2, the current national format)").

One function, `validate_activity`, used by the recording form, the partner API and the importers, so that an
activity is held to the same rules wherever it comes from. It reads plain values (model field names as keys) and
returns French messages per field; an empty dict means the activity is valid.
"""

import datetime

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


def validate_activity(data: dict, *, today: datetime.date | None = None) -> dict[str, list[str]]:
    """French messages per field for what breaks the national rules; {} if `data` is valid.

    Keys are the Activity field names (`type`, `date`, `duration_minutes`, `place_type`, `site`, `commune`, `themes`,
    `demarche_themes`, `equipment`, `autonomy`, `level`, `title`, `redirection_category`, `redirection_site`,
    `redirection_other`, the `anonymous_*` counts and `anonymous_breakdown`), plus `followed_participants`: how
    many followed beneficiaries a collective activity lists. `site`, `commune` and `redirection_site` only need
    to be present (an object or an id); dates may be ISO strings, numbers strings of digits.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = data.get("type")
    if kind not in ActivityType.values:
        add("type", "Choisissez un type d'activité : accompagnement individuel ou atelier collectif.")
    _check_date(data.get("date"), today or timezone.localdate(), add)
    _check_duration(data.get("duration_minutes"), add)
    _check_place(data, add)
    _check_themes(data, add)
    equipment = data.get("equipment") or []
    if any(value not in Equipment.values for value in equipment):
        add("equipment", "Matériel inconnu.")
    _check_type_fields(data, kind, add)
    if kind == ActivityType.COLLECTIVE:
        _check_counts(data, add)
    category = data.get("redirection_category") or ""
    if category and category not in RedirectionCategory.values:
        add("redirection_category", "Orientation inconnue.")
    if not category and (data.get("redirection_site") or (data.get("redirection_other") or "").strip()):
        add("redirection_category", "Indiquez vers quel type de structure la personne a été orientée.")
    return errors


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


def _check_date(value, today, add) -> None:
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


def _check_duration(value, add) -> None:
    minutes = _as_int(value)
    if minutes is None or not MIN_DURATION <= minutes <= MAX_DURATION:
        add("duration_minutes", f"Indiquez une durée entre {MIN_DURATION} et {MAX_DURATION} minutes.")


def _check_place(data, add) -> None:
    place = data.get("place_type")
    if place not in PlaceType.values:
        add("place_type", "Choisissez le lieu de l'activité.")
    elif place == PlaceType.SITE and not data.get("site"):
        add("site", "Choisissez le lieu d'activité.")
    elif place in (PlaceType.HOME, PlaceType.OTHER) and not data.get("commune"):
        add("commune", "Indiquez la commune où l'activité a eu lieu.")
    elif place == PlaceType.REMOTE and (data.get("site") or data.get("commune")):
        add("place_type", "Une activité à distance n'a ni lieu d'activité ni commune.")


def _check_themes(data, add) -> None:
    themes = data.get("themes") or []
    if not themes:
        add("themes", "Choisissez au moins une thématique.")
    elif any(theme not in Theme.values for theme in themes):
        add("themes", "Thématique inconnue.")
    demarches = data.get("demarche_themes") or []
    if demarches and Theme.PROCEDURES not in themes:
        add("demarche_themes", "Les thématiques de démarche vont avec « Aide aux démarches administratives ».")
    elif any(theme not in DemarcheTheme.values for theme in demarches):
        add("demarche_themes", "Thématique de démarche inconnue.")


def _check_type_fields(data, kind, add) -> None:
    autonomy, level, title = data.get("autonomy") or "", data.get("level") or "", (data.get("title") or "").strip()
    if autonomy and autonomy not in Autonomy.values:
        add("autonomy", "Niveau d'autonomie inconnu.")
    elif autonomy and kind == ActivityType.COLLECTIVE:
        add("autonomy", "L'autonomie ne s'indique que pour un accompagnement individuel.")
    if level and level not in Level.values:
        add("level", "Niveau d'atelier inconnu.")
    elif level and kind == ActivityType.INDIVIDUAL:
        add("level", "Le niveau ne s'indique que pour un atelier collectif.")
    if title and kind == ActivityType.INDIVIDUAL:
        add("title", "Le titre ne s'indique que pour un atelier collectif.")


def _check_counts(data, add) -> None:
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
        choices = BREAKDOWNS.get(key)
        if choices is None or not isinstance(counts, dict):
            add("anonymous_breakdown", f"Répartition inconnue : « {key} ».")
            continue
        name, values = key.replace("_", " "), [_as_int(count) for count in counts.values()]
        if any(value not in choices.values for value in counts) or None in values:
            add("anonymous_breakdown", f"Répartition par {name} invalide.")
        elif sum(values) > anonymous:
            add("anonymous_breakdown", f"La répartition par {name} dépasse le nombre de participants.")
