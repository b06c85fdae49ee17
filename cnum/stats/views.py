"""Statistics pages: the dashboard of a scope (login required, cnum.stats.perms), its exports, and the public page.

Thin views: the figures come from cnum.stats.engine; what is drawn from cnum.stats.charts and cnum.stats.maps. A
scope that cannot be read or does not exist is a 404; a scope outside the active role's reach is a 403. Every label
and definition shown comes from the catalogue (cnum.stats.catalogue), as in the exports and docs/statistics.md.
"""

import datetime
import functools
from urllib.parse import quote_plus

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cnum.advisors.models import Advisor, Contract
from cnum.core import jobs
from cnum.core.formatting import NARROW_NBSP, number, percent
from cnum.stats import charts, disclosure, engine, exports, indicators, maps, perms
from cnum.stats import jobs as stats_jobs
from cnum.stats.catalogue import BREAKDOWNS, ENTRIES, MEASURE, MEASURES, SPLIT, Unit
from cnum.stats.forms import ADVISOR_PARAMETER, DashboardForm, period_label, period_slug
from cnum.stats.programme import programme_figures
from cnum.stats.scopes import Scope, ScopeError, ScopeKind, activities
from cnum.structures.models import Structure
from cnum.territories.models import Departement, Region

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
NOT_APPLICABLE = "sans objet"
#: The daily series is drawn for periods up to this many days (computed live: docs/statistics.md).
DAILY_SERIES_DAYS = 92
#: Stands for the scope in a dashboard link's query string, replaced per link (scope_url).
SCOPE_PLACEHOLDER = "__scope__"
#: The tiles: every measure of the catalogue (the registry's read at the end of the period).
TILE_KEYS = tuple(measure.key for measure in MEASURES if measure.tile)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


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


# --- pages ------------------------------------------------------------------------------------------------------


def _narrowed_for_advisor(view):
    """A coordinator or a structure manager asking for an advisor's own figures is sent to their team's or their
    structure's, narrowed to that advisor (perms.advisor_figures_scope): the activities of the membership's days, or
    those recorded under the structure — never the advisor's whole history."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        text = request.GET.get("scope", "")
        try:
            scope = Scope.parse(text) if text else None
        except ScopeError:
            scope = None
        if scope is None or scope.kind != ScopeKind.ADVISOR or ADVISOR_PARAMETER in request.GET:
            return view(request, *args, **kwargs)
        own = perms.advisor_figures_scope(request.user, int(scope.code))
        if own is None or perms.can_view(request.user, scope):
            return view(request, *args, **kwargs)
        query = request.GET.copy()
        query["scope"], query[ADVISOR_PARAMETER] = str(own), scope.code
        return redirect(f"{request.path}?{query.urlencode()}")

    return wrapper


@login_required
@_narrowed_for_advisor
def dashboard(request):
    scope = _requested_scope(request)
    form = DashboardForm(request.GET, user=request.user)
    advisor = _requested_advisor(request, scope)
    title = f"Statistiques — {scope.label}" + (f" — {advisor.full_name}" if advisor else "")
    context = {"title": title, "scope": scope, "form": form, "advisor": advisor}
    context["breadcrumb"] = _breadcrumb(request, scope)
    if form.is_valid():
        since, until = form.period
        figures = engine.figures(scope, since, until, form.filters)
        figures["by_tag"] = perms.readable_tags(figures["by_tag"], request.user)
        figures.update(engine.registry_figures(scope, until, timezone.localdate()))
        context.update(_figure_context(figures, "tableau", lambda code: _departement_link(request, code)))
        context.update(_programme_context(programme_figures(scope, on=_registry_day(until))))
        if since and until and (until - since).days <= DAILY_SERIES_DAYS:
            by_day = engine.daily_series(scope, since, until, form.filters)
            context["daily"] = _series(by_day, "tableau-jour", "Activités et accompagnements par jour", "by_day")
            context["daily_days"] = DAILY_SERIES_DAYS
        context.update(
            {
                "period": period_label(since, until),
                "children": _children(request, scope, figures, since, until, form.filters),
                "query": request.GET.urlencode(),
                "exports": [(fmt.upper(), reverse("stats:export", args=[fmt])) for fmt in CONTENT_TYPES],
            }
        )
    return render(request, "stats/dashboard.html", context)


@login_required
@_narrowed_for_advisor
def export(request, fmt: str):
    """The dashboard's figures as CSV, XLSX (cnum.stats.exports.figure_tables) or the PDF fact sheet."""
    scope = _requested_scope(request)
    form = DashboardForm(request.GET, user=request.user)
    advisor = _requested_advisor(request, scope)
    if not form.is_valid():
        errors = " ".join(message for messages in form.errors.values() for message in messages)
        return HttpResponseBadRequest(f"Période ou filtres invalides : {errors}", content_type="text/plain")
    since, until = form.period
    narrowed = f"-conseiller-{advisor.pk}" if advisor else ""
    filename = f"statistiques-{str(scope).replace(':', '-')}{narrowed}-{period_slug(since, until)}.{fmt}"
    if fmt == "pdf":
        return _fiche_in_background(request, scope, period_label(since, until), filename)
    figures = engine.figures(scope, since, until, form.filters)
    figures["by_tag"] = perms.readable_tags(figures["by_tag"], request.user)
    figures.update(engine.registry_figures(scope, until, timezone.localdate()))
    tables = exports.figure_tables(figures, programme_figures(scope, on=_registry_day(until)))
    content = exports.as_csv(tables) if fmt == "csv" else exports.as_xlsx(tables)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def public_secret(by_departement: dict) -> frozenset[str]:
    """Départements whose figures the public page withholds: fewer than 5 activities or accompaniments, plus enough
    others that none can be recomputed from the national totals shown on the same page."""
    table = {(code, "total"): min(c["activities"], c["accompaniments"]) for code, c in by_departement.items()}
    return frozenset(code for code, _ in disclosure.suppress(table, disclosure.THRESHOLD, (disclosure.COLUMNS,)))


