"""The sites near a point under the public map's filters — one function for the map page and the API — and the point
a visitor means by a commune name or a postal code.

Communes carry no coordinates in the COG: the point of a commune is the centre of its published sites (their mean
position), or, when it has none, of those of the communes of its postal code or département.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Avg

from cnum.sites import schema
from cnum.sites.opening_now import is_open
from cnum.territories.enums import LookupStatus
from cnum.territories.lookup import find_commune
from cnum.territories.models import Commune, PostalCode

MAX_RADIUS_KM = 100
DEFAULT_RADIUS_KM = 10


@dataclass(frozen=True)
class MapFilters:
    """The map's filters: values of the national schema's enumerations ("" for any), and three yes-or-any."""

    service: str = ""
    public: str = ""
    support: str = ""
    free: bool = False
    appointment: bool = False
    open_now: bool = False


def canonical(name: str, value: str) -> str | None:
    """The schema's spelling of an enumerated value ("" when empty), None when the value is not in the schema."""
    if not value:
        return ""
    return schema.enumeration(name).canonical(value)


def filtered(sites, filters: MapFilters, *, now: datetime.datetime):
    """`sites` under the map's filters; a list when "open now" is asked (hours are read in Python)."""
    if filters.service:
        sites = sites.offering(filters.service)
    if filters.public:
        sites = sites.for_public(filters.public)
    if filters.support:
        sites = sites.with_support(filters.support)
    if filters.free:
        sites = sites.free_of_charge()
    if filters.appointment:
        sites = sites.by_appointment()
    if filters.open_now:
        return [site for site in sites if is_open(site.opening_hours, now, site.departement_id)]
    return sites


def nearby(sites, *, latitude: float, longitude: float, radius_km: float, filters: MapFilters, now):
    """The sites within `radius_km` of the point, nearest first (each with `distance_km`), under `filters`."""
    return filtered(sites.within_km(latitude, longitude, radius_km), filters, now=now)


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


def place_of(text: str, sites) -> Place | None:
    """The point of a commune name or a postal code typed by a visitor (see the module's docstring), None when no
    commune matches or none has a located site nearby."""
    text = " ".join(text.split())
    if not text:
        return None
    if text.isdigit():
        codes = PostalCode.objects.filter(code=text).values_list("commune_id", flat=True)
        # Municipal arrondissements (Lyon 3e…) and communes déléguées count with their commune.
        served = Commune.objects.filter(pk__in=codes).select_related("parent").order_by("-population", "code")
        matches = list({c.pk: c for commune in served for c in (commune, commune.municipality)}.values())
        label = f"{text} {matches[0].name}" if matches else text
    else:
        matches = _communes_named(text)
        label = matches[0].name if matches else text
    if not matches:
        return None
    located = sites.filter(latitude__isnull=False, longitude__isnull=False)
    for scope in (
        {"commune__in": matches},
        {"commune__departement__in": {c.departement_id for c in matches}},
    ):
        centre = located.filter(**scope).aggregate(latitude=Avg("latitude"), longitude=Avg("longitude"))
        if centre["latitude"] is not None:
            return Place(label, centre["latitude"], centre["longitude"])
    return None


def _communes_named(text: str) -> list[Commune]:
    """The commune of that name (the territories lookup: accents, hyphens, "St" do not matter); of several communes
    of that name, the most populous."""
    result = find_commune(name=text)
    if result.ok:
        return [result.commune.municipality]
    if result.status != LookupStatus.AMBIGUOUS or not result.candidates:
        return []
    candidates = Commune.objects.current().filter(code__in=[code for code, _ in result.candidates])
    best = candidates.order_by("-population", "code").first()
    return [best] if best else []
