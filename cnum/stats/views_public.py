"""The public statistics page, for everyone: France or one territory (`?scope=departement:69`, région, EPCI,
commune), aggregates only, under the secret statistique of cnum.stats.public; a search by name or postal code
(`?recherche=`) leads to any commune's or EPCI's page."""

from urllib.parse import urlencode

from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cnum.activities.enums import PlaceType
from cnum.advisors.models import Contract
from cnum.stats import charts, engine, indicators, presenter, sharing
from cnum.stats import views as stats_views
from cnum.stats.catalogue import BREAKDOWN
from cnum.stats.disclosure import ROWS, THRESHOLD, suppress
from cnum.stats.programme import programme_figures
from cnum.stats.public import (
    DIMENSIONS,
    SHARE_COLUMNS,
    TOTALS_ONLY,
    Secrecy,
    departements_of,
    national_secrets,
    progressed_asked,
    public_scope,
    secrecy,
    shared_secrecy,
)
from cnum.stats.scopes import EMPLOYER_KINDS, Filters, Scope, ScopeError, ScopeKind, activities
from cnum.territories.lookup import search_communes
from cnum.territories.models import Commune, Departement, Epci, Region
from cnum.territories.normalization import normalize_name

SECRET = "Secret statistique"
TERRITORY_TILES = ("activities", "accompaniments", "beneficiaries", "progressed_rate", "hours", "advisors_in_post")
TOTALS_TILES = ("activities", "accompaniments", "beneficiaries", "advisors_in_post")
#: An advisor's or a structure's shared page: its activity, not the registry's count of advisors.
SHARED_TILES = ("activities", "accompaniments", "beneficiaries", "progressed_rate", "hours")
#: Shares of a département's or région's page → (the rollup column they are read from, title, labels).
SHARES = {
    "by_employer_type": (SHARE_COLUMNS[0], "Employeur public ou privé", EMPLOYER_KINDS),
    "by_place_type": (SHARE_COLUMNS[1], "Lieu des activités", dict(PlaceType.choices)),
}
SEARCH_MIN, SEARCH_RESULTS = 2, 10


def public_url(scope: Scope) -> str:
    """The public statistics page of a territory."""
    base = reverse("stats:public")
    return base if scope.kind == ScopeKind.NATIONAL else f"{base}?{urlencode({'scope': str(scope)})}"


def public(request):
    """National or territorial figures since the beginning, never a name, never a count under 5."""
    try:
        scope = public_scope(request.GET.get("scope", ""))
    except ScopeError as error:
        raise Http404(str(error)) from None
    figures = engine.figures(scope)
    figures["by_tag"] = {}  # tags are never public (issue #21): their owners' own figures
    secret = secrecy(scope, figures)
    figures.update(engine.registry_figures(scope, None, timezone.localdate()))
    context = {
        "title": _title(scope),
        "scope": scope,
        "scope_text": str(scope),
        "national": scope.kind == ScopeKind.NATIONAL,
        "withheld": secret.withheld,
        "territories": _territory_choices(),
        **_search(request.GET.get("recherche", "")),
        **presenter.programme_context(programme_figures(scope, on=timezone.localdate())),
        "updated_on": activities(scope).aggregate(latest=Max("date"))["latest"],
        "definitions": presenter.definitions(),
    }
    if scope.kind == ScopeKind.NATIONAL:
        national_secret = stats_views.public_secret(figures["by_departement"])
        sections = presenter.SECTIONS[scope.kind]
        board = presenter.Dashboard(
            scope,
            None,
            None,
            Filters(),
            figures,
            None,
            sections,
            departement_link=_departement_link,
            secret=national_secret,
        )
        context.update(board.html_context("public"))
    elif not secret.withheld:
        context.update(_territory_context(scope, figures, secret))
    return render(request, "stats/public.html", context)


