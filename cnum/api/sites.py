"""Sites (lieux) as open data: the published sites under the field names of the national schema v1.0.2
(reference/mediation-numerique/schema-lieux-mediation-numerique-v1.0.2.json), without authentication.

Multi-valued fields are JSON lists of the schema's values (the CSV export joins them with "|"), empty values are
null, and `pivot` is null when the site's SIRET is unknown (the CSV export leaves such sites out instead).
"""

import datetime

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cnum.api.validation import has_nul
from cnum.sites import schema
from cnum.sites.exporters.lieux_v1 import json_value, site_record
from cnum.sites.models import Site

router = Router(tags=["Lieux"])
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


class SiteFilters(Schema):
    region: str = Field("", description="Code INSEE de la région, par exemple 84.")
    departement: str = Field("", description="Code du département, par exemple 69 ou 2A.")
    commune: str = Field("", description="Nom de commune (ou partie), ou début de code postal.")
    service: str = Field("", description="Un service du schéma v1.0.2 (« Aide aux démarches administratives »…).")
    france_services: bool = Field(False, description="Seulement les lieux labellisés France Services.")
    itinerant: bool = Field(False, description="Seulement les lieux itinérants.")


class SiteOut(Schema):
    """A site under the column names of the national schema v1.0.2."""

    id: str
    pivot: str | None
    nom: str
    commune: str
    code_postal: str
    code_insee: str | None
    adresse: str
    complement_adresse: str | None
    latitude: float | None
    longitude: float | None
    typologie: list[str]
    telephone: str | None
    courriels: list[str]
    site_web: list[str]
    horaires: str | None
    presentation_resume: str | None
    presentation_detail: str | None
    source: str | None
    itinerance: list[str]
    structure_parente: str | None
    date_maj: datetime.date
    services: list[str]
    publics_specifiquement_adresses: list[str]
    prise_en_charge_specifique: list[str]
    frais_a_charge: list[str]
    dispositif_programmes_nationaux: list[str]
    formations_labels: list[str]
    autres_formations_labels: list[str]
    modalites_acces: list[str]
    modalites_accompagnement: list[str]
    fiche_acces_libre: str | None
    prise_rdv: str | None


class Problem(Schema):
    """Why a request is refused: a French message, or the invalid parameters as django-ninja lists them."""

    detail: str | list[dict]


class SitePage(Schema):
    count: int = Field(description="Nombre de lieux qui répondent aux filtres.")
    page: int
    pages: int
    items: list[SiteOut]


def api_record(site: Site) -> dict:
    return {name: json_value(value) for name, value in site_record(site).items()}


def _published(request):
    sites = Site.objects.visible_to(request.user).select_related("commune", "structure")
    return sites.prefetch_related("provenance").order_by("pk")


@router.get("/", response={200: SitePage, 422: Problem}, summary="Lieux publiés, filtrés et paginés")
def list_sites(request, filters: Query[SiteFilters], page: int = 1, page_size: int = PAGE_SIZE):
    if has_nul(filters.dict()):
        raise HttpError(422, "Caractère nul interdit dans les filtres.")
    if filters.service and schema.enumeration("services").canonical(filters.service) is None:
        raise HttpError(422, f"Service inconnu du schéma v1.0.2 : « {filters.service} ».")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise HttpError(422, f"page_size doit être compris entre 1 et {MAX_PAGE_SIZE}.")
    sites = _published(request).filtered(
        region=filters.region,
        departement=filters.departement,
        place=filters.commune,
        service=schema.enumeration("services").canonical(filters.service) if filters.service else "",
        france_services=filters.france_services,
        itinerant=filters.itinerant,
    )
    paginator = Paginator(sites, page_size)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [api_record(site) for site in current.object_list],
    }


@router.get("/{site_id}", response={200: SiteOut, 404: Problem, 422: Problem}, summary="Un lieu publié")
def get_site(request, site_id: int):
    return api_record(get_object_or_404(_published(request), pk=site_id))
