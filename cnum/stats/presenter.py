"""The dashboard of a scope, a period and filters, built once and rendered four ways: the HTML page
(cnum.stats.views), the CSV and XLSX exports and the PDF fiche (cnum.stats.exports).

`build()` reads the figures (cnum.stats.engine), the programme's registry figures, the scopes one level down and,
for short periods, the daily series. `Dashboard.tables()` gives every figure as titled tables of raw values (what
the CSV and the XLSX write, what the fiche prints); `Dashboard.html_context()` gives the same rows with their charts
and map. Which sections a dashboard has depends on its scope (`SECTIONS`): an advisor's dashboard has no map, no
public/private split and no programme figures, which would only say "1 conseiller en poste, 100 %".
"""

import datetime
import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from cnum.advisors.models import Advisor
from cnum.core.formatting import NARROW_NBSP, number, percent
from cnum.stats import cached, charts, engine, indicators, maps, perms
from cnum.stats.catalogue import BREAKDOWNS, ENTRIES, MEASURE, MEASURES, SPLIT, Unit
from cnum.stats.forms import ADVISOR_PARAMETER
from cnum.stats.programme import programme_figures
from cnum.stats.scopes import EMPLOYER_KINDS, Filters, Scope, ScopeKind, activities
from cnum.structures.models import Structure
from cnum.territories.models import Departement, Region

Table = tuple[str, list[str], list[list]]

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
NOT_APPLICABLE = "sans objet"
#: The daily series is drawn for periods up to this many days (computed live: docs/statistics.md).
DAILY_SERIES_DAYS = 92
#: The tiles: every measure of the catalogue marked as one.
TILE_KEYS = tuple(measure.key for measure in MEASURES if measure.tile)


class Section(enum.StrEnum):
    """The parts of a dashboard that only some scopes have."""

    #: Advisors in post and advisors recording: a count of advisors, meaningless for one advisor.
    ADVISOR_COUNTS = "advisor_counts"
    #: Posts granted and filled, the activation rate, structures and posts by employer (registry figures).
    PROGRAMME = "programme"
    #: The public/private split: one employer (a structure, its teams, an advisor) is all one or all the other.
    EMPLOYER_SPLIT = "employer_split"
    #: The map of France by département: drawn for scopes that may span several.
    MAP = "map"


_WIDE = frozenset(Section)
#: Which sections apply, per scope kind (a scope narrowed to one advisor is an advisor's dashboard).
SECTIONS: dict[ScopeKind, frozenset[Section]] = {
    ScopeKind.NATIONAL: _WIDE,
    ScopeKind.REGION: _WIDE,
    ScopeKind.HUB: _WIDE,
    ScopeKind.NETWORK: _WIDE,
    ScopeKind.EPCI: _WIDE,
    ScopeKind.DEPARTEMENT: _WIDE - {Section.MAP},
    ScopeKind.COMMUNE: _WIDE - {Section.MAP},
    ScopeKind.STRUCTURE: frozenset({Section.ADVISOR_COUNTS, Section.PROGRAMME}),
    ScopeKind.TEAM: frozenset({Section.ADVISOR_COUNTS}),
    ScopeKind.ADVISOR: frozenset(),
}
assert SECTIONS.keys() == set(ScopeKind)
ADVISOR_COUNT_KEYS = frozenset({"advisors_in_post", "advisors_recording"})


def sections_of(scope: Scope, filters: Filters) -> frozenset[Section]:
    return SECTIONS[ScopeKind.ADVISOR if filters.advisor else scope.kind]


# --- building -----------------------------------------------------------------------------------------------------


def registry_day(until: datetime.date | None, today: datetime.date | None = None) -> datetime.date:
    """The day the registry is read on: the end of the period, or today when the period runs on or is open."""
    today = today or timezone.localdate()
    return min(until, today) if until else today


