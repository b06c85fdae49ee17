"""Whether a site is open at a given moment, and when it opens or closes next, in French ("Ouvert maintenant, ferme
à 12 h", "Fermé, ouvre lundi à 9 h"), from its OpenStreetMap opening hours (opening-hours-py, the full OSM
specification) with the French public holidays.

Public holidays: a site's hours that say nothing of them (no `PH` rule) are read as closed on public holidays,
as the programme's places (town halls, libraries, France Services…) are; hours that name `PH` are read as written.
Times are those of the site's département (overseas départements have their own time zone).
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass

import opening_hours as osm

from cnum.sites.opening_hours import DAY_NAMES, french_time

PARIS = "Europe/Paris"
#: Overseas départements whose legal time is not Paris's.
TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}
PUBLIC_HOLIDAYS = re.compile(r"\bPH\b", re.IGNORECASE)
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class OpenStatus:
    is_open: bool
    next_change: datetime.datetime | None
    text: str


def time_zone(departement: str | None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(TIME_ZONES.get(departement or "", PARIS))


def with_public_holidays(value: str) -> str:
    """The expression read for "open now": closed on public holidays unless it says otherwise."""
    value = value.strip()
    return value if PUBLIC_HOLIDAYS.search(value) else f"{value}; PH off"


def status(value: str, at: datetime.datetime, departement: str | None = None) -> OpenStatus | None:
    """Open or closed at `at` (an aware datetime) and the next change, or None when the hours are empty, invalid or
    leave the state unknown."""
    if not (value or "").strip():
        return None
    zone = time_zone(departement)
    local = at.astimezone(zone)  # opening-hours-py reads zoneinfo time zones only (not datetime.UTC)
    try:
        hours = osm.OpeningHours(with_public_holidays(value), country="FR", timezone=zone)
        state = hours.state(local)[0]
        change = hours.next_change(local)
    except (SyntaxError, ValueError, osm.ParserError):
        return None
    if state == osm.State.UNKNOWN:
        return None
    change = change.astimezone(zone) if change else None
    is_open = state == osm.State.OPEN
    if is_open:
        text = "Ouvert maintenant" + (f", ferme {_when(change, local)}" if change else "")
    else:
        text = "Fermé" + (f", ouvre {_when(change, local)}" if change else "")
    return OpenStatus(is_open=is_open, next_change=change, text=text)


def _when(moment: datetime.datetime, now: datetime.datetime) -> str:
    """ "à 12 h" (today), "demain à 9 h", "lundi à 9 h" (within the week), "le 2 janvier à 9 h"."""
    time = french_time(moment.hour * 60 + moment.minute)
    days = (moment.date() - now.date()).days
    if days == 0:
        return f"à {time}"
    if days == 1:
        return f"demain à {time}"
    if days < 7:
        return f"{DAY_NAMES[moment.weekday()]} à {time}"
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"le {day} {MONTHS[moment.month - 1]} à {time}"


def is_open(value: str, at: datetime.datetime, departement: str | None = None) -> bool:
    result = status(value, at, departement)
    return bool(result and result.is_open)
