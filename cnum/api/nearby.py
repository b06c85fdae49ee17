"""Nearby search, open data without authentication: `GET /api/v1/lieux/?lat=…&lon=…&rayon_km=…` answers the published
sites within the radius, nearest first, each with its `distance_km` and the national schema's fields (as
`GET /api/lieux/`), with the public map's filters."""

from django.core.paginator import Paginator
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cnum.api.sites import MAX_PAGE_SIZE, PAGE_SIZE, Problem, SiteOut, api_record
from cnum.api.validation import has_nul
from cnum.sites import nearby
from cnum.sites.models import Site

router = Router(tags=["Lieux"])
MAX_RADIUS_KM, DEFAULT_RADIUS_KM = nearby.MAX_RADIUS_KM, nearby.DEFAULT_RADIUS_KM


class NearbyFilters(Schema):
    lat: float = Field(..., ge=-90, le=90, description="Latitude du point (WGS 84), par exemple 45.764.")
    lon: float = Field(..., ge=-180, le=180, description="Longitude du point (WGS 84), par exemple 4.8357.")
    rayon_km: float = Field(
        DEFAULT_RADIUS_KM, gt=0, le=MAX_RADIUS_KM, description=f"Rayon de recherche en km (au plus {MAX_RADIUS_KM})."
    )
    service: str = Field("", description="Un service du schéma v1.0.2 (« Aide aux démarches administratives »…).")
    public: str = Field("", description="Un public spécifiquement adressé (« Seniors », « Jeunes »…).")
    prise_en_charge: str = Field(
        "", description="Une prise en charge spécifique, dont l'accessibilité (« Handicaps moteurs », « Surdité »…)."
    )
    gratuit: bool = Field(False, description="Seulement les lieux gratuits (frais à charge « Gratuit »).")
    sur_rendez_vous: bool = Field(False, description="Seulement les lieux où l'on prend rendez-vous en ligne.")
    ouvert_maintenant: bool = Field(
        False, description="Seulement les lieux ouverts à l'heure de la requête (horaires OSM, jours fériés compris)."
    )


class NearbySiteOut(SiteOut):
    distance_km: float = Field(description="Distance à vol d'oiseau du point demandé, en km (3 décimales).")


class NearbyPage(Schema):
    count: int = Field(description="Nombre de lieux dans le rayon qui répondent aux filtres.")
    page: int
    pages: int
    items: list[NearbySiteOut]


def _canonical(name: str, value: str) -> str:
    canonical = nearby.canonical(name, value)
    if canonical is None:
        raise HttpError(422, f"Valeur inconnue du schéma v1.0.2 pour {name} : « {value} ».")
    return canonical


def _map_filters(filters: NearbyFilters) -> nearby.MapFilters:
    return nearby.MapFilters(
        service=_canonical("services", filters.service),
        public=_canonical("publics_specifiquement_adresses", filters.public),
        support=_canonical("prise_en_charge_specifique", filters.prise_en_charge),
        free=filters.gratuit,
        appointment=filters.sur_rendez_vous,
        open_now=filters.ouvert_maintenant,
    )


@router.get(
    "/",
    response={200: NearbyPage, 422: Problem},
    summary="Lieux publiés autour d'un point, du plus proche au plus lointain",
    auth=None,
)
def search_sites_nearby(request, filters: Query[NearbyFilters], page: int = 1, page_size: int = PAGE_SIZE):
    if has_nul(filters.dict()):
        raise HttpError(422, "Caractère nul interdit dans les filtres.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise HttpError(422, f"page_size doit être compris entre 1 et {MAX_PAGE_SIZE}.")
    sites = Site.objects.visible_to(request.user).select_related("commune", "structure").prefetch_related("provenance")
    found = nearby.nearby(
        sites,
        latitude=filters.lat,
        longitude=filters.lon,
        radius_km=filters.rayon_km,
        filters=_map_filters(filters),
        now=timezone.now(),
    )
    paginator = Paginator(found, page_size)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [{**api_record(site), "distance_km": round(site.distance_km, 3)} for site in current.object_list],
    }
