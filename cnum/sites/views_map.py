"""The public map of the sites (`/lieux/carte/`), its embeddable version for other sites (`/lieux/carte/integrer/`,
framed by anyone, no cookie) and the page that gives the `<iframe>` code.

Server-rendered: the search (a commune or postal code, or the visitor's position), the filters and the list sorted by
distance work without JavaScript and without tiles; the list is the accessible equivalent of the map. The map
(static/cnum/map.js, Leaflet vendored under static/vendor/leaflet) draws the same sites from a JSON block.
"""

from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.conf import settings
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt

from cnum.sites import nearby, opening_now
from cnum.sites.forms_map import MapForm
from cnum.sites.models import Site

#: Sites listed beside the map, nearest first.
LIST_SIZE = 50
#: What an embedded map may be narrowed to: query parameter → label.
EMBED_SCOPES = {
    "departement": "Département",
    "commune": "Commune (code INSEE)",
    "epci": "EPCI (SIREN)",
    "structure": "Structure (SIRET)",
}


def site_map(request):
    return render(request, "sites/map.html", _context(request, Site.objects.published(), embed=False))


@xframe_options_exempt
@csp_replace({"frame-ancestors": "*"})
def site_map_embed(request):
    """The same map for other sites: framed by any origin, sets no cookie (it reads no session)."""
    sites, scope = _embed_scope(request)
    context = _context(request, sites, embed=True)
    context["scope"] = scope
    return render(request, "sites/map_embed.html", context)


def site_map_embed_code(request):
    """The `<iframe>` code of an embedded map narrowed to a territory or a structure."""
    kind = request.GET.get("type", "departement")
    kind = kind if kind in EMBED_SCOPES else "departement"
    code = request.GET.get("code", "").strip()[:20]
    url = request.build_absolute_uri(reverse("sites:map_embed"))
    if code:
        url += "?" + urlencode({kind: code})
    context = {
        "title": "Intégrer la carte des lieux sur votre site",
        "kinds": EMBED_SCOPES,
        "kind": kind,
        "code": code,
    }
    context["iframe"] = (
        f'<iframe src="{url}" title="Carte des lieux d’inclusion numérique" width="100%" height="700" '
        'loading="lazy"></iframe>'
    )
    context["embed_url"] = url
    return render(request, "sites/map_embed_code.html", context)


def _embed_scope(request):
    sites = Site.objects.published()
    for key, label in EMBED_SCOPES.items():
        value = request.GET.get(key, "").strip()[:20]
        if not value:
            continue
        if key == "departement":
            sites = sites.in_departement(value.upper())
        elif key == "commune":
            sites = sites.filter(Q(commune__code=value) | Q(commune__parent__code=value))
        elif key == "epci":
            sites = sites.filter(commune__epci_id=value)
        else:
            sites = sites.filter(Q(structure__identifier=value) | Q(pivot=value))
        return sites, {"key": key, "value": value, "label": label}
    return sites, None


def _context(request, sites, *, embed: bool) -> dict:
    form = MapForm(request.GET or None)
    now = timezone.now()
    place, found, not_found = None, sites, ""
    if form.is_bound and form.is_valid():
        position, text = form.position, form.cleaned_data["q"]
        if position:
            place = nearby.Place("votre position", *position)
        elif text:
            place = nearby.place_of(text, sites)
            not_found = "" if place else text
        if place:
            found = nearby.nearby(
                sites,
                latitude=place.latitude,
                longitude=place.longitude,
                radius_km=form.radius_km,
                filters=form.filters,
                now=now,
            )
        else:
            found = nearby.filtered(sites, form.filters, now=now)
    listed = _listed(found, place, embed, now)
    return {
        "title": "Carte des lieux d'inclusion numérique",
        "form": form,
        "place": place,
        "not_found": not_found,
        "listed": listed,
        "count": len(found) if isinstance(found, list) else found.count(),
        "radius_km": form.radius_km if form.is_bound and form.is_valid() else nearby.DEFAULT_RADIUS_KM,
        "map_data": _map_data(found, place, form, embed),
        "embed": embed,
        "link_target": "_blank" if embed else "",
    }


def _listed(found, place, embed: bool, now) -> list[dict]:
    """The sites of the list: the nearest when a place is searched, else (an embedded map) the first by name."""
    if place is None and not embed:
        return []
    rows = found[:LIST_SIZE] if place else sorted(found, key=lambda site: site.name)[:LIST_SIZE]
    return [
        {"site": site, "status": opening_now.status(site.opening_hours, now, site.departement_id)} for site in rows
    ]


def _map_data(found, place, form, embed: bool) -> dict:
    located = [site for site in found if site.latitude is not None and site.longitude is not None]
    return {
        "tiles": {"url": settings.CNUM_MAP_TILES_URL, "attribution": settings.CNUM_MAP_TILES_ATTRIBUTION},
        "centre": (
            {"lat": place.latitude, "lon": place.longitude, "label": place.label, "rayon_km": form.radius_km}
            if place
            else None
        ),
        "target": "_blank" if embed else "",
        "sites": [
            {
                "id": site.pk,
                "nom": site.name,
                "lat": site.latitude,
                "lon": site.longitude,
                "adresse": f"{site.address}, {site.postal_code} {site.commune_name}",
                "url": reverse("sites:detail", args=[site.pk]),
                **({"distance_km": round(site.distance_km, 1)} if place else {}),
            }
            for site in located
        ],
    }
