"""The REST API (django-ninja, OpenAPI at /api/docs). Each business area adds its router here."""

from ninja import NinjaAPI

from cnum.api.sites import router as sites_router

api = NinjaAPI(
    title="API cnum",
    version="1",
    description="API du dispositif Conseiller numérique ; les données publiques sont ouvertes sans authentification.",
    urls_namespace="api",
)
api.add_router("/lieux/", sites_router)