def shared(request, token: str):
    """The figures an advisor or a structure shares by a public link (cnum.stats.sharing): the public page of its
    scope, under the same secrecy; an unknown or revoked link is not found."""
    scope = sharing.shared_scope(token)
    if scope is None:
        raise Http404("Ce lien de partage n'existe pas ou a été révoqué.")
    figures = engine.figures(scope)
    figures["by_tag"] = {}  # tags are never public (issue #21), shared figures included
    secret = shared_secrecy(figures)
    context = {
        "title": f"Statistiques partagées — {_shared_name(scope)}",
        "shared": True,
        "scope": scope,
        "withheld": secret.withheld,
        "updated_on": activities(scope).aggregate(latest=Max("date"))["latest"],
        "definitions": presenter.definitions(),
    }
    if not secret.withheld:
        context.update(_territory_context(scope, figures, secret, tile_keys=SHARED_TILES))
    return render(request, "stats/public.html", context)


def _shared_name(scope: Scope) -> str:
    """A structure by its name; an advisor by its employer only — its own name is not published."""
    if scope.kind == ScopeKind.STRUCTURE:
        return scope.name()
    contract = Contract.objects.current().filter(advisor_id=scope.code).select_related("structure").first()
    return f"un conseiller numérique de {contract.structure.name}" if contract else "un conseiller numérique"


def _title(scope: Scope) -> str:
    """ "Statistiques publiques — Département Rhône (69), Auvergne-Rhône-Alpes": the territory and its région."""
    if scope.kind == ScopeKind.NATIONAL:
        return "Statistiques publiques du programme"
    target, above = scope.object(), ""
    if scope.kind == ScopeKind.DEPARTEMENT:
        above = target.region.name
    elif scope.kind == ScopeKind.COMMUNE:
        above = f"{target.departement.name}, {target.region.name}"
    return f"Statistiques publiques — {scope.label}" + (f", {above}" if above else "")


def _departement_link(code: str) -> str | None:
    if code == indicators.NO_DEPARTEMENT:
        return None
    return public_url(Scope(ScopeKind.DEPARTEMENT, code))


def _territory_choices() -> list[dict]:
    """Régions and départements of the territory picker, by région."""
    departements = Departement.objects.order_by("code").values_list("code", "name", "region_id")
    regions = Region.objects.order_by("name").values_list("code", "name")
    by_region = {}
    for code, name, region in departements:
        by_region.setdefault(region, []).append({"scope": f"departement:{code}", "label": f"{name} ({code})"})
    return [
        {"label": name, "scope": f"region:{code}", "departements": by_region.get(code, [])} for code, name in regions
    ]


def _territory_context(scope: Scope, figures: dict, secret: Secrecy, tile_keys=None) -> dict:
    totals_only = scope.kind in TOTALS_ONLY
    tile_keys = tile_keys or (TOTALS_TILES if totals_only else TERRITORY_TILES)
    tiles = [_tile(scope, figures, key) for key in tile_keys]
    if totals_only:
        return {"tiles": tiles}
    context = {
        "tiles": tiles,
        "monthly": _monthly(figures["by_month"], secret.months),
        "breakdowns": [_breakdown(figures, key, secret.values.get(key, set())) for key in DIMENSIONS],
        "shares": _shares(scope, figures),
    }
    if scope.kind == ScopeKind.REGION:
        codes = set(Departement.objects.filter(region_id=scope.code).values_list("code", flat=True))
        by_departement = {code: counts for code, counts in figures["by_departement"].items() if code in codes}
        context["map"] = presenter.departement_map(by_departement, "public-carte", _departement_link)
    return context


def _tile(scope: Scope, figures: dict, key: str) -> dict:
    tile = presenter.tile(figures, key)
    if key == "progressed_rate" and progressed_asked(scope) < 5:
        tile["value"] = SECRET.lower()
    elif key == "beneficiaries" and figures[key] < 5:
        tile["value"] = SECRET.lower()
    return tile


def _monthly(by_month: dict, secret: set[str]) -> dict:
    shown = {month: counts for month, counts in by_month.items() if month not in secret}
    section = presenter.series(shown, "public-mois", "Activités et accompagnements par mois")
    section["rows"] = [
        [presenter.month_label(month), SECRET, SECRET]
        if month in secret
        else [presenter.month_label(month), counts["activities"], counts["accompaniments"]]
        for month, counts in by_month.items()
    ]
    return section


def _breakdown(figures: dict, key: str, secret: set[str]) -> dict:
    counts = {value: count for value, count in figures[key].items() if count and value not in secret}
    breakdown = BREAKDOWN[key]
    section = presenter.breakdown_section({key: counts}, breakdown, f"public-{key}")
    section["rows"] += [[breakdown.label_of(value), SECRET] for value in figures[key] if value in secret]
    return section


