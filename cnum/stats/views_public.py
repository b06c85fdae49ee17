"""The public statistics page, for everyone: France or one territory (`?scope=departement:69`, région, EPCI,
commune), aggregates only, under the secret statistique of cnum.stats.public."""

from urllib.parse import urlencode

from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cnum.stats import engine, indicators
from cnum.stats import views as stats_views
from cnum.stats.catalogue import BREAKDOWN
from cnum.stats.programme import programme_figures
from cnum.stats.public import DIMENSIONS, TOTALS_ONLY, Secrecy, progressed_asked, public_scope, secrecy
from cnum.stats.scopes import Scope, ScopeError, ScopeKind, activities
from cnum.territories.models import Departement, Region

SECRET = "Secret statistique"
TERRITORY_TILES = ("activities", "accompaniments", "beneficiaries", "progressed_rate", "hours", "advisors_in_post")
TOTALS_TILES = ("activities", "accompaniments", "beneficiaries", "advisors_in_post")


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
        **stats_views._programme_context(programme_figures(scope, on=timezone.localdate())),
        "updated_on": activities(scope).aggregate(latest=Max("date"))["latest"],
        "definitions": stats_views.definitions(),
    }
    if scope.kind == ScopeKind.NATIONAL:
        national_secret = stats_views.public_secret(figures["by_departement"])
        context.update(stats_views._figure_context(figures, "public", _departement_link, secret=national_secret))
    elif not secret.withheld:
        context.update(_territory_context(scope, figures, secret))
    return render(request, "stats/public.html", context)


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


def _territory_context(scope: Scope, figures: dict, secret: Secrecy) -> dict:
    totals_only = scope.kind in TOTALS_ONLY
    tiles = [_tile(scope, figures, key) for key in (TOTALS_TILES if totals_only else TERRITORY_TILES)]
    if totals_only:
        return {"tiles": tiles}
    context = {
        "tiles": tiles,
        "monthly": _monthly(figures["by_month"], secret.months),
        "breakdowns": [_breakdown(figures, key, secret.values.get(key, set())) for key in DIMENSIONS],
    }
    if scope.kind == ScopeKind.REGION:
        codes = set(Departement.objects.filter(region_id=scope.code).values_list("code", flat=True))
        by_departement = {code: counts for code, counts in figures["by_departement"].items() if code in codes}
        context["map"] = stats_views._map(by_departement, "public-carte", _departement_link)
    return context


def _tile(scope: Scope, figures: dict, key: str) -> dict:
    tile = stats_views._tile(figures, key)
    if key == "progressed_rate" and progressed_asked(scope) < 5:
        tile["value"] = SECRET.lower()
    elif key == "beneficiaries" and figures[key] < 5:
        tile["value"] = SECRET.lower()
    return tile


def _monthly(by_month: dict, secret: set[str]) -> dict:
    shown = {month: counts for month, counts in by_month.items() if month not in secret}
    section = stats_views._series(shown, "public-mois", "Activités et accompagnements par mois", "by_month")
    section["rows"] = [
        [stats_views.month_label(month), SECRET, SECRET]
        if month in secret
        else [stats_views.month_label(month), counts["activities"], counts["accompaniments"]]
        for month, counts in by_month.items()
    ]
    return section


def _breakdown(figures: dict, key: str, secret: set[str]) -> dict:
    counts = {value: count for value, count in figures[key].items() if count and value not in secret}
    breakdown = BREAKDOWN[key]
    section = stats_views._breakdown({key: counts}, breakdown, f"public-{key}")
    section["rows"] += [[breakdown.label_of(value), SECRET] for value in figures[key] if value in secret]
    return section