def _registry_day(until):
    """The day the registry is read on: the end of the period, or today when the period runs on or is open."""
    today = timezone.localdate()
    return min(until, today) if until else today


# --- scope and navigation ----------------------------------------------------------------------------------------


def _fiche_in_background(request, scope: Scope, period: str, filename: str):
    """The PDF fact sheet is prepared by a background task (cnum.stats.jobs): GET offers it, POST queues it and
    leads to the task's page, which offers the file when it is ready."""
    query = request.GET.urlencode()
    if request.method != "POST":
        context = {"title": "Fiche PDF", "scope": scope, "period": period, "query": query}
        return render(request, "stats/export_pdf.html", context)
    job = jobs.start(
        kind=stats_jobs.FICHE,
        label=f"Fiche PDF « {scope.label} » — {period}",
        user=request.user,
        params={"scope": str(scope), "query": query, "filename": filename},
    )
    return redirect("core:job_detail", job_id=job.pk)


def _requested_scope(request) -> Scope:
    text = request.GET.get("scope", "").strip()
    if text:
        try:
            scope = Scope.parse(text)
            scope.check_exists()
        except ScopeError as error:
            raise Http404(str(error)) from None
    else:
        scope = perms.default_scope(request.user)
        if scope is None:
            raise PermissionDenied("Votre rôle ne donne accès à aucune statistique.")
    if not perms.can_view(request.user, scope):
        raise PermissionDenied("Ces statistiques sont hors de votre périmètre.")
    return scope


def _requested_advisor(request, scope: Scope) -> Advisor | None:
    """The advisor the scope is narrowed to (`conseiller`): 404 when unreadable or unknown, 403 when the user may
    not read that advisor within this scope (perms.can_narrow_to_advisor)."""
    text = request.GET.get(ADVISOR_PARAMETER, "").strip()
    if not text:
        return None
    advisor = Advisor.objects.filter(pk=int(text)).first() if text.isdigit() else None
    if advisor is None:
        raise Http404("Conseiller introuvable.")
    if not perms.can_narrow_to_advisor(request.user, scope, advisor.pk):
        raise PermissionDenied("Les statistiques de ce conseiller sont hors de votre périmètre.")
    return advisor


