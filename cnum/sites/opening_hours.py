"""Opening hours in OpenStreetMap `opening_hours` syntax (the `horaires` column of the national schema v1.0.2).

Validity is decided by opening-hours-py (the Rust implementation of the full OSM specification), plus one rule of
our own: a time span must end after it starts ("14:00-14:00" would mean 24 hours to OSM, "17:00-12:00" a night
opening; in the national files both are typing mistakes, so they are refused rather than read literally).

For display, the common subset — weekday selectors (ranges, lists), time spans, `off`/`closed`, `24/7` and `PH off` —
is read into a weekly table with OSM's rule semantics (a later rule replaces the days it names) and written in plain
French. A valid expression outside that subset (months, weeks, comments, fallback rules…) is shown as written,
never paraphrased by guess.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import opening_hours as osm
from django.core.exceptions import ValidationError

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FULL_DAY = (0, 24 * 60)
EXAMPLE = "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"

Span = tuple[int, int]  # minutes since midnight; the end may be 1440 (24:00)

_DAY = r"(?:mo|tu|we|th|fr|sa|su)"
_DAY_SELECTOR = rf"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_TIME = r"\d{1,2}:\d{2}"
_SPANS = rf"{_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*"
RULE = re.compile(rf"(?P<days>{_DAY_SELECTOR}|ph)?\s*(?P<what>off|closed|{_SPANS})?", re.IGNORECASE)
SPAN = re.compile(r"(?P<start>\d{1,2}):(?P<start_min>\d{2})\s*-\s*(?P<end>\d{1,2}):(?P<end_min>\d{2})")
LONE_TIME = re.compile(r"(?<![\d:-])\d{1,2}:\d{2}(?![\d:]|\s*-)")
CHAINED_TIMES = re.compile(r"\d{1,2}:\d{2}-\d{1,2}:\d{2}-\d{1,2}:\d{2}")
PARSER_POSITION = re.compile(r"--> \d+:(\d+)")


class OpeningHoursError(ValueError):
    """Carries a French message for the person who typed the value or owns the file."""


class InvalidOpeningHours(OpeningHoursError):
    pass


class UnsupportedOpeningHours(OpeningHoursError):
    """Valid OSM syntax, beyond the weekly subset cnum writes in French."""


@dataclass(frozen=True)
class WeeklyHours:
    """Open spans of each day, Monday first, and whether public holidays are closed (`PH off`)."""

    days: tuple[tuple[Span, ...], ...]
    closed_on_public_holidays: bool = False

    @property
    def is_always_open(self) -> bool:
        return all(spans == (FULL_DAY,) for spans in self.days) and not self.closed_on_public_holidays

    @property
    def is_closed(self) -> bool:
        return not any(self.days)


# --- validation ---------------------------------------------------------------------------------------------


def check(value: str) -> str:
    """The value, stripped, when it is valid OSM opening hours; otherwise InvalidOpeningHours (message in French)."""
    text = (value or "").strip()
    if not text:
        raise InvalidOpeningHours("Horaires vides.")
    try:
        osm.OpeningHours(text)
    except (osm.ParserError, SyntaxError, ValueError) as error:
        raise InvalidOpeningHours(_parser_message(text, str(error))) from None
    for match in SPAN.finditer(text):
        start, end = _minutes(match["start"], match["start_min"]), _minutes(match["end"], match["end_min"])
        if end == start:
            raise InvalidOpeningHours(f"Horaires « {text} » : la plage « {match[0]} » est vide (début = fin).")
        if end < start:
            raise InvalidOpeningHours(
                f"Horaires « {text} » : la plage « {match[0]} » finit avant de commencer "
                "(les plages qui passent minuit ne sont pas acceptées)."
            )
    return text


def validate_opening_hours(value: str) -> None:
    """Django validator for form and model fields."""
    try:
        check(value)
    except InvalidOpeningHours as error:
        raise ValidationError(str(error), code="invalid_opening_hours") from None


def _parser_message(text: str, error: str) -> str:
    hint = ""
    if chained := CHAINED_TIMES.search(text):
        hint = f" La plage « {chained[0]} » enchaîne trois heures : écrivez « début-fin », séparées par des virgules."
    elif lone := LONE_TIME.search(text):
        hint = f" L'heure « {lone[0]} » est seule : une plage « début-fin » est attendue."
    elif "h" in text.lower() and re.search(r"\d\s*h", text, re.IGNORECASE):
        hint = " Les heures s'écrivent « 09:00 », pas « 9h »."
    position = PARSER_POSITION.search(error)
    where = f" (erreur vers le caractère {position[1]})" if position else ""
    return f"Horaires « {text} » illisibles : syntaxe OpenStreetMap attendue{where}.{hint} Exemple : « {EXAMPLE} »."


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


# --- the weekly subset --------------------------------------------------------------------------------------


def parse_weekly(value: str) -> WeeklyHours:
    """Read valid opening hours into a weekly table; UnsupportedOpeningHours when they use more than the subset."""
    text = check(value)
    days: list[tuple[Span, ...]] = [()] * 7
    holidays_closed = False
    for rule in (part.strip() for part in text.split(";")):
        if not rule:
            continue
        if rule == "24/7":
            days = [(FULL_DAY,)] * 7
            continue
        match = RULE.fullmatch(rule)
        if match is None or not (match["days"] or match["what"]):
            raise UnsupportedOpeningHours(f"Règle « {rule} » hors du sous-ensemble pris en charge.")
        selector, what = (match["days"] or "").lower(), (match["what"] or "").lower()
        spans = () if what in ("off", "closed") else _spans(what) if what else (FULL_DAY,)
        if selector == "ph":
            if spans:
                raise UnsupportedOpeningHours(f"Règle « {rule} » : seul « PH off » est pris en charge.")
            holidays_closed = True
            continue
        for index in _day_indices(selector) if selector else range(7):
            days[index] = spans
    return WeeklyHours(days=tuple(days), closed_on_public_holidays=holidays_closed)


def _spans(text: str) -> tuple[Span, ...]:
    spans = []
    for match in SPAN.finditer(text):
        end = _minutes(match["end"], match["end_min"])
        if end > FULL_DAY[1]:
            raise UnsupportedOpeningHours(f"Plage « {match[0]} » au-delà de minuit.")
        spans.append((_minutes(match["start"], match["start_min"]), end))
    return tuple(sorted(spans))


def _day_indices(selector: str) -> list[int]:
    indices = []
    for part in selector.split(","):
        first, _, last = part.partition("-")
        start = DAYS.index(first.capitalize())
        stop = DAYS.index(last.capitalize()) if last else start
        indices.extend((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
    return indices


def to_osm(hours: WeeklyHours) -> str:
    """The OSM expression of a weekly table: days with the same spans grouped ("Mo-Fr 09:00-12:00; Sa 10:00-12:00")."""
    if hours.is_always_open:
        return "24/7"
    rules = [f"{_osm_days(days)} {','.join(_osm_span(span) for span in spans)}" for spans, days in _groups(hours)]
    if not rules:
        rules = ["off"]
    if hours.closed_on_public_holidays:
        rules.append("PH off")
    return "; ".join(rules)


def _groups(hours: WeeklyHours) -> list[tuple[tuple[Span, ...], list[int]]]:
    """Open days grouped by identical spans, in the order of each group's first day."""
    groups: dict[tuple[Span, ...], list[int]] = {}
    for index, spans in enumerate(hours.days):
        if spans:
            groups.setdefault(spans, []).append(index)
    return list(groups.items())


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for index in indices:
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return [(first, last) for first, last in runs]