@dataclass
class Dashboard:
    scope: Scope
    since: datetime.date | None
    until: datetime.date | None
    filters: Filters
    figures: dict
    programme: dict | None
    sections: frozenset[Section]
    children: dict | None = None
    departement_link: Callable[[str], str | None] = field(default=lambda code: None)
    #: Départements the map withholds (the public page: cnum.stats.disclosure).
    secret: frozenset[str] = frozenset()

    def has(self, section: Section) -> bool:
        return section in self.sections

    @property
    def tile_keys(self) -> list[str]:
        keys = [key for key in TILE_KEYS if key in self.figures]
        return keys if self.has(Section.ADVISOR_COUNTS) else [k for k in keys if k not in ADVISOR_COUNT_KEYS]

    @property
    def split_keys(self) -> list[str]:
        keys = ["individual_vs_collective", "by_employer_type", "followed_vs_anonymous"]
        return keys if self.has(Section.EMPLOYER_SPLIT) else [k for k in keys if k != "by_employer_type"]

    # --- the figures as tables (CSV, XLSX, the fiche) ---

    def tables(self) -> list[Table]:
        """Every figure as (title, headers, rows) tables of raw values; shares are whole percentages."""
        figures = self.figures
        tables = [self.key_figures_table()]
        tables += [split_table(figures, key) for key in self.split_keys]
        tables += [breakdown_table(figures, breakdown) for breakdown in shown_breakdowns(figures)]
        months = [[month, c["activities"], c["accompaniments"]] for month, c in figures["by_month"].items()]
        tables.append((SPLIT["by_month"].label, ["Mois", "Activités", "Accompagnements"], months))
        if self.has(Section.MAP):
            tables.append(departements_table(figures["by_departement"]))
        if self.children and "single" not in self.children:
            rows = [[row["label"], row["activities"], row["accompaniments"]] for row in self.children["rows"]]
            tables.append((self.children["title"], ["Nom", "Activités", "Accompagnements"], rows))
        if self.programme is not None and self.has(Section.PROGRAMME):
            tables += programme_tables(self.programme, by_employer=self.has(Section.EMPLOYER_SPLIT))
        computed = figures.get("computed") or {}
        if computed:
            source = [
                ["Indicateurs", engine.COMPUTED_LABELS.get(computed.get("figures"), "")],
                ["Personnes distinctes", engine.COMPUTED_LABELS.get(computed.get("people"), "")],
            ]
            tables.append(("Source des calculs", ["Calcul", "Source"], source))
        return tables

    def key_figures_table(self) -> Table:
        rows = [[row_label(MEASURE[key]), table_value(key, self.figures[key])] for key in self.tile_keys]
        rows.append(["Accompagnements de personnes suivies", self.figures["followed_vs_anonymous"]["followed"]])
        return ("Chiffres clés", ["Indicateur", "Valeur"], rows)

    # --- the page ---

    def daily(self, prefix: str) -> dict | None:
        """Activities and accompaniments per day, for periods short enough (computed live, drawn on the page only)."""
        since, until = self.since, self.until
        if not (since and until and (until - since).days <= DAILY_SERIES_DAYS):
            return None
        by_day = engine.daily_series(self.scope, since, until, self.filters)
        return series(by_day, f"{prefix}-jour", "Activités et accompagnements par jour", daily=True)

    def html_context(self, prefix: str = "tableau") -> dict:
        """Tiles, charts with their tables, the map and the programme figures the page shows."""
        figures = self.figures
        context = {
            "figures": figures,
            # No activity at all: the charts would be empty frames; the page says so once instead.
            "empty": not figures["activities"],
            "live": engine.LIVE in figures["computed"].values(),
            "tiles": [tile(figures, key) for key in self.tile_keys],
            "monthly": series(figures["by_month"], f"{prefix}-mois", "Activités et accompagnements par mois"),
            "shares": [share_section(figures, key, prefix) for key in self.split_keys],
            "breakdowns": [breakdown_section(figures, b, f"{prefix}-{b.key}") for b in shown_breakdowns(figures)],
            "map": departement_map(figures["by_departement"], f"{prefix}-carte", self.departement_link, self.secret)
            if self.has(Section.MAP)
            else None,
            "definitions": definitions(),
            "children": self.children,
            "daily": self.daily(prefix),
            "daily_days": DAILY_SERIES_DAYS,
        }
        if self.programme is not None and self.has(Section.PROGRAMME):
            context.update(programme_context(self.programme, by_employer=self.has(Section.EMPLOYER_SPLIT)))
        return context


def shown_breakdowns(figures: dict) -> list:
    """The breakdowns a dashboard shows: all, but a table breakdown (tags) only when the reader has some."""
    return [breakdown for breakdown in BREAKDOWNS if figures[breakdown.key] or not breakdown.table]