def scope_url(request, scope: Scope) -> str:
    """The dashboard of `scope` for the same period and filters."""
    # A page links to a hundred scopes or more: the query string is encoded once per request, the scope replaced.
    template = getattr(request, "_stats_scope_url", None)
    if template is None:
        query = request.GET.copy()
        query["scope"] = SCOPE_PLACEHOLDER
        template = request._stats_scope_url = f"{reverse('stats:dashboard')}?{query.urlencode()}"
    return template.replace(quote_plus(SCOPE_PLACEHOLDER), quote_plus(str(scope)), 1)


def _link(request, scope: Scope) -> str | None:
    return scope_url(request, scope) if perms.can_view(request.user, scope) else None


def _departement_link(request, code: str) -> str | None:
    """The link of a département's dashboard (the map and the table ask for each: kept for the request)."""
    if code == indicators.NO_DEPARTEMENT:
        return None
    links = request.__dict__.setdefault("_stats_departement_links", {})
    if code not in links:
        links[code] = _link(request, Scope(ScopeKind.DEPARTEMENT, code))
    return links[code]


def _ancestors(scope: Scope) -> list[Scope]:
    """The scopes above `scope`, widest first: France, région, département, structure."""
    target = scope.object()
    if scope.kind == ScopeKind.ADVISOR:
        contracts = Contract.objects.filter(advisor_id=target.pk)
        contract = contracts.current().first() or contracts.order_by("-start").first()
        if contract is None:
            return [Scope(ScopeKind.NATIONAL)]
        structure = Scope(ScopeKind.STRUCTURE, str(contract.structure_id))
        return [*_ancestors(structure), structure]
    if scope.kind == ScopeKind.TEAM and target.structure_id:
        structure = Scope(ScopeKind.STRUCTURE, str(target.structure_id))
        return [*_ancestors(structure), structure]
    national = Scope(ScopeKind.NATIONAL)
    if scope.kind == ScopeKind.NATIONAL:
        return []
    if scope.kind == ScopeKind.DEPARTEMENT:
        return [national, Scope(ScopeKind.REGION, target.region_id)]
    departement = target.departement if scope.kind in (ScopeKind.STRUCTURE, ScopeKind.COMMUNE) else None
    if departement is None:
        # A région, an EPCI (which may straddle départements), a hub, a network, a structure without département.
        return [national]
    return [national, Scope(ScopeKind.REGION, departement.region_id), Scope(ScopeKind.DEPARTEMENT, departement.code)]


def _breadcrumb(request, scope: Scope) -> list[dict]:
    items = [{"label": ancestor.label, "url": _link(request, ancestor)} for ancestor in _ancestors(scope)]
    return [*items, {"label": scope.label, "url": None, "current": True}]


def _children(request, scope: Scope, figures: dict, since, until, filters) -> dict | None:
    """The scopes one level down, with their activities and accompaniments, each linked when the user may see it."""
    if scope.kind in (ScopeKind.NATIONAL, ScopeKind.REGION, ScopeKind.HUB):
        departements = Departement.objects.select_related("region").in_bulk(figures["by_departement"].keys())
        if scope.kind == ScopeKind.NATIONAL:
            return _by_region(request, figures["by_departement"], departements)
        rows = [
            (Scope(ScopeKind.DEPARTEMENT, code), str(departements[code]), counts)
            for code, counts in figures["by_departement"].items()
            if code in departements
        ]
        return _rows(request, "Départements", rows)
    if scope.kind in (ScopeKind.DEPARTEMENT, ScopeKind.EPCI, ScopeKind.COMMUNE, ScopeKind.NETWORK):
        counts = engine.by_structure(scope, since, until, filters)
        names = Structure.objects.in_bulk(counts.keys())
        rows = [(Scope(ScopeKind.STRUCTURE, str(pk)), names[pk].name, counts[pk]) for pk in counts if pk in names]
        return _rows(request, "Structures employeuses", rows)
    if scope.kind in (ScopeKind.STRUCTURE, ScopeKind.TEAM):
        # Advisors' rollup rows cover all their employers: a structure's or a team's share is counted live (small).
        counts = engine.counts_by(activities(scope, since, until, filters), "advisor_id")
        return _advisor_rows(request, scope, counts)
    return None