def _osm_days(indices: list[int]) -> str:
    parts = []
    for first, last in _runs(indices):
        if last - first >= 2:
            parts.append(f"{DAYS[first]}-{DAYS[last]}")
        else:
            parts.extend(DAYS[index] for index in range(first, last + 1))
    return ",".join(parts)


def _osm_span(span: Span) -> str:
    return f"{span[0] // 60:02d}:{span[0] % 60:02d}-{span[1] // 60:02d}:{span[1] % 60:02d}"


# --- in French ----------------------------------------------------------------------------------------------


def french_time(minutes: int) -> str:
    """9 h, 13 h 30, 24 h."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def french_spans(spans: tuple[Span, ...]) -> str:
    if spans == (FULL_DAY,):
        return "24 h sur 24"
    return ", ".join(f"{french_time(start)}–{french_time(end)}" for start, end in spans)


def _french_days(indices: list[int]) -> str:
    items = []
    for first, last in _runs(indices):
        if last - first >= 2:
            items.append(f"du {DAY_NAMES[first]} au {DAY_NAMES[last]}")
        else:
            items.extend(DAY_NAMES[index] for index in range(first, last + 1))
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"


def describe(value: str) -> str:
    """Opening hours as one French sentence: "du lundi au vendredi 9 h–12 h, 13 h 30–17 h ; samedi 9 h–12 h".

    Raises InvalidOpeningHours or UnsupportedOpeningHours rather than paraphrase what it cannot read.
    """
    hours = parse_weekly(value)
    if hours.is_always_open:
        return "ouvert 24 h sur 24, 7 jours sur 7"
    parts = [f"{_french_days(indices)} {french_spans(spans)}" for spans, indices in _groups(hours)] or ["fermé"]
    if hours.closed_on_public_holidays:
        parts.append("fermé les jours fériés")
    return " ; ".join(parts)


def day_lines(value: str) -> list[tuple[str, str]]:
    """One line per day ("lundi", "9 h–12 h, 13 h 30–17 h"), closed days included, then public holidays if closed."""
    hours = parse_weekly(value)
    days = zip(DAY_NAMES, hours.days, strict=True)
    lines = [(name, french_spans(spans) if spans else "fermé") for name, spans in days]
    if hours.closed_on_public_holidays:
        lines.append(("jours fériés", "fermé"))
    return lines


@dataclass(frozen=True)
class Display:
    """What a page shows: the French sentence and day lines, or the expression as written when beyond the subset."""

    raw: str
    sentence: str = ""
    lines: tuple[tuple[str, str], ...] = ()

    @property
    def in_french(self) -> bool:
        return bool(self.sentence)


def display(value: str) -> Display | None:
    if not (value or "").strip():
        return None
    try:
        return Display(raw=value, sentence=describe(value), lines=tuple(day_lines(value)))
    except OpeningHoursError:
        return Display(raw=value)


# --- converters from other files ----------------------------------------------------------------------------

H_NOTATION = re.compile(r"(?<![\d:])(\d{1,2})\s*[hH]\s*(\d{2})?(?![\d:])")
FRANCE_SERVICES_SPAN = re.compile(r"(\d{1,2})\s*:\s*(\d{2})\s*-\s*(\d{1,2})\s*:\s*(\d{2})")
FRANCE_SERVICES_SEPARATORS = re.compile(r"^[\s/,;]*$|^\s*et\s*$", re.IGNORECASE)
FRANCE_SERVICES_CLOSED = {"", "-", "fermé", "ferme"}


def _h_to_colon(text: str) -> str:
    """ "9h" → "09:00", "13h30" → "13:30": a notation, not a guess."""
    return H_NOTATION.sub(lambda m: f"{int(m[1]):02d}:{m[2] or '00'}", text)


def from_cnfs(value) -> str:
    """The `horaires` of the CnFS v0 export as valid OSM ("" when empty); InvalidOpeningHours otherwise.

    The export holds OSM expressions, a few in "9h-12h30" notation (rewritten "09:00-12:30"), and some broken ones
    ("Mo 08:22", "08:00-13:45-16:30", "14:00-14:00") that are refused: the importer keeps no hours and warns.
    """
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    if re.search(r"\d\s*[hH]", text):
        text = _h_to_colon(text)
    return check(text)


def from_france_services(columns: Mapping[str, str], day_columns: tuple[str, ...]) -> str:
    """OSM opening hours from the France Services per-day columns (Monday first): "09:00 - 12:00 / 13:30 - 17:00".

    An empty or "-" day is closed, and so is a "00:00 - 00:00" span; all days empty means the hours are unknown
    (""). Days not in the file (Sunday) are closed. A day that is not a list of "début - fin" spans raises
    InvalidOpeningHours naming the day.
    """
    days: list[tuple[Span, ...]] = [()] * 7
    for index, column in enumerate(day_columns):
        days[index] = _france_services_day(DAY_NAMES[index], columns.get(column) or "")
    if not any(days):
        return ""
    return check(to_osm(WeeklyHours(days=tuple(days))))


def _france_services_day(day: str, value: str) -> tuple[Span, ...]:
    text = _h_to_colon(" ".join(value.split()))
    if text.lower() in FRANCE_SERVICES_CLOSED:
        return ()
    spans, position = [], 0
    for match in FRANCE_SERVICES_SPAN.finditer(text):
        if not FRANCE_SERVICES_SEPARATORS.match(text[position : match.start()]):
            break
        start, end = _minutes(match[1], match[2]), _minutes(match[3], match[4])
        position = match.end()
        if start == end == 0:
            continue  # "00:00 - 00:00": the list's placeholder for a half-day without opening
        if not (0 <= start < end <= FULL_DAY[1]) or int(match[2]) > 59 or int(match[4]) > 59:
            raise InvalidOpeningHours(f"Horaires du {day} « {value} » : plage « {match[0]} » impossible.")
        spans.append((start, end))
    if position == 0 or not FRANCE_SERVICES_SEPARATORS.match(text[position:]):
        raise InvalidOpeningHours(
            f"Horaires du {day} « {value} » illisibles : plages « 09:00 - 12:00 / 13:30 - 17:00 » attendues."
        )
    return tuple(sorted(spans))