def build(
    scope: Scope,
    since: datetime.date | None,
    until: datetime.date | None,
    filters: Filters | None = None,
    *,
    user=None,
    scope_url: Callable[[Scope], str] | None = None,
) -> Dashboard:
    """The dashboard of `scope` from `since` to `until` under `filters`. With a `user` and a `scope_url`, the scopes
    one level down are listed (each linked when the user may open it) and the map links the départements."""
    filters = filters or Filters()
    figures = engine.figures(scope, since, until, filters)
    # The registry's figures at the end of the period (engine.registry_figures), read once for the advisors in post
    # and the programme section, and cached until the registry changes (cnum.stats.dashboard_cache).
    registry = cached.programme_figures(scope, registry_day(until))
    figures["advisors_in_post"] = registry["advisors_in_post"]
    # Tags by name, only those the reader sees (none without a reader: a command's fiche, the public)
    figures["by_tag"] = perms.readable_tags(figures["by_tag"], user) if user is not None else {}
    sections = sections_of(scope, filters)
    programme = registry if Section.PROGRAMME in sections else None
    result = Dashboard(scope, since, until, filters, figures, programme, sections)
    if user is not None and scope_url is not None:
        links = _Links(user, scope_url)
        result.departement_link = links.departement
        result.children = _children(links, scope, figures, since, until, filters)
        if result.children and len(result.children["rows"]) == 1:
            # A table of one row would repeat the dashboard's own totals: the page links the one child instead.
            result.children["single"] = result.children["rows"][0]
    return result


# --- the scopes one level down ------------------------------------------------------------------------------------


class _Links:
    """Links to other dashboards, for the scopes the user may open (each asked once per dashboard)."""

    def __init__(self, user, scope_url: Callable[[Scope], str]):
        self.user, self.url = user, scope_url
        self._departements: dict[str, str | None] = {}

    def of(self, scope: Scope) -> str | None:
        return self.url(scope) if perms.can_view(self.user, scope) else None

    def departement(self, code: str) -> str | None:
        if code == indicators.NO_DEPARTEMENT:
            return None
        if code not in self._departements:
            self._departements[code] = self.of(Scope(ScopeKind.DEPARTEMENT, code))
        return self._departements[code]


def _children(links: _Links, scope: Scope, figures: dict, since, until, filters: Filters) -> dict | None:
    """The scopes one level down, with their activities and accompaniments, each linked when the user may see it."""
    if scope.kind in (ScopeKind.NATIONAL, ScopeKind.REGION, ScopeKind.HUB):
        departements = Departement.objects.select_related("region").in_bulk(figures["by_departement"].keys())
        if scope.kind == ScopeKind.NATIONAL:
            return _by_region(links, figures["by_departement"], departements)
        rows = [
            (Scope(ScopeKind.DEPARTEMENT, code), str(departements[code]), counts)
            for code, counts in figures["by_departement"].items()
            if code in departements
        ]
        return _rows(links, "Départements", rows)
    if scope.kind in (ScopeKind.DEPARTEMENT, ScopeKind.EPCI, ScopeKind.COMMUNE, ScopeKind.NETWORK):
        counts = engine.by_structure(scope, since, until, filters)
        names = Structure.objects.in_bulk(counts.keys())
        rows = [(Scope(ScopeKind.STRUCTURE, str(pk)), names[pk].name, counts[pk]) for pk in counts if pk in names]
        return _rows(links, "Structures employeuses", rows)
    if scope.kind in (ScopeKind.STRUCTURE, ScopeKind.TEAM) and not filters.advisor:
        # Advisors' rollup rows cover all their employers: a structure's or a team's share is counted live (small).
        counts = engine.counts_by(activities(scope, since, until, filters), "advisor_id")
        return _advisor_rows(links, scope, counts)
    return None


def _advisor_rows(links: _Links, scope: Scope, counts: dict) -> dict:
    """A structure's or a team's advisors, each linked to this scope narrowed to them (its share of their figures,
    not their whole history); a name the user may not see in the registry is hidden."""
    advisors = Advisor.objects.in_bulk(counts.keys())
    readable = set(Advisor.objects.visible_to(links.user).filter(pk__in=counts.keys()).values_list("pk", flat=True))
    result = []
    for pk in sorted(counts, key=lambda pk: (-counts[pk]["accompaniments"], advisors[pk].full_name)):
        url = f"{links.url(scope)}&{ADVISOR_PARAMETER}={pk}" if pk in readable else None
        label = advisors[pk].full_name if pk in readable else "Conseiller hors de votre périmètre"
        result.append({"label": label, "url": url, **counts[pk]})
    return {"title": "Conseillers numériques", "rows": result}


def _by_region(links: _Links, by_departement: dict, departements: dict) -> dict:
    totals: dict[str, dict[str, int]] = {}
    for code, counts in by_departement.items():
        if code in departements:
            region = totals.setdefault(departements[code].region_id, {"activities": 0, "accompaniments": 0})
            region["activities"] += counts["activities"]
            region["accompaniments"] += counts["accompaniments"]
    names = Region.objects.in_bulk(totals.keys())
    rows = [(Scope(ScopeKind.REGION, code), str(names[code]), counts) for code, counts in totals.items()]
    return _rows(links, "Régions", rows)