def _advisor_rows(request, scope: Scope, counts: dict) -> dict:
    """A structure's or a team's advisors, each linked to this scope narrowed to them (its share of their figures,
    not their whole history); a name the user may not see in the registry is hidden."""
    advisors = Advisor.objects.in_bulk(counts.keys())
    readable = set(Advisor.objects.visible_to(request.user).filter(pk__in=counts.keys()).values_list("pk", flat=True))
    narrowed = ADVISOR_PARAMETER in request.GET  # already one advisor's figures: no link to the same page
    result = []
    for pk in sorted(counts, key=lambda pk: (-counts[pk]["accompaniments"], advisors[pk].full_name)):
        url = f"{scope_url(request, scope)}&{ADVISOR_PARAMETER}={pk}" if pk in readable and not narrowed else None
        label = advisors[pk].full_name if pk in readable else "Conseiller hors de votre périmètre"
        result.append({"label": label, "url": url, **counts[pk]})
    return {"title": "Conseillers numériques", "rows": result}


def _by_region(request, by_departement: dict, departements: dict) -> dict:
    totals: dict[str, dict[str, int]] = {}
    for code, counts in by_departement.items():
        if code in departements:
            region = totals.setdefault(departements[code].region_id, {"activities": 0, "accompaniments": 0})
            region["activities"] += counts["activities"]
            region["accompaniments"] += counts["accompaniments"]
    names = Region.objects.in_bulk(totals.keys())
    rows = [(Scope(ScopeKind.REGION, code), str(names[code]), counts) for code, counts in totals.items()]
    return _rows(request, "Régions", rows)


def _rows(request, title: str, rows: list, *, hide_unreachable: bool = False) -> dict:
    """Rows sorted by accompaniments; a name the user may not open is hidden when it is a person's name."""
    allowed = perms.viewable(request.user, [row[0] for row in rows])
    result = []
    for scope, name, counts in sorted(rows, key=lambda row: (-row[2]["accompaniments"], row[1])):
        url = scope_url(request, scope) if scope in allowed else None
        label = name if url or not hide_unreachable else "Conseiller hors de votre périmètre"
        result.append({"label": label, "url": url, **counts})
    return {"title": title, "rows": result}


# --- what the figures look like ---------------------------------------------------------------------------------


def _figure_context(figures: dict, prefix: str, link, secret: frozenset[str] = frozenset()) -> dict:
    """Tiles, charts with their tables, and the map of `figures`; ids are prefixed so that two pages never clash."""
    return {
        "figures": figures,
        "live": engine.LIVE in figures["computed"].values(),
        "tiles": [_tile(figures, key) for key in TILE_KEYS if key in figures],
        "monthly": _monthly(figures["by_month"], f"{prefix}-mois"),
        "shares": _shares(figures, prefix),
        "breakdowns": [
            _breakdown(figures, breakdown, f"{prefix}-{breakdown.key}")
            for breakdown in BREAKDOWNS
            if figures[breakdown.key] or not breakdown.table  # no tags read: no empty tags' section
        ],
        "map": _map(figures["by_departement"], f"{prefix}-carte", link, secret),
        "definitions": definitions(),
    }


