"""The REST API (django-ninja, OpenAPI at /api/docs). Each business area adds its router here."""

import math

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled, ValidationError

from cnum.api.activities import router as activities_router
from cnum.api.nearby import router as nearby_router
from cnum.api.sites import router as sites_router
from cnum.api.throttling import address_throttle, token_throttle

api = NinjaAPI(
    title="API cnum",
    version="1",
    description=(
        "API du dispositif Conseiller numérique ; les données publiques sont ouvertes sans authentification. "
        "L'API partenaires (/api/v1/activities) demande un jeton : `Authorization: Bearer <jeton>` ; la recherche "
        "de lieux autour d'un point (/api/v1/lieux/) est ouverte."
    ),
    urls_namespace="api",
    throttle=[token_throttle, address_throttle],
)
api.add_router("/lieux/", sites_router)
api.add_router("/v1/activities", activities_router)
api.add_router("/v1/lieux/", nearby_router)

PARTNER_PREFIX = "/api/v1/activities"


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    # Refused tokens count against the caller's address: guessing tokens is slowed down like any anonymous call.
    if not address_throttle.allow_request(request):
        response = throttled(request, Throttled(wait=address_throttle.wait()))
        response["Retry-After"] = address_throttle.retry_after()
        return response
    return api.create_response(request, {"detail": "Jeton d'accès absent, inconnu ou révoqué."}, status=401)


@api.exception_handler(Throttled)
def throttled(request, exc):
    """429, in French; django-ninja adds the Retry-After header (whole seconds)."""
    seconds = max(1, math.ceil(exc.wait or 1))
    detail = f"Trop de requêtes : limite atteinte. Réessayez dans {seconds} seconde{'s' if seconds > 1 else ''}."
    return api.create_response(request, {"detail": detail}, status=429)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    """The partner API answers every invalid field as French messages per field, as its own checks do."""
    if not request.path.startswith(PARTNER_PREFIX):
        return api.create_response(request, {"detail": exc.errors}, status=422)
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "payload", "filters")]
        errors.setdefault(".".join(location) or "__all__", []).append("Valeur manquante ou invalide.")
    return api.create_response(request, {"errors": errors}, status=422)