def _rows(links: _Links, title: str, rows: list) -> dict:
    """Rows sorted by accompaniments, each linked when the user may open it."""
    allowed = perms.viewable(links.user, [row[0] for row in rows])
    result = []
    for scope, name, counts in sorted(rows, key=lambda row: (-row[2]["accompaniments"], row[1])):
        result.append({"label": name, "url": links.url(scope) if scope in allowed else None, **counts})
    return {"title": title, "rows": result}


# --- tables -------------------------------------------------------------------------------------------------------


def row_label(measure) -> str:
    return f"{measure.label} (%)" if measure.unit == Unit.RATE else measure.label


def table_value(key: str, value):
    """A figure as a table cell: rates as percentages with one decimal, "sans objet" when there is none."""
    if key in MEASURE and MEASURE[key].unit == Unit.RATE:
        return NOT_APPLICABLE if value is None else round(value * 100, 1)
    return value


def split_table(figures: dict, key: str) -> Table:
    split = SPLIT[key]
    if key == "followed_vs_anonymous":
        followed = figures[key]
        shares = indicators.round_shares(followed)
        rows = [[split.labels[kind], followed[kind], shares[kind]] for kind in ("followed", "anonymous")]
        return (split.label, ["Personnes", "Accompagnements", "Part des accompagnements (%)"], rows)
    first = {"individual_vs_collective": "Type", "by_employer_type": "Employeur"}[key]
    groups = figures[key]
    rows = [[split.labels.get(k, k), c["activities"], c["accompaniments"], c["share"]] for k, c in groups.items()]
    return (split.label, [first, "Activités", "Accompagnements", "Part des activités (%)"], rows)


def breakdown_table(figures: dict, breakdown) -> Table:
    counts = figures[breakdown.key]
    shares = indicators.round_shares(counts)
    # A multi-valued breakdown counts an activity once per value: its shares are shares of the mentions.
    share = "Part des mentions (%)" if breakdown.many else "Part (%)"
    rows = [[breakdown.label_of(value), count, shares[value]] for value, count in _ordered(breakdown, counts)]
    return (breakdown.title, [breakdown.column_title, breakdown.counted, share], rows)


def _ordered(breakdown, counts: dict) -> list[tuple[str, int]]:
    """Values in their natural order (durations, ages) when the breakdown has one, else as counted (largest first)."""
    order = [value for value in breakdown.values if value in counts] if breakdown.natural_order else list(counts)
    order += [value for value in counts if value not in order]
    return [(value, counts[value]) for value in order]


def departements_table(groups: dict) -> Table:
    names = dict(Departement.objects.filter(code__in=list(groups)).values_list("code", "name"))
    rows = []
    for code, counts in groups.items():
        if code == indicators.NO_DEPARTEMENT:
            rows.append(["", "Sans département", counts["activities"], counts["accompaniments"]])
        else:
            rows.append([code, names.get(code, ""), counts["activities"], counts["accompaniments"]])
    return ("Par département", ["Code", "Département", "Activités", "Accompagnements"], rows)


def programme_tables(programme: dict, *, by_employer: bool = True) -> list[Table]:
    rate = programme.get("activation_rate")
    # The advisors in post are a key figure already (the same read of the registry): not repeated here.
    rows = [
        ["Postes accordés", programme["posts_granted"]],
        ["Postes pourvus", programme["posts_filled"]],
        ["Taux d'activation des postes (%)", NOT_APPLICABLE if rate is None else round(rate * 100, 1)],
    ]
    tables = [("Programme", ["Indicateur", "Valeur"], rows)]
    structures, posts = programme.get("structures_by_employer"), programme.get("posts_by_employer")
    if by_employer and structures and posts:
        employers = [
            [label, structures.get(kind, 0), posts.get(kind, 0), posts.get("shares", {}).get(kind, 0)]
            for kind, label in EMPLOYER_KINDS.items()
        ]
        headers = ["Employeur", "Structures", "Postes accordés", "Part des postes (%)"]
        tables.append(("Structures et postes par employeur", headers, employers))
    return tables


# --- what the page draws ------------------------------------------------------------------------------------------


def definition(key: str) -> dict[str, str]:
    """{"label", "short", "text"} of a figure, from the catalogue (cnum.stats.catalogue)."""
    entry = ENTRIES[key]
    return {"label": entry.label, "short": entry.short, "text": entry.definition}


def definitions() -> list[dict[str, str]]:
    return [{"key": key, **definition(key)} for key in ENTRIES]


