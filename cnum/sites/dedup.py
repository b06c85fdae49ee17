"""Is a row of one source a site another source already described? (docs/sites-mapping.md, "Doublons")

Two rules, each enough to propose a duplicate for review (never to merge on its own):
- same SIRET (pivot), same postal code and a similar street (normalized token similarity ≥ 0.8);
- coordinates within 100 m and a similar name (normalized token similarity ≥ 0.8).
Similarity is difflib's ratio on the sorted words of `territories.lookup.normalize_name` (case, accents and word
order aside). Sites of the importing source itself, or already holding a record of it, are not candidates.
"""

import math
from dataclasses import dataclass
from difflib import SequenceMatcher

from cnum.sites.models import Site
from cnum.territories.lookup import normalize_name

SIMILAR = 0.8
NEAR_METRES = 100
EARTH_RADIUS_METRES = 6_371_000
CELL = 0.01  # degrees of the coarse grid used to find close sites (about 1.1 km of latitude)


def similarity(first: str, second: str) -> float:
    words = [" ".join(sorted(normalize_name(text).split())) for text in (first, second)]
    if not all(words):
        return 0.0
    return SequenceMatcher(None, *words).ratio()


def distance_metres(first: tuple[float, float], second: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    half = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(half))


@dataclass(frozen=True)
class Match:
    site: Site
    score: float
    reasons: tuple[str, ...]


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return int(latitude // CELL), int(longitude // CELL)


class DuplicateFinder:
    """The sites of other sources, indexed once per import by postal code and by a coarse grid of coordinates."""

    def __init__(self, *, source: str):
        sites = Site.objects.exclude(source=source).exclude(provenance__source=source)
        self.by_postal_code: dict[str, list[Site]] = {}
        self.by_cell: dict[tuple[int, int], list[Site]] = {}
        for site in sites.only("id", "source", "name", "pivot", "address", "postal_code", "latitude", "longitude"):
            self.by_postal_code.setdefault(site.postal_code, []).append(site)
            if site.latitude is not None and site.longitude is not None:
                self.by_cell.setdefault(_cell(site.latitude, site.longitude), []).append(site)

    def _near(self, latitude: float, longitude: float) -> list[Site]:
        row, column = _cell(latitude, longitude)
        return [
            site for dr in (-1, 0, 1) for dc in (-1, 0, 1) for site in self.by_cell.get((row + dr, column + dc), ())
        ]

    def best(self, values: dict) -> Match | None:
        """The most similar site of another source under either rule, or None."""
        matches = [*self._by_siret(values), *self._by_place(values)]
        return max(matches, key=lambda match: match.score, default=None)

    def _by_siret(self, values: dict):
        if not values.get("pivot"):
            return
        for site in self.by_postal_code.get(values["postal_code"], ()):
            if site.pivot != values["pivot"]:
                continue
            street = similarity(site.address, values["address"])
            if street >= SIMILAR:
                reasons = ("même SIRET", f"même code postal {site.postal_code}", f"adresse semblable ({street:.0%})")
                yield Match(site, round(0.5 + street / 2, 3), reasons)

    def _by_place(self, values: dict):
        if values.get("latitude") is None or values.get("longitude") is None:
            return
        here = (values["latitude"], values["longitude"])
        for site in self._near(*here):
            metres = distance_metres(here, (site.latitude, site.longitude))
            if metres > NEAR_METRES:
                continue
            name = similarity(site.name, values["name"])
            if name >= SIMILAR:
                reasons = (f"à {metres:.0f} m", f"nom semblable ({name:.0%})")
                yield Match(site, round(name * (1 - metres / (4 * NEAR_METRES)), 3), reasons)