# --- shares: employers public or private, place types ----------------------------------------------------------


def _shares(scope: Scope, figures: dict) -> list[dict]:
    """The page's shares, each value secret where the national département × value table (the national page
    publishes each value's total, every département page its own total) makes it secret for one of the scope's
    départements, and under the page's own suppression (docs/statistics.md)."""
    codes = departements_of(scope)
    secrets = national_secrets().shares
    sections = []
    for key, (column, title, labels) in SHARES.items():
        counts = _counts(figures[key])
        secret = {value for code, value in secrets[column] if code in codes}
        own = {(key, value): min(pair.values()) for value, pair in counts.items() if min(pair.values())}
        secret |= {value for _, value in suppress(own, THRESHOLD, (ROWS,))}
        sections.append(_share_section(key, title, labels, counts, secret))
    return sections


def _counts(figure: dict) -> dict[str, dict[str, int]]:
    """{value: {"activities", "accompaniments"}} of a share figure (by_employer_type) or a count (by_place_type:
    activities only, so both measures are its count)."""
    return {
        value: {"activities": count["activities"], "accompaniments": count["accompaniments"]}
        if isinstance(count, dict)
        else {"activities": count, "accompaniments": count}
        for value, count in figure.items()
        if (count["activities"] if isinstance(count, dict) else count)
    }


def _share_section(key: str, title: str, labels: dict, counts: dict, secret: set[str]) -> dict:
    shares = indicators.round_shares({value: pair["activities"] for value, pair in counts.items()})
    shown = [value for value in counts if value not in secret]
    chart_id = f"public-{key}"
    items = [charts.Item(labels.get(value, value), counts[value]["activities"], shares[value]) for value in shown]
    with_accompaniments = key == "by_employer_type"
    rows = []
    for value, pair in counts.items():
        cells = [pair["activities"], pair["accompaniments"]] if with_accompaniments else [pair["activities"]]
        if value in secret:
            cells = [SECRET] * (len(cells) + 1)
        else:
            cells.append(f"{shares[value]} %")
        rows.append([labels.get(value, value), *cells])
    headers = ["", "Activités", *(["Accompagnements"] if with_accompaniments else []), "Part des activités"]
    return {
        "id": chart_id,
        "title": title,
        "definition": presenter.definition(key)["text"],
        "chart": charts.share_bar(chart_id, title, items)
        if with_accompaniments
        else charts.bar_chart(chart_id, title, items),
        "headers": headers,
        "rows": rows,
    }


# --- the search for a commune's or an EPCI's page ---------------------------------------------------------------


def _search(text: str) -> dict:
    """The communes (territories lookup of the forms: name or postal code) and EPCI (name) matching `text`, each
    with its page; the EPCI of the communes found are offered too."""
    text = " ".join(text.split())[:80]
    if not text:
        return {}
    if len(text) < SEARCH_MIN:
        return {"search": text, "search_error": "Tapez au moins 2 caractères : un nom ou un code postal."}
    suggestions = search_communes(text, limit=SEARCH_RESULTS)
    communes = Commune.objects.in_bulk([suggestion.commune_id for suggestion in suggestions])
    results = [
        {
            "label": f"{suggestion.name} ({suggestion.postal_code or suggestion.code})",
            "kind": "Commune",
            "detail": f"département {suggestion.departement}",
            "url": public_url(Scope(ScopeKind.COMMUNE, communes[suggestion.commune_id].code)),
        }
        for suggestion in suggestions
    ]
    sirens = list(dict.fromkeys(c.epci_id for c in communes.values() if c.epci_id))
    if not text.isdigit():
        wanted = normalize_name(text)
        sirens += [
            siren
            for siren, name in Epci.objects.order_by("name").values_list("siren", "name")
            if wanted in normalize_name(name) and siren not in sirens
        ][:SEARCH_RESULTS]
    epcis = Epci.objects.in_bulk(sirens)
    results += [
        {
            "label": epcis[siren].name,
            "kind": "EPCI",
            "detail": f"SIREN {siren}",
            "url": public_url(Scope(ScopeKind.EPCI, siren)),
        }
        for siren in sirens
        if siren in epcis
    ]
    return {"search": text, "search_results": results}