def shown(key: str, value) -> str:
    """A figure as pages show it: French grouping, whole percentages, "sans objet" when there is none."""
    unit = MEASURE[key].unit if key in MEASURE else Unit.COUNT
    if unit == Unit.RATE or value is None:
        return percent(value, missing=NOT_APPLICABLE)
    return number(value)


def tile(figures: dict, key: str) -> dict:
    return {"key": key, "value": shown(key, figures[key]), **definition(key)}


def month_label(month: str) -> str:
    """ "2025-03" → "mars 2025"."""
    year, index = month.split("-")
    return f"{MONTHS[int(index) - 1]} {year}"


def series(by_period: dict, chart_id: str, title: str, *, daily: bool = False) -> dict:
    """A column chart of activities and accompaniments per month ("AAAA-MM") or per day ("AAAA-MM-JJ")."""
    labels = [_day_label(period) if daily else month_label(period) for period in by_period]
    values = [
        ("Activités", [counts["activities"] for counts in by_period.values()]),
        ("Accompagnements", [counts["accompaniments"] for counts in by_period.values()]),
    ]
    return {
        "id": chart_id,
        "title": title,
        "definition": definition("by_day" if daily else "by_month")["text"],
        "chart": charts.column_chart(chart_id, title, labels, values),
        "headers": ["Jour" if daily else "Mois", "Activités", "Accompagnements"],
        "rows": [[label, *(column[index] for _, column in values)] for index, label in enumerate(labels)],
    }


def _day_label(day: str) -> str:
    return datetime.date.fromisoformat(day).strftime("%d/%m/%Y")


def share_section(figures: dict, key: str, prefix: str) -> dict:
    """A split as a bar of 100 % and its table: the rows of `split_table`, shares written "12 %"."""
    title, headers, rows = split_table(figures, key)
    # The bar shares out the first counted column: activities, or accompaniments for followed people.
    items = [charts.Item(row[0], row[1], row[-1]) for row in rows]
    chart_id = f"{prefix}-{key}"
    return {
        "id": chart_id,
        "title": title,
        "definition": definition(key)["text"],
        "chart": charts.share_bar(chart_id, title, items),
        "headers": ["", *(header.removesuffix(" (%)") for header in headers[1:])],
        "rows": [[*row[:-1], f"{row[-1]}{NARROW_NBSP}%"] for row in rows],
    }


def breakdown_section(figures: dict, breakdown, chart_id: str) -> dict:
    counts = _ordered(breakdown, figures[breakdown.key])
    items = [charts.Item(breakdown.label_of(value), count) for value, count in counts]
    return {
        "id": chart_id,
        "title": breakdown.title,
        "definition": breakdown.definition,
        "chart": charts.bar_chart(chart_id, breakdown.title, items),
        "headers": ["", breakdown.counted],
        "rows": [[entry.label, entry.value] for entry in items],
    }


def departement_map(by_departement: dict, chart_id: str, link, secret: frozenset[str] = frozenset()) -> dict:
    names = dict(Departement.objects.values_list("code", "name"))
    values = {code: counts["accompaniments"] for code, counts in by_departement.items()}
    title = "Accompagnements par département de la structure employeuse"
    drawn = maps.choropleth(chart_id, title, values, names=names, unit="accompagnements", link=link, secret=secret)
    rows = [
        {
            "code": code,
            "name": names.get(code, "Sans département" if code == indicators.NO_DEPARTEMENT else code),
            "url": link(code),
            **({"secret": True} if code in secret else counts),
        }
        for code, counts in by_departement.items()
    ]
    return {
        **drawn,
        "id": chart_id,
        "title": title,
        "definition": definition("by_departement")["text"],
        "rows": rows,
        "attribution": maps.ATTRIBUTION,
        "attribution_url": maps.ATTRIBUTION_URL,
    }


def programme_context(programme: dict, *, by_employer: bool = True) -> dict:
    """The programme's registry figures as the page shows them; structures and posts by employer kind only where
    the scope may have both kinds (`by_employer`)."""
    return {
        "programme": programme,
        "programme_on": datetime.date.fromisoformat(programme["on"]),
        "programme_definition": " ".join(programme_figures.__doc__.split()),
        "programme_tiles": [
            ("Postes accordés", "posts_granted", number(programme["posts_granted"])),
            ("Postes pourvus", "posts_filled", number(programme["posts_filled"])),
            ("Taux d'activation", "activation_rate", percent(programme["activation_rate"], missing=NOT_APPLICABLE)),
        ],
        "employer_kinds": [("public", "Employeur public"), ("private", "Employeur privé")] if by_employer else [],
    }
