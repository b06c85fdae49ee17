"""Nearby search, open data without authentication: `GET /api/v1/lieux/?lat=…&lon=…&rayon_km=…` answers the published
sites within the radius, nearest first, each with its `distance_km` and the national schema's fields (as
`GET /api/lieux/`), with the public map's filters."""

from django.core.paginator import Paginator
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cnum.api.sites import MAX_PAGE_SIZE, PAGE_SIZE, Problem, SiteOut, api_record
from cnum.api.validation import has_nul
from cnum.sites import schema
from cnum.sites.models import Site
from cnum.sites.opening_now import is_open

router = Router(tags=["Lieux"])
MAX_RADIUS_KM = 100
DEFAULT_RADIUS_KM = 10


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
    if not value:
        return ""
    canonical = schema.enumeration(name).canonical(value)
    if canonical is None:
        raise HttpError(422, f"Valeur inconnue du schéma v1.0.2 pour {name} : « {value} ».")
    return canonical


def nearby_sites(sites, filters: NearbyFilters):
    """The sites within the radius, nearest first, under the map's filters (a list when "open now" is asked)."""
    sites = sites.within_km(filters.lat, filters.lon, filters.rayon_km)
    if service := _canonical("services", filters.service):
        sites = sites.offering(service)
    if public := _canonical("publics_specifiquement_adresses", filters.public):
        sites = sites.for_public(public)
    if support := _canonical("prise_en_charge_specifique", filters.prise_en_charge):
        sites = sites.with_support(support)
    if filters.gratuit:
        sites = sites.free_of_charge()
    if filters.sur_rendez_vous:
        sites = sites.by_appointment()
    if filters.ouvert_maintenant:
        now = timezone.now()
        return [site for site in sites if is_open(site.opening_hours, now, site.departement_id)]
    return sites


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
    paginator = Paginator(nearby_sites(sites, filters), page_size)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [{**api_record(site), "distance_km": round(site.distance_km, 3)} for site in current.object_list],
    }