def _programme_context(programme: dict) -> dict:
    return {
        "programme": programme,
        "programme_on": datetime.date.fromisoformat(programme["on"]),
        "programme_definition": " ".join(programme_figures.__doc__.split()),
        "programme_tiles": [
            ("Postes accordés", "posts_granted", number(programme["posts_granted"])),
            ("Postes pourvus", "posts_filled", number(programme["posts_filled"])),
            ("Taux d'activation", "activation_rate", percent(programme["activation_rate"], missing=NOT_APPLICABLE)),
        ],
        "employer_kinds": [("public", "Employeur public"), ("private", "Employeur privé")],
    }


def _tile(figures: dict, key: str) -> dict:
    return {"key": key, "value": shown(key, figures[key]), **definition(key)}


def month_label(month: str) -> str:
    """ "2025-03" → "mars 2025"."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def _monthly(by_month: dict, chart_id: str) -> dict:
    return _series(by_month, chart_id, "Activités et accompagnements par mois", "by_month")


def _series(by_period: dict, chart_id: str, title: str, key: str) -> dict:
    """A column chart of activities and accompaniments per month ("AAAA-MM") or per day ("AAAA-MM-JJ")."""
    daily = key == "by_day"
    labels = [_day_label(period) if daily else month_label(period) for period in by_period]
    series = [
        ("Activités", [counts["activities"] for counts in by_period.values()]),
        ("Accompagnements", [counts["accompaniments"] for counts in by_period.values()]),
    ]
    return {
        "id": chart_id,
        "title": title,
        "definition": definition(key)["text"],
        "chart": charts.column_chart(chart_id, title, labels, series),
        "headers": ["Jour" if daily else "Mois", "Activités", "Accompagnements"],
        "rows": [[label, *(values[index] for _, values in series)] for index, label in enumerate(labels)],
    }


def _day_label(day: str) -> str:
    return datetime.date.fromisoformat(day).strftime("%d/%m/%Y")


def _shares(figures: dict, prefix: str) -> list[dict]:
    followed = figures["followed_vs_anonymous"]
    followed_shares = indicators.round_shares(followed)
    people = {
        kind: {"accompaniments": followed[kind], "share": followed_shares[kind]} for kind in ("followed", "anonymous")
    }
    specs = [
        ("individual_vs_collective", "activities"),
        ("by_employer_type", "activities"),
        ("followed_vs_anonymous",),
    ]
    result = []
    for key, *measure in specs:
        title, labels = SPLIT[key].label, SPLIT[key].labels
        groups = people if key == "followed_vs_anonymous" else figures[key]
        value_key = measure[0] if measure else "accompaniments"
        items = [charts.Item(labels[kind], counts[value_key], counts["share"]) for kind, counts in groups.items()]
        chart_id = f"{prefix}-{key}"
        headers = ["", "Activités", "Accompagnements", "Part des activités"]
        rows = [
            [labels[kind], counts.get("activities"), counts["accompaniments"], f"{counts['share']}{NARROW_NBSP}%"]
            for kind, counts in groups.items()
        ]
        if not measure:
            headers = ["", "Accompagnements", "Part des accompagnements"]
            rows = [[row[0], row[2], row[3]] for row in rows]
        result.append(
            {
                "id": chart_id,
                "title": title,
                "definition": definition(key)["text"],
                "chart": charts.share_bar(chart_id, title, items),
                "headers": headers,
                "rows": rows,
            }
        )
    return result


def _breakdown(figures: dict, breakdown, chart_id: str) -> dict:
    counts = figures[breakdown.key]
    natural = breakdown.natural_order
    order = [value for value in breakdown.values if value in counts] if natural else list(counts)
    order += [value for value in counts if value not in order]
    items = [charts.Item(breakdown.label_of(value), counts[value]) for value in order]
    return {
        "id": chart_id,
        "title": breakdown.title,
        "definition": breakdown.definition,
        "chart": charts.bar_chart(chart_id, breakdown.title, items),
        "headers": ["", breakdown.counted],
        "rows": [[entry.label, entry.value] for entry in items],
    }


def _map(by_departement: dict, chart_id: str, link, secret: frozenset[str] = frozenset()) -> dict:
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
