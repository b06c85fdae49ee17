"""The REST API (django-ninja, OpenAPI at /api/docs). Each business area adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="API cnum",
    version="1",
    description="API du dispositif Conseiller numérique ; les données publiques sont ouvertes sans authentification.",
    urls_namespace="api",
)
